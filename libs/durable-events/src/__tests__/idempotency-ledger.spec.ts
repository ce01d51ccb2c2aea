import { randomUUID } from 'node:crypto';
import { event } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { idempotencyTicket, idempotentRun, IdempotencyTicket, sameRequest } from '@gatehouse/messaging';
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

  const newTicket = (body: unknown = { name: 'x' }): IdempotencyTicket => idempotencyTicket([randomUUID(), 'POST', '/things'], randomUUID(), body);
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
    expect(await ledger.find(ticket)).toEqual({ state: 'committed', fingerprint: ticket.fingerprint });
    await ledger.complete(ticket, run, { kind: 'response', body: { id: 'x' } });
    expect(await ledger.find(ticket)).toEqual({ state: 'done', fingerprint: ticket.fingerprint, outcome: { kind: 'response', body: { id: 'x' } } });
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
    expect(await ledger.find(ticket)).toEqual({ state: 'committed', fingerprint: ticket.fingerprint });
    await ledger.complete(ticket, run, { kind: 'response', body: 'owner' });
    expect(await ledger.find(ticket)).toMatchObject({ state: 'done', outcome: { body: 'owner' } });
  });

  it('stores the answer of a keyed request that wrote no event (nothing was claimed in a transaction)', async () => {
    const ticket = newTicket();
    await ledger.complete(ticket, randomUUID(), { kind: 'problem', problem: { type: 'x', title: 'Bad Request', status: 400 } });
    expect(await ledger.find(ticket)).toMatchObject({ state: 'done', outcome: { kind: 'problem' } });
  });

  const storedRow = async (ticket: IdempotencyTicket) =>
    (await world.db.dataSource.query(`SELECT fingerprint, outcome::text AS outcome FROM "${SCHEMA}".idempotency_records WHERE id = $1`, [ticket.id]))[0] as {
      fingerprint: string;
      outcome: string;
    };

  it('stores the answer sealed: a one-time secret in it is not in the row, and only the same request opens it', async () => {
    const ticket = newTicket({ name: 'ci', password: 'hunter2-correct-horse' });
    const secret = 'gh_tok_' + randomUUID();
    await ledger.complete(ticket, randomUUID(), { kind: 'response', body: { id: 'token-row-Qx7Jk2', token: secret } });
    const row = await storedRow(ticket);
    expect(row.outcome).not.toContain(secret);
    expect(row.outcome).not.toContain('token-row-Qx7Jk2');
    // The body's hash is keyed: a row cannot be used to test guesses of a password in the body offline.
    expect(row.fingerprint).not.toBe(ticket.legacyFingerprint);
    expect(await ledger.find(ticket)).toMatchObject({ state: 'done', outcome: { body: { token: secret } } });
    // Another request's ticket (another client key) cannot open it, even pointed at the same record.
    const stranger = { ...newTicket({ name: 'ci', password: 'hunter2-correct-horse' }), id: ticket.id };
    await expect(ledger.find(stranger)).rejects.toThrow();
    expect(sameRequest(stranger, row.fingerprint)).toBe(false);
  });

  it('still replays a record written before sealing (its plain answer, compared by the unkeyed body hash)', async () => {
    const ticket = newTicket();
    await world.db.dataSource.query(
      `INSERT INTO "${SCHEMA}".idempotency_records (id, fingerprint, run_id, outcome) VALUES ($1, $2, $3, $4)`,
      [ticket.id, ticket.legacyFingerprint, randomUUID(), JSON.stringify({ kind: 'response', body: { id: 'old' } })],
    );
    const entry = await ledger.find(ticket);
    expect(entry).toMatchObject({ state: 'done', outcome: { kind: 'response', body: { id: 'old' } } });
    expect(sameRequest(ticket, (entry as { fingerprint: string }).fingerprint)).toBe(true);
    expect(sameRequest(newTicket({ other: 'body' }), ticket.legacyFingerprint)).toBe(false);
  });

  it('claims nothing outside a keyed request', async () => {
    const before = Number((await world.db.dataSource.query(`SELECT count(*)::int AS n FROM "${SCHEMA}".idempotency_records`))[0].n);
    await world.db.dataSource.transaction((manager) => outbox.add(manager, thingHappened, { n: 3 }));
    expect(Number((await world.db.dataSource.query(`SELECT count(*)::int AS n FROM "${SCHEMA}".idempotency_records`))[0].n)).toBe(before);
  });
});
