import { ProblemException } from '@gatehouse/errors';
import {
  IDEMPOTENCY_PROBLEMS,
  IDEMPOTENCY_TTL_MS,
  IdempotencyLedger,
  IdempotencyOutcome,
  IdempotencyTicket,
  idempotentRun,
  LedgerEntry,
  openOutcome,
  sealOutcome,
  StoredOutcome,
} from '@gatehouse/messaging';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { DURABLE_EVENTS_OPTIONS, DurableEventsOptions } from './durable-events.options';

/** How long a keyed request's record is kept: as long as NATS's bucket keeps it. */
export const IDEMPOTENCY_RECORDS_RETENTION_MS = IDEMPOTENCY_TTL_MS;

/**
 * The Postgres half of `Idempotency-Key` (the gateway admits a key through NATS's bucket, a cache of
 * this): `claim` writes the key in the transaction of the change it describes (the outbox calls it for
 * every event it adds while a keyed request runs), so a change committed while NATS was away can never
 * run a second time; `complete` then stores the answer for every retry to get.
 */
@Injectable()
export class PostgresIdempotencyLedger implements IdempotencyLedger {
  /** The run whose claim a transaction already holds (one statement per transaction, not per event). */
  private readonly claimed = new WeakMap<EntityManager, string>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(DURABLE_EVENTS_OPTIONS) private readonly options: DurableEventsOptions,
  ) {}

  /**
   * In the write's transaction: claims the current keyed request's key for this run. Another run that
   * committed a claim first means this is a retry racing the original: 409, and this transaction rolls back.
   */
  async claim(manager: EntityManager): Promise<void> {
    const run = idempotentRun.current();
    if (!run || this.claimed.get(manager) === run.runId) return;
    const rows: unknown[] = await manager.query(
      `INSERT INTO "${this.options.schema}".idempotency_records AS r (id, fingerprint, run_id) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET run_id = r.run_id WHERE r.run_id = EXCLUDED.run_id RETURNING 1`,
      [run.ticket.id, run.ticket.fingerprint, run.runId],
    );
    if (rows.length === 0) {
      throw new ProblemException(409, IDEMPOTENCY_PROBLEMS.inProgress, 'A request with this Idempotency-Key is still in progress; retry later');
    }
    this.claimed.set(manager, run.runId);
  }

  async find(ticket: IdempotencyTicket): Promise<LedgerEntry | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT fingerprint, outcome FROM "${this.options.schema}".idempotency_records
       WHERE id = $1 AND created_at > now() - make_interval(secs => $2)`,
      [ticket.id, IDEMPOTENCY_RECORDS_RETENTION_MS / 1000],
    )) as Array<{ fingerprint: string; outcome: StoredOutcome | null }>;
    if (!row) return undefined;
    return row.outcome ? { state: 'done', fingerprint: row.fingerprint, outcome: openOutcome(ticket, row.outcome) } : { state: 'committed', fingerprint: row.fingerprint };
  }

  async complete(ticket: IdempotencyTicket, runId: string, outcome: IdempotencyOutcome): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO "${this.options.schema}".idempotency_records AS r (id, fingerprint, run_id, outcome) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET outcome = EXCLUDED.outcome WHERE r.run_id = EXCLUDED.run_id`,
      [ticket.id, ticket.fingerprint, runId, JSON.stringify(sealOutcome(ticket, outcome))],
    );
  }
}

export function idempotencyRecordsSql(schema: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS "${schema}".idempotency_records (
      id text PRIMARY KEY,
      fingerprint text NOT NULL,
      run_id uuid NOT NULL,
      outcome jsonb,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX IF NOT EXISTS idempotency_records_created_at_idx ON "${schema}".idempotency_records (created_at)`,
  ];
}

/** The migration that adds the table to a service's schema; `name` carries the timestamp TypeORM orders by. */
export function idempotencyRecordsMigration(schema: string, name: string): new () => MigrationInterface {
  return class IdempotencyRecords implements MigrationInterface {
    name = name;

    async up(q: QueryRunner): Promise<void> {
      for (const sql of idempotencyRecordsSql(schema)) await q.query(sql);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`DROP TABLE IF EXISTS "${schema}".idempotency_records`);
    }
  };
}
