import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SQL for the outbox and processed-events tables that every service with durable events has in its own
 * schema. Called from each service's first migration.
 */
export function outboxTablesSql(schema: string): string[] {
  return [
    `CREATE TABLE "${schema}".outbox (
      seq bigserial PRIMARY KEY,
      id uuid NOT NULL UNIQUE,
      subject text NOT NULL,
      envelope jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz
    )`,
    `CREATE INDEX outbox_unpublished_idx ON "${schema}".outbox (seq) WHERE published_at IS NULL`,
    `CREATE TABLE "${schema}".processed_events (
      consumer text NOT NULL,
      event_id uuid NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`,
  ];
}

export function dropOutboxTablesSql(schema: string): string[] {
  return [`DROP TABLE "${schema}".processed_events`, `DROP TABLE "${schema}".outbox`];
}

/** Indexes the retention job (EventRetention) deletes by, so a prune never scans the tables. */
export function eventRetentionIndexesSql(schema: string): string[] {
  return [
    `CREATE INDEX IF NOT EXISTS outbox_published_at_idx ON "${schema}".outbox (published_at) WHERE published_at IS NOT NULL`,
    `CREATE INDEX IF NOT EXISTS processed_events_processed_at_idx ON "${schema}".processed_events (processed_at)`,
  ];
}

/**
 * The migration that adds those indexes, for a service whose first migration created the tables with
 * outboxTablesSql. `name` carries the timestamp TypeORM orders migrations by.
 */
export function eventRetentionMigration(schema: string, name: string): new () => MigrationInterface {
  return class EventRetentionIndexes implements MigrationInterface {
    name = name;

    async up(q: QueryRunner): Promise<void> {
      for (const sql of eventRetentionIndexesSql(schema)) await q.query(sql);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`DROP INDEX IF EXISTS "${schema}".processed_events_processed_at_idx`);
      await q.query(`DROP INDEX IF EXISTS "${schema}".outbox_published_at_idx`);
    }
  };
}
