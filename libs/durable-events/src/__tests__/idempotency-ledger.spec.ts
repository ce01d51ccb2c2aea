import { randomUUID } from 'node:crypto';
import { event } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { idempotentRun, IdempotencyTicket } from '@gatehouse/messaging';
import { DurableEventsWorld, openWorld, SCHEMA } from './durable-events-fixture';
import { PostgresIdempotencyLedger } from '../idempotency-ledger';
import { Outbox } from '../outbox';

const thingHappened = event<{ n: number }>('events.unit.idempotent.thing.v1');

describe('PostgresIdempotencyLedger (real Postgres): the key is claimed in the transaction of the change', () => {
  let world: DurableEventsWorld;
  let ledger: PostgresIdempotencyLedger;
  let outbox: Outbox;

  beforeAll(async () => {
    world = await openWorld();
    ledger = new PostgresIdempotencyLedger(world.db.dataSource, world.options);
    outbox = new Outbox(world.db.dataSource, world.client, world.options, ledger);
  }, 30_000);

  afterAll(async () => {
    await outbox?.beforeApplicationShutdown();
    await world?.close();
  });

  const newTicket = (): IdempotencyTicket => ({ id: randomUUID(), fingerprint: 'fp' });
  const effects = async (label: string) =>
    Number((await world.db.dataSource.query(`SELECT count(*)::int AS n FROM "${SCHEMA}".effects WHERE label = $1`, [label]))[0].n);

  /** A keyed handler's write: an effect and an event, in one transaction, as run `runId`. */
  const write = (ticket: IdempotencyTicket, runId: string, label: string, fail = false) =>
    idempotentRun.run({ ticket, runId }, () =>
      world.db.dataSource.transaction(async (manager) => {
        await manager.query(`INSERT INTO "${SCHEMA}".effects (event_id, label) VALUES ($1, $2)`, [randomUUID(), label]);
        await outbox.add(manager, thingHappened, { n: 1 });
        await outbox.add(manager, thingHappened, { n: 2 }); // a second event of the same transaction: no second claim
        if (fail) throw new Error('handler failed after its writes');
      }),
    );

  it('records a committed change as committed (answer not stored yet), then done with its answer', async () => {
    const ticket = newTicket();
    const run = randomUUID();
    expect(await ledger.find(ticket)).toBeUndefined();
    await write(ticket, run, 'committed-then-done');
    expect(await ledger.find(ticket)).toEqual({ state: 'committed', fingerprint: 'fp' });
    await ledger.complete(ticket, run, { kind: 'response', body: { id: 'x' } });
    expect(await ledger.find(ticket)).toEqual({ state: 'done', fingerprint: 'fp', outcome: { kind: 'response', body: { id: 'x' } } });
  });

  it('leaves no claim when the transaction rolls back, so a retry runs', async () => {
    const ticket = newTicket();
    await expect(write(ticket, randomUUID(), 'rolled-back', true)).rejects.toThrow('handler failed');
    expect(await ledger.find(ticket)).toBeUndefined();
    expect(await effects('rolled-back')).toBe(0);
  });

  it('refuses a second run of a key whose change committed (409), rolling back its writes', async () => {
    const ticket = newTicket();
    await write(ticket, randomUUID(), 'raced');
    const second = write(ticket, randomUUID(), 'raced');
    await expect(second).rejects.toBeInstanceOf(ProblemException);
    await expect(second).rejects.toMatchObject({ problem: { status: 409, type: expect.stringContaining('idempotency-key-in-progress') } });
    expect(await effects('raced')).toBe(1);
  });

  it('lets only the run that claimed the key store its answer', async () => {
    const ticket = newTicket();
    const run = randomUUID();
    await write(ticket, run, 'owner');
    await ledger.complete(ticket, randomUUID(), { kind: 'response', body: 'intruder' });
    expect(await ledger.find(ticket)).toEqual({ state: 'committed', fingerprint: 'fp' });
    await ledger.complete(ticket, run, { kind: 'response', body: 'owner' });
    expect(await ledger.find(ticket)).toMatchObject({ state: 'done', outcome: { body: 'owner' } });
  });

  it('stores the answer of a keyed request that wrote no event (nothing was claimed in a transaction)', async () => {
    const ticket = newTicket();
    await ledger.complete(ticket, randomUUID(), { kind: 'problem', problem: { type: 'x', title: 'Bad Request', status: 400 } });
    expect(await ledger.find(ticket)).toMatchObject({ state: 'done', outcome: { kind: 'problem' } });
  });

  it('claims nothing outside a keyed request', async () => {
    const before = Number((await world.db.dataSource.query(`SELECT count(*)::int AS n FROM "${SCHEMA}".idempotency_records`))[0].n);
    await world.db.dataSource.transaction((manager) => outbox.add(manager, thingHappened, { n: 3 }));
    expect(Number((await world.db.dataSource.query(`SELECT count(*)::int AS n FROM "${SCHEMA}".idempotency_records`))[0].n)).toBe(before);
  });
});
