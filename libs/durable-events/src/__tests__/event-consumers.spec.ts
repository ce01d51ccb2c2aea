import { randomUUID } from 'node:crypto';
import { EVENTS_STREAM, EventEnvelope, event } from '@gatehouse/contracts';
import { JSONCodec } from 'nats';
import { EntityManager } from 'typeorm';
import { DurableEventsWorld, eventually, openWorld, SCHEMA } from './durable-events-fixture';
import { EventConsumers } from '../event-consumers';
import { Outbox } from '../outbox';
import { PostgresIdempotencyLedger } from '../idempotency-ledger';

const codec = JSONCodec();

describe('EventConsumers (real Postgres and JetStream)', () => {
  let world: DurableEventsWorld;
  let running: EventConsumers[] = [];

  beforeAll(async () => {
    world = await openWorld();
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  afterEach(async () => {
    await Promise.all(running.map((c) => c.beforeApplicationShutdown()));
    running = [];
  });

  /** Each test its own subject, so durable consumers of other tests never see its events. */
  const definition = () => event<{ n: number }>(`events.unit.c${randomUUID().slice(0, 8)}.v1`);

  const consumers = () => {
    const c = new EventConsumers(world.client, world.options, world.db.dataSource);
    running.push(c);
    return c;
  };

  const publish = async (subject: string, envelope: EventEnvelope | Uint8Array, msgID = randomUUID()) => {
    const data = envelope instanceof Uint8Array ? envelope : codec.encode(envelope);
    await world.client.nc.jetstream().publish(subject, data, { msgID });
  };

  const envelopeOf = (subject: string, n: number): EventEnvelope<{ n: number }> => ({
    id: randomUUID(),
    subject,
    occurredAt: new Date().toISOString(),
    source: 'unit',
    data: { n },
  });

  const consumerInfo = async (durable: string) => (await world.client.nc.jetstreamManager()).consumers.info(EVENTS_STREAM, durable);

  const effects = async (label: string) =>
    (await world.db.dataSource.query(`SELECT event_id FROM "${SCHEMA}".effects WHERE label = $1 ORDER BY at`, [label])) as Array<{ event_id: string }>;

  const recordEffect = (manager: EntityManager, eventId: string, label: string) =>
    manager.query(`INSERT INTO "${SCHEMA}".effects (event_id, label) VALUES ($1, $2)`, [eventId, label]);

  it('hands every event to its handler once, in stream order, including events published before it started', async () => {
    const def = definition();
    const before = envelopeOf(def.subject, 0);
    await publish(def.subject, before);
    const seen: number[] = [];
    const c = consumers();
    c.on(def, 'ordered', async (data, manager, envelope) => {
      seen.push(data.n);
      await recordEffect(manager, envelope.id, 'ordered');
    });
    await c.onApplicationBootstrap();
    for (let n = 1; n <= 20; n++) await publish(def.subject, envelopeOf(def.subject, n));
    await eventually(() => seen.length >= 21);
    expect(seen).toEqual(Array.from({ length: 21 }, (_, n) => n));
    // the handler ran; its transaction commits just after
    await eventually(async () => (await effects('ordered')).length === 21);
  });

  it('skips a redelivered event with an id it has already processed (deduplication by event id, not by message)', async () => {
    const def = definition();
    const envelope = envelopeOf(def.subject, 1);
    const handled: string[] = [];
    const c = consumers();
    c.on(def, 'dedup', async (_data, manager, e) => {
      handled.push(e.id);
      await recordEffect(manager, e.id, 'dedup');
    });
    await c.onApplicationBootstrap();
    // the same event twice with different message ids: JetStream's own deduplication cannot catch it
    await publish(def.subject, envelope);
    await publish(def.subject, envelope);
    const marker = envelopeOf(def.subject, 2);
    await publish(def.subject, marker);
    await eventually(() => handled.includes(marker.id));
    await eventually(async () => (await effects('dedup')).length === 2);
    expect(handled).toEqual([envelope.id, marker.id]);
    expect((await effects('dedup')).map((r) => r.event_id)).toEqual([envelope.id, marker.id]);
    const processed = await world.db.dataSource.query(`SELECT event_id FROM "${SCHEMA}".processed_events WHERE consumer = 'unit-dedup'`);
    expect(processed).toHaveLength(2);
  });

  it('runs a self-idempotent handler on its own, without a transaction or a record: a repeated event leaves one effect', async () => {
    const def = definition();
    const envelope = envelopeOf(def.subject, 1);
    const handled: string[] = [];
    const inTransaction: boolean[] = [];
    const c = consumers();
    // What the audit trail does: one insert keyed by the event id, ON CONFLICT DO NOTHING.
    await world.db.dataSource.query(`CREATE TABLE IF NOT EXISTS "${SCHEMA}".keyed_effects (event_id uuid PRIMARY KEY)`);
    c.on(def, 'self-idempotent', async (_data, manager, e) => {
      handled.push(e.id);
      inTransaction.push(!!manager.queryRunner?.isTransactionActive);
      await manager.query(`INSERT INTO "${SCHEMA}".keyed_effects (event_id) VALUES ($1) ON CONFLICT (event_id) DO NOTHING`, [e.id]);
    }, { selfIdempotent: true });
    await c.onApplicationBootstrap();
    await publish(def.subject, envelope);
    await publish(def.subject, envelope);
    await eventually(() => handled.length === 2);
    expect(handled).toEqual([envelope.id, envelope.id]);
    expect(inTransaction).toEqual([false, false]);
    expect(await world.db.dataSource.query(`SELECT event_id FROM "${SCHEMA}".keyed_effects WHERE event_id = $1`, [envelope.id])).toHaveLength(1);
    const processed = await world.db.dataSource.query(`SELECT event_id FROM "${SCHEMA}".processed_events WHERE consumer = 'unit-self-idempotent'`);
    expect(processed).toHaveLength(0);
    await eventually(async () => (await consumerInfo('unit-self-idempotent')).num_ack_pending === 0);
  });

  it('retries a failed handler and keeps nothing of the failed attempt', async () => {
    const def = definition();
    let attempts = 0;
    const c = consumers();
    c.on(def, 'retry', async (_data, manager, e) => {
      attempts++;
      await recordEffect(manager, e.id, 'retry');
      if (attempts === 1) throw new Error('database hiccup');
    });
    await c.onApplicationBootstrap();
    const envelope = envelopeOf(def.subject, 1);
    await publish(def.subject, envelope);
    await eventually(() => attempts >= 2);
    await eventually(async () => (await effects('retry')).length === 1);
    expect((await effects('retry')).map((r) => r.event_id)).toEqual([envelope.id]);
    // acknowledged once it succeeded (the ack follows the commit): nothing left pending
    await eventually(async () => (await consumerInfo('unit-retry')).num_ack_pending === 0);
    expect(attempts).toBe(2);
  });

  it('drops an event it can never decode and goes on with the next ones', async () => {
    const def = definition();
    const seen: number[] = [];
    const c = consumers();
    c.on(def, 'poison', async (data) => {
      seen.push(data.n);
    });
    await c.onApplicationBootstrap();
    await publish(def.subject, new TextEncoder().encode('not json'));
    await publish(def.subject, codec.encode({ data: { n: 99 } })); // no event id
    await publish(def.subject, envelopeOf(def.subject, 1));
    await eventually(() => seen.length === 1);
    expect(seen).toEqual([1]);
    await eventually(async () => (await consumerInfo('unit-poison')).num_ack_pending === 0);
    expect((await consumerInfo('unit-poison')).num_redelivered).toBe(0);
  });

  it('runs after-commit work once the event is recorded, and a failure there does not redeliver the event', async () => {
    const def = definition();
    let handled = 0;
    const committedSeen: number[] = [];
    const c = consumers();
    c.on(def, 'after', async (_data, manager, e) => {
      handled++;
      await recordEffect(manager, e.id, 'after');
      return async () => {
        // visible from another connection: the transaction has committed
        committedSeen.push((await effects('after')).length);
        throw new Error('cache refresh failed');
      };
    });
    await c.onApplicationBootstrap();
    await publish(def.subject, envelopeOf(def.subject, 1));
    await eventually(() => committedSeen.length === 1);
    expect(committedSeen).toEqual([1]);
    await new Promise((r) => setTimeout(r, 700)); // longer than the first retry's back-off
    expect(handled).toBe(1);
  });

  it('acks an event its skipIf check turns down with no transaction and no record; the others, in order, as before', async () => {
    const def = definition();
    const seen: number[] = [];
    const c = consumers();
    c.on(
      def,
      'skip',
      async (data, manager, e) => {
        seen.push(data.n);
        await recordEffect(manager, e.id, 'skip');
      },
      { ordered: true, skipIf: async (data) => data.n % 2 === 0 },
    );
    await c.onApplicationBootstrap();
    for (let n = 1; n <= 7; n++) await publish(def.subject, envelopeOf(def.subject, n));
    await eventually(async () => (await effects('skip')).length === 4);
    expect(seen).toEqual([1, 3, 5, 7]);
    // every event acknowledged, the skipped ones never redelivered, and only the handled ones recorded
    await eventually(async () => (await consumerInfo('unit-skip')).num_ack_pending === 0);
    expect((await consumerInfo('unit-skip')).num_redelivered).toBe(0);
    const processed = await world.db.dataSource.query(`SELECT event_id FROM "${SCHEMA}".processed_events WHERE consumer = 'unit-skip'`);
    expect(processed).toHaveLength(4);
  });

  it('retries an event whose skipIf check failed, and hands it to the handler once the check says it is wanted', async () => {
    const def = definition();
    const checks: number[] = [];
    const seen: number[] = [];
    const c = consumers();
    c.on(
      def,
      'skip-retry',
      async (data) => {
        seen.push(data.n);
      },
      {
        skipIf: async (data) => {
          checks.push(data.n);
          if (checks.length === 1) throw new Error('database hiccup');
          return false;
        },
      },
    );
    await c.onApplicationBootstrap();
    await publish(def.subject, envelopeOf(def.subject, 1));
    await eventually(() => seen.length === 1);
    expect(checks).toEqual([1, 1]);
    expect(seen).toEqual([1]);
  });

  it('shares a durable consumer between instances of a service: each event is handled by one of them', async () => {
    const def = definition();
    const byInstance = [[], []] as number[][];
    for (const seen of byInstance) {
      const c = consumers();
      c.on(def, 'shared', async (data, manager, e) => {
        seen.push(data.n);
        await recordEffect(manager, e.id, 'shared');
      });
      await c.onApplicationBootstrap();
    }
    for (let n = 0; n < 30; n++) await publish(def.subject, envelopeOf(def.subject, n));
    await eventually(() => byInstance[0].length + byInstance[1].length >= 30);
    expect([...byInstance[0], ...byInstance[1]].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, n) => n));
    await eventually(async () => (await effects('shared')).length === 30);
  });

  it('consumes what the outbox publishes, end to end', async () => {
    const def = definition();
    const seen: Array<{ n: number }> = [];
    const c = consumers();
    c.on(def, 'from-outbox', async (data) => {
      seen.push(data);
    });
    await c.onApplicationBootstrap();
    const outbox = new Outbox(world.db.dataSource, world.client, world.options, new PostgresIdempotencyLedger(world.db.dataSource, world.options));
    await world.db.dataSource.transaction(async (manager) => {
      await outbox.add(manager, def, { n: 1 });
      await outbox.add(manager, def, { n: 2 });
    });
    await outbox.flush();
    await eventually(() => seen.length === 2);
    expect(seen).toEqual([{ n: 1 }, { n: 2 }]);
    await outbox.beforeApplicationShutdown();
  });

  it('at shutdown finishes the event in hand and hands the ones already pulled back to another instance', async () => {
    const def = definition();
    let release: () => void = () => undefined;
    const inHand = new Promise<void>((r) => (release = r));
    const byFirst: number[] = [];
    const first = new EventConsumers(world.client, world.options, world.db.dataSource);
    first.on(def, 'handover', async (data, manager, e) => {
      byFirst.push(data.n);
      if (data.n === 0) await inHand;
      await recordEffect(manager, e.id, 'handover');
    });
    await first.onApplicationBootstrap();
    for (let n = 0; n < 5; n++) await publish(def.subject, envelopeOf(def.subject, n));
    await eventually(() => byFirst.length === 1);

    const stopping = first.beforeApplicationShutdown();
    setTimeout(release, 100);
    await stopping;
    expect(byFirst).toEqual([0]);
    expect(await effects('handover')).toHaveLength(1); // committed before shutdown returned

    const bySecond: number[] = [];
    const second = consumers();
    second.on(def, 'handover', async (data, manager, e) => {
      bySecond.push(data.n);
      await recordEffect(manager, e.id, 'handover');
    });
    await second.onApplicationBootstrap();
    // at once, not after the 10 s ack_wait of events left unacknowledged
    await eventually(async () => (await effects('handover')).length === 5, 5000);
    expect(bySecond.sort()).toEqual([1, 2, 3, 4]);
  });
});
