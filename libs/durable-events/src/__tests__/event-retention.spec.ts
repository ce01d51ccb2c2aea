import { randomUUID } from 'node:crypto';
import { createServiceDatabase, ServiceDatabase } from '@gatehouse/testing';
import { Logger } from '@nestjs/common';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { auditDiff } from '../audit-recorder';
import { EventRetention, PROCESSED_EVENTS_RETENTION_MS } from '../event-retention';
import { eventRetentionIndexesSql, outboxTablesSql } from '../outbox.migration';
import { IDEMPOTENCY_RECORDS_RETENTION_MS, idempotencyRecordsSql } from '../idempotency-ledger';

const SCHEMA = 'retention_unit';

class RetentionUnitSchema1000000000000 implements MigrationInterface {
  name = 'RetentionUnitSchema1000000000000';
  async up(q: QueryRunner): Promise<void> {
    for (const sql of [...outboxTablesSql(SCHEMA), ...eventRetentionIndexesSql(SCHEMA), ...idempotencyRecordsSql(SCHEMA)]) await q.query(sql);
  }
  async down(): Promise<void> {
    // the database is dropped
  }
}

describe('EventRetention (real Postgres)', () => {
  let db: ServiceDatabase;

  beforeAll(async () => {
    Logger.overrideLogger(['fatal']);
    db = await createServiceDatabase({ schema: SCHEMA, entities: [], migrations: [RetentionUnitSchema1000000000000] });
  }, 30_000);

  afterAll(async () => {
    await db?.drop();
  });

  const outboxRow = (label: string, publishedHoursAgo: number | null) =>
    db.dataSource.query(
      `INSERT INTO "${SCHEMA}".outbox (id, subject, envelope, published_at)
       VALUES ($1, $2, '{}', CASE WHEN $3::float IS NULL THEN NULL ELSE now() - make_interval(secs => $3::float * 3600) END)`,
      [randomUUID(), label, publishedHoursAgo],
    );

  it('deletes published outbox rows past the retention, processed-event rows past the stream age and idempotency records past a day, nothing else', async () => {
    await outboxRow('old-published', 5);
    await outboxRow('recent-published', 0.5);
    await outboxRow('old-unpublished', null);
    await db.dataSource.query(`UPDATE "${SCHEMA}".outbox SET created_at = now() - interval '30 days' WHERE subject = 'old-unpublished'`);
    const keepSecs = PROCESSED_EVENTS_RETENTION_MS / 1000;
    await db.dataSource.query(
      `INSERT INTO "${SCHEMA}".processed_events (consumer, event_id, processed_at) VALUES
       ('c', $1, now() - make_interval(secs => $3 + 60)), ('c', $2, now() - make_interval(secs => $3 - 3600))`,
      [randomUUID(), randomUUID(), keepSecs],
    );
    await db.dataSource.query(
      `INSERT INTO "${SCHEMA}".idempotency_records (id, fingerprint, run_id, created_at) VALUES
       ('old', 'f', $1, now() - make_interval(secs => $3 + 60)), ('recent', 'f', $2, now() - make_interval(secs => $3 - 3600))`,
      [randomUUID(), randomUUID(), IDEMPOTENCY_RECORDS_RETENTION_MS / 1000],
    );
    const retention = new EventRetention(db.dataSource, { service: 'unit', schema: SCHEMA, outboxRetentionHours: 2 });

    expect(await retention.prune()).toEqual({ outbox: 1, processedEvents: 1, idempotencyRecords: 1 });
    const left = await db.dataSource.query(`SELECT subject FROM "${SCHEMA}".outbox ORDER BY subject`);
    expect(left.map((r: { subject: string }) => r.subject)).toEqual(['old-unpublished', 'recent-published']);
    expect(await retention.prune()).toEqual({ outbox: 0, processedEvents: 0, idempotencyRecords: 0 });
    expect(await db.dataSource.query(`SELECT id FROM "${SCHEMA}".idempotency_records`)).toEqual([{ id: 'recent' }]);
  });
});

describe('auditDiff', () => {
  it('keeps only the fields that changed', () => {
    expect(auditDiff({ name: 'a', size: 1, tags: ['x'] }, { name: 'b', size: 1, tags: ['x'] })).toEqual({ before: { name: 'a' }, after: { name: 'b' } });
  });

  it('never carries a password, secret, token, hash or private key, whatever the case of the field', () => {
    const diff = auditDiff(null, { name: 'n', passwordHash: 'h', clientSecret: 's', apiToken: 't', privateJwk: {}, TOKEN: 'x' });
    expect(diff).toEqual({ before: null, after: { name: 'n' } });
  });

  it('describes a creation and a deletion with null on the missing side', () => {
    expect(auditDiff(null, { a: 1 })).toEqual({ before: null, after: { a: 1 } });
    expect(auditDiff({ a: 1 }, null)).toEqual({ before: { a: 1 }, after: null });
  });
});
