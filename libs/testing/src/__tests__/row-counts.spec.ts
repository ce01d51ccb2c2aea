import { EVENTS_STREAM, EVENTS_SUBJECT_PREFIX } from '@gatehouse/contracts';
import { AckPolicy, connect, NatsConnection } from 'nats';
import { Client } from 'pg';
import { startTestNats, TestNats } from '../nats-server';
import { countChanges, settledRowCounts } from '../security/row-counts';
import { createTestDatabase, TestDatabase } from '../test-database';

const SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';
const LATE_MS = 1500;

/**
 * settledRowCounts is what "this request wrote nothing" is measured against: it must not return while
 * an earlier request's event is still on its way to a table (the flaky input-hardening failure of
 * stop 34, where seven audit rows of earlier requests landed after it had returned).
 */
describe('settledRowCounts waits for events in flight', () => {
  let database: TestDatabase;
  let db: Client;
  let nats: TestNats;
  let nc: NatsConnection;

  beforeAll(async () => {
    database = await createTestDatabase(SERVER, 'gatehouse_unit_rowcounts');
    db = new Client({ connectionString: database.url });
    await db.connect();
    await db.query(`CREATE SCHEMA tenancy`);
    await db.query(`CREATE TABLE tenancy.audit_logs (id int PRIMARY KEY)`);
    await db.query(`CREATE TABLE tenancy.outbox (seq int PRIMARY KEY, published_at timestamptz)`);
    nats = await startTestNats('nats://127.0.0.1:4222');
    nc = await connect({ servers: nats.url });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: EVENTS_STREAM, subjects: [`${EVENTS_SUBJECT_PREFIX}>`] });
    await jsm.consumers.add(EVENTS_STREAM, { durable_name: 'tenancy-audit', ack_policy: AckPolicy.Explicit });
  }, 30_000);

  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
    await db?.end();
    await database?.drop();
  });

  const later = (work: () => Promise<unknown>) => new Promise<void>((resolve, reject) => setTimeout(() => work().then(() => resolve(), reject), LATE_MS));

  it('an event the consumer handles late (a retry with backoff) is counted', async () => {
    const before = await settledRowCounts(db, { natsUrl: nats.url });
    await nc.jetstream().publish(`${EVENTS_SUBJECT_PREFIX}audit.test`, new Uint8Array([1]));
    const consumer = await nc.jetstream().consumers.get(EVENTS_STREAM, 'tenancy-audit');
    const handled = later(async () => {
      const message = await consumer.next({ expires: 5000 });
      await db.query(`INSERT INTO tenancy.audit_logs VALUES (1)`);
      message?.ack();
      await new Promise((r) => setTimeout(r, 50));
    });
    const after = await settledRowCounts(db, { natsUrl: nats.url });
    await handled;
    expect(countChanges(before, after)).toEqual(['"tenancy"."audit_logs": 0 -> 1']);
  });

  it('an event still in an outbox is counted once it is published and handled', async () => {
    await db.query(`INSERT INTO tenancy.outbox VALUES (1, NULL)`);
    const before = await db.query(`SELECT count(*)::int AS n FROM tenancy.audit_logs`);
    const published = later(async () => {
      await db.query(`INSERT INTO tenancy.audit_logs VALUES (2)`);
      await db.query(`UPDATE tenancy.outbox SET published_at = now()`);
    });
    const after = await settledRowCounts(db, { natsUrl: nats.url });
    await published;
    expect(after['"tenancy"."audit_logs"']).toBe(before.rows[0].n + 1);
  });

  it('names what is still in flight when it never settles', async () => {
    await db.query(`INSERT INTO tenancy.outbox VALUES (2, NULL)`);
    await expect(settledRowCounts(db, { natsUrl: nats.url, timeoutMs: 500 })).rejects.toThrow('1 unpublished');
    await db.query(`UPDATE tenancy.outbox SET published_at = now()`);
  });

  it("does not wait for a test's own reader of the stream (an ephemeral consumer), only for the services' durable ones", async () => {
    await nc.jetstream().publish(`${EVENTS_SUBJECT_PREFIX}audit.read`, new Uint8Array([2]));
    (await (await nc.jetstream().consumers.get(EVENTS_STREAM, 'tenancy-audit')).next({ expires: 5000 }))?.ack();
    const jsm = await nc.jetstreamManager();
    const reader = await jsm.consumers.add(EVENTS_STREAM, { ack_policy: AckPolicy.Explicit, inactive_threshold: 60_000_000_000 });
    expect((await jsm.consumers.info(EVENTS_STREAM, reader.name)).num_pending).toBeGreaterThan(0);
    await expect(settledRowCounts(db, { natsUrl: nats.url, timeoutMs: 1000 })).resolves.toEqual(expect.any(Object));
    await jsm.consumers.delete(EVENTS_STREAM, reader.name);
  });
});
