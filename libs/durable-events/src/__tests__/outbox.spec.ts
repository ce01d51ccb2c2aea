import { event } from '@gatehouse/contracts';
import { QueryRunner } from 'typeorm';
import { DurableEventsWorld, eventually, openWorld, SCHEMA } from './durable-events-fixture';
import { Outbox } from '../outbox';
import { PostgresIdempotencyLedger } from '../idempotency-ledger';

const thingHappened = event<{ n: number }>('events.unit.thing.happened.v1');

describe('Outbox (real Postgres and JetStream)', () => {
  let world: DurableEventsWorld;
  let outbox: Outbox;

  beforeAll(async () => {
    world = await openWorld();
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  beforeEach(async () => {
    await world.purgeStream();
    await world.db.dataSource.query(`DELETE FROM "${SCHEMA}".outbox`);
    outbox = new Outbox(world.db.dataSource, world.client, world.options, new PostgresIdempotencyLedger(world.db.dataSource, world.options));
  });

  afterEach(async () => {
    await outbox?.beforeApplicationShutdown();
  });

  const addCommitted = (...numbers: number[]) =>
    world.db.dataSource.transaction(async (manager) => {
      const envelopes = [];
      for (const n of numbers) envelopes.push(await outbox.add(manager, thingHappened, { n }));
      return envelopes;
    });

  const unpublished = async () =>
    (await world.db.dataSource.query(`SELECT subject FROM "${SCHEMA}".outbox WHERE published_at IS NULL ORDER BY seq`)) as Array<{ subject: string }>;

  it('publishes committed events in the order they were added, each as its envelope, and marks them sent', async () => {
    const added = [...(await addCommitted(1, 2, 3)), ...(await addCommitted(4))];
    await outbox.flush();
    const events = await world.streamEvents();
    expect(events.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    expect(events.map((e) => e.id)).toEqual(added.map((e) => e.id));
    expect(events[0]).toEqual({ id: added[0].id, subject: thingHappened.subject, source: 'unit', occurredAt: expect.any(String), data: { n: 1 } });
    expect(await unpublished()).toEqual([]);
  });

  it('addAll writes many events by one statement, published in the given order between the ones added before and after', async () => {
    const numbers = Array.from({ length: 300 }, (_, i) => i + 2);
    const added = await world.db.dataSource.transaction(async (manager) => [
      await outbox.add(manager, thingHappened, { n: 1 }),
      ...(await outbox.addAll(manager, thingHappened, numbers.map((n) => ({ n })))),
      await outbox.add(manager, thingHappened, { n: 302 }),
      ...(await outbox.addAll(manager, thingHappened, [])),
    ]);
    await outbox.flush();
    const events = await world.streamEvents();
    expect(events.map((e) => (e.data as { n: number }).n)).toEqual([1, ...numbers, 302]);
    expect(events.map((e) => e.id)).toEqual(added.map((e) => e.id));
    expect(new Set(events.map((e) => e.id)).size).toBe(302);
  });

  it("a transaction's events are written by one statement as it commits, in the order they were added", async () => {
    const statements: string[] = [];
    await world.db.dataSource.transaction(async (manager) => {
      const runner = manager.queryRunner as QueryRunner;
      const query = runner.query.bind(runner);
      jest.spyOn(runner, 'query').mockImplementation((sql: string, ...rest: unknown[]) => {
        if (sql.includes('.outbox')) statements.push(sql);
        return (query as (...args: unknown[]) => Promise<unknown>)(sql, ...rest);
      });
      await outbox.add(manager, thingHappened, { n: 1 });
      await outbox.addAll(manager, thingHappened, [{ n: 2 }, { n: 3 }]);
      await outbox.add(manager, thingHappened, { n: 4 });
      expect(statements).toEqual([]);
    });
    expect(statements).toHaveLength(1);
    await outbox.flush();
    expect((await world.streamEvents()).map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
  });

  it('addAllWith writes a one-statement change and its events together, outside a transaction or in one; a failing change writes neither', async () => {
    const effects = async (label: string) => (await world.db.dataSource.query(`SELECT label FROM "${SCHEMA}".effects WHERE label = $1`, [label])).length;
    const change = (label: string) => ({ sql: `INSERT INTO "${SCHEMA}".effects (event_id, label) VALUES (gen_random_uuid(), $1)`, parameters: [label] });
    await outbox.addAllWith(world.db.dataSource.manager, change('alone'), thingHappened, [{ n: 1 }, { n: 2 }]);
    const broken = { sql: `INSERT INTO "${SCHEMA}".effects (event_id, label) VALUES ($1, 'broken')`, parameters: ['not-a-uuid'] };
    await expect(outbox.addAllWith(world.db.dataSource.manager, broken, thingHappened, [{ n: 3 }])).rejects.toThrow();
    await world.db.dataSource.transaction((manager) => outbox.addAllWith(manager, change('in-transaction'), thingHappened, [{ n: 4 }]));
    await expect(
      world.db.dataSource.transaction(async (manager) => {
        await outbox.addAllWith(manager, change('rolled-back'), thingHappened, [{ n: 5 }]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await outbox.flush();
    expect((await world.streamEvents()).map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 4 }]);
    expect([await effects('alone'), await effects('broken'), await effects('in-transaction'), await effects('rolled-back')]).toEqual([1, 0, 1, 0]);
  });

  it('a nested transaction rolled back (a savepoint) drops only its own events; the outer ones commit', async () => {
    await world.db.dataSource.transaction(async (manager) => {
      await outbox.add(manager, thingHappened, { n: 1 });
      await expect(manager.transaction(async (inner) => {
        await outbox.add(inner, thingHappened, { n: 2 });
        throw new Error('the inner change failed');
      })).rejects.toThrow('the inner change failed');
      await manager.transaction((inner) => outbox.add(inner, thingHappened, { n: 3 }));
      await outbox.add(manager, thingHappened, { n: 4 });
    });
    await outbox.flush();
    expect((await world.streamEvents()).map((e) => e.data)).toEqual([{ n: 1 }, { n: 3 }, { n: 4 }]);
  });

  it('never publishes an event whose transaction rolled back', async () => {
    await expect(
      world.db.dataSource.transaction(async (manager) => {
        await outbox.add(manager, thingHappened, { n: 1 });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await addCommitted(2);
    await outbox.flush();
    expect((await world.streamEvents()).map((e) => e.data)).toEqual([{ n: 2 }]);
  });

  it('keeps the rows after a failed publish for the next run, marking only those that reached the stream, in order', async () => {
    await addCommitted(1);
    // a subject no stream takes: the publish fails, as it does while JetStream is unavailable
    await world.db.dataSource.transaction((manager) => outbox.add(manager, { subject: 'nowhere.unit.v1' }, { n: 2 }));
    await addCommitted(3);
    await outbox.flush();
    expect((await world.streamEvents()).map((e) => e.data)).toEqual([{ n: 1 }]);
    expect((await unpublished()).map((r) => r.subject)).toEqual(['nowhere.unit.v1', thingHappened.subject]);

    await world.db.dataSource.query(`UPDATE "${SCHEMA}".outbox SET subject = $1 WHERE subject = 'nowhere.unit.v1'`, [thingHappened.subject]);
    await outbox.flush();
    expect((await world.streamEvents()).map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await unpublished()).toEqual([]);
  });

  it('publishes an event once even when its row is relayed again (a crash between publish and mark)', async () => {
    const [envelope] = await addCommitted(1);
    await outbox.flush();
    await world.db.dataSource.query(`UPDATE "${SCHEMA}".outbox SET published_at = NULL`);
    await outbox.flush();
    const events = await world.streamEvents();
    expect(events.map((e) => e.id)).toEqual([envelope.id]);
    expect(await unpublished()).toEqual([]);
  });

  it('relays more than one batch in a single flush, and two instances relaying side by side publish each event once', async () => {
    const numbers = Array.from({ length: 250 }, (_, i) => i);
    await addCommitted(...numbers);
    const other = new Outbox(world.db.dataSource, world.client, world.options, new PostgresIdempotencyLedger(world.db.dataSource, world.options));
    await Promise.all([outbox.flush(), other.flush(), outbox.flush()]);
    await other.beforeApplicationShutdown();
    const events = await world.streamEvents();
    expect(events).toHaveLength(250);
    expect(new Set(events.map((e) => (e.data as { n: number }).n)).size).toBe(250);
    expect(await unpublished()).toEqual([]);
  });

  it('a flush asked for while one runs is not lost: events added meanwhile go out too', async () => {
    await addCommitted(1);
    const first = outbox.flush();
    await addCommitted(2);
    void outbox.flush();
    await first;
    // the second request runs after the first; wait for the relay to settle
    await eventually(async () => (await unpublished()).length === 0);
    expect((await world.streamEvents()).map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('leaves everything in place while NATS is not connected', async () => {
    await addCommitted(1);
    const offline = new Outbox(world.db.dataSource, { isReady: () => false } as never, world.options, new PostgresIdempotencyLedger(world.db.dataSource, world.options));
    await offline.flush();
    expect(await unpublished()).toHaveLength(1);
    expect(await world.streamEvents()).toEqual([]);
  });
});
