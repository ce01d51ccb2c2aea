import { randomUUID } from 'node:crypto';
import { EventRetention, eventRetentionIndexesSql, idempotencyRecordsSql, outboxTablesSql, PROCESSED_EVENTS_RETENTION_MS } from '@gatehouse/durable-events';
import { testDatabaseUrl, testDb, TestDbClient } from '@gatehouse/testing';
import { DataSource } from 'typeorm';

const DAY_MS = 24 * 3600 * 1000;
const SERVICES = ['identity', 'tenancy', 'authorization', 'notification'];

/** The hourly prune that keeps the outbox and processed_events tables bounded, on real Postgres. */
describe('event retention', () => {
  let db: TestDbClient;
  const schema = `retention_${randomUUID().slice(0, 8)}`;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await testDb();
    await db.query(`CREATE SCHEMA "${schema}"`);
    for (const sql of [...outboxTablesSql(schema), ...eventRetentionIndexesSql(schema), ...idempotencyRecordsSql(schema)]) await db.query(sql);
    dataSource = await new DataSource({ type: 'postgres', url: testDatabaseUrl() }).initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db?.end();
  });

  const ago = (ms: number) => new Date(Date.now() - ms);

  async function addOutboxRow(label: string, createdAgo: number, publishedAgo: number | null): Promise<void> {
    await db.query(`INSERT INTO "${schema}".outbox (id, subject, envelope, created_at, published_at) VALUES ($1, 'events.test', $2, $3, $4)`, [
      randomUUID(),
      JSON.stringify({ label }),
      ago(createdAgo),
      publishedAgo === null ? null : ago(publishedAgo),
    ]);
  }

  it('deletes published outbox rows past the retention, processed events the stream can no longer redeliver and idempotency records past a day, and nothing else', async () => {
    await addOutboxRow('published 8 days ago', 8 * DAY_MS, 8 * DAY_MS);
    await addOutboxRow('published 6 days ago', 6 * DAY_MS, 6 * DAY_MS);
    await addOutboxRow('never published, 40 days old', 40 * DAY_MS, null);
    for (const [consumer, age] of [
      ['old', PROCESSED_EVENTS_RETENTION_MS + DAY_MS],
      ['recent', PROCESSED_EVENTS_RETENTION_MS - DAY_MS],
    ] as const) {
      await db.query(`INSERT INTO "${schema}".processed_events (consumer, event_id, processed_at) VALUES ($1, $2, $3)`, [consumer, randomUUID(), ago(age)]);
    }

    for (const [id, age] of [['key-2-days-old', 2 * DAY_MS], ['key-an-hour-old', DAY_MS / 24]] as const) {
      await db.query(`INSERT INTO "${schema}".idempotency_records (id, fingerprint, run_id, created_at) VALUES ($1, 'f', $2, $3)`, [id, randomUUID(), ago(age)]);
    }

    const retention = new EventRetention(dataSource, { service: 'test', schema, outboxRetentionHours: 7 * 24 });
    expect(await retention.prune()).toEqual({ outbox: 1, processedEvents: 1, idempotencyRecords: 1 });

    const outbox = await db.query(`SELECT envelope->>'label' AS label FROM "${schema}".outbox ORDER BY seq`);
    expect(outbox.rows.map((r) => r.label)).toEqual(['published 6 days ago', 'never published, 40 days old']);
    const processed = await db.query(`SELECT consumer FROM "${schema}".processed_events`);
    expect(processed.rows.map((r) => r.consumer)).toEqual(['recent']);
    const records = await db.query(`SELECT id FROM "${schema}".idempotency_records`);
    expect(records.rows.map((r) => r.id)).toEqual(['key-an-hour-old']);
    // A second run finds nothing more to delete.
    expect(await retention.prune()).toEqual({ outbox: 0, processedEvents: 0, idempotencyRecords: 0 });
  });

  it('deletes in batches until everything past the retention is gone', async () => {
    await db.query(
      `INSERT INTO "${schema}".outbox (id, subject, envelope, published_at)
       SELECT gen_random_uuid(), 'events.bulk', '{}'::jsonb, now() - interval '3 days' FROM generate_series(1, 12000)`,
    );
    const retention = new EventRetention(dataSource, { service: 'test', schema, outboxRetentionHours: 48 });
    expect((await retention.prune()).outbox).toBe(12001); // and the row published 6 days ago
    expect((await db.query(`SELECT count(*)::int AS n FROM "${schema}".outbox WHERE published_at IS NOT NULL`)).rows[0].n).toBe(0);
    expect((await db.query(`SELECT count(*)::int AS n FROM "${schema}".outbox WHERE published_at IS NULL`)).rows[0].n).toBe(1);
  });

  it('gives every service the indexes the prune deletes by (their migrations ran on the shared system)', async () => {
    const { rows } = await db.query(`SELECT schemaname, indexname FROM pg_indexes WHERE indexname IN ('outbox_published_at_idx', 'processed_events_processed_at_idx')`);
    for (const service of SERVICES) {
      expect(rows.filter((r) => r.schemaname === service).map((r) => r.indexname).sort()).toEqual(['outbox_published_at_idx', 'processed_events_processed_at_idx']);
    }
    // and notification those its delivery-log retention (DeliveryLogRetention) deletes by
    const finished = await db.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'notification' AND indexname LIKE '%finished_idx' ORDER BY 1`);
    expect(finished.rows.map((r) => r.indexname)).toEqual(['deliveries_finished_idx', 'webhook_deliveries_finished_idx']);
  });
});
