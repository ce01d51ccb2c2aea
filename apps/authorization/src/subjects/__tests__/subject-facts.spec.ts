import { randomUUID } from 'node:crypto';
import { IdentityEvents, IdentityRpc, SubjectFacts } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { AuthorizationWorld, openAuthorization } from '../../__tests__/authorization-test-module';
import { SubjectFactsService } from '../subject-facts.service';

const facts = (id: string, version: number, change: Partial<SubjectFacts> = {}): SubjectFacts => ({
  id, type: 'USER', superAdmin: false, disabled: false, version, ...change,
});

describe('SubjectFactsService: identity facts read model (real Postgres)', () => {
  let world: AuthorizationWorld;
  let service: SubjectFactsService;
  const stored = async (id: string) =>
    (await world.db.dataSource.query(`SELECT type, super_admin, disabled, version FROM "authorization".subject_facts WHERE id = $1`, [id]))[0];
  const deliver = (data: SubjectFacts) => world.consumers.deliver(world.db.dataSource, IdentityEvents.subjectChanged, data);

  beforeAll(async () => {
    world = await openAuthorization();
    service = world.get(SubjectFactsService);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  beforeEach(() => {
    world.nats.published.length = 0;
    world.rpc.calls.length = 0;
    world.rpc.off(IdentityRpc.subjectFacts);
  });

  it('an event stores a new subject and invalidates its grants after the commit', async () => {
    const id = randomUUID();
    expect(await deliver(facts(id, 1, { type: 'SERVICE_ACCOUNT' }))).toBe(1);
    expect(await stored(id)).toEqual({ type: 'SERVICE_ACCOUNT', super_admin: false, disabled: false, version: 1 });
    expect(world.invalidations()).toEqual([{ subjectIds: [id] }]);
  });

  it('a newer version replaces the facts; a replayed or older one changes nothing and invalidates nothing', async () => {
    const id = randomUUID();
    await deliver(facts(id, 1));
    await deliver(facts(id, 3, { superAdmin: true }));
    world.nats.published.length = 0;
    await deliver(facts(id, 3, { superAdmin: false }));
    await deliver(facts(id, 2, { disabled: true }));
    expect(await stored(id)).toEqual({ type: 'USER', super_admin: true, disabled: false, version: 3 });
    expect(world.invalidations()).toEqual([]);
  });

  it('a removed subject (disabled, version + 1) stays removed when an older event arrives after it', async () => {
    const id = randomUUID();
    await deliver(facts(id, 4, { disabled: true }));
    await deliver(facts(id, 3));
    expect(await stored(id)).toMatchObject({ disabled: true, version: 4 });
    expect((await service.get(id))?.disabled).toBe(true);
  });

  it('applyNow (identity calls it before answering) commits the facts, then invalidates; a stale call does neither', async () => {
    const id = await world.seed.subject({ version: 1 });
    await service.applyNow(facts(id, 2, { disabled: true }));
    expect(await stored(id)).toMatchObject({ disabled: true, version: 2 });
    expect(world.invalidations()).toEqual([{ subjectIds: [id] }]);
    world.nats.published.length = 0;
    await service.applyNow(facts(id, 1));
    expect(await stored(id)).toMatchObject({ disabled: true, version: 2 });
    expect(world.invalidations()).toEqual([]);
  });

  it('get: a known subject is read from the table without asking identity', async () => {
    const id = await world.seed.subject({ type: 'SERVICE_ACCOUNT' });
    expect(await service.get(id)).toMatchObject({ id, type: 'SERVICE_ACCOUNT', disabled: false, version: 1 });
    expect(world.rpc.calls).toEqual([]);
  });

  it('get: a subject not seen yet (its event still in flight) is fetched from identity once and kept', async () => {
    const id = randomUUID();
    world.rpc.on(IdentityRpc.subjectFacts, (request) => facts(request.id, 5, { superAdmin: true }));
    expect(await service.get(id)).toMatchObject({ id, superAdmin: true, version: 5 });
    expect(await service.get(id)).toMatchObject({ id, superAdmin: true, version: 5 });
    expect(world.rpc.callsTo(IdentityRpc.subjectFacts)).toEqual([{ id }]);
    // the event arriving later with the same version changes nothing
    await deliver(facts(id, 5, { superAdmin: false }));
    expect(await stored(id)).toMatchObject({ super_admin: true, version: 5 });
  });

  it('get: facts fetched from identity never overwrite a newer event applied meanwhile', async () => {
    const id = randomUUID();
    world.rpc.on(IdentityRpc.subjectFacts, async (request) => {
      await deliver(facts(request.id, 7, { disabled: true }));
      return facts(request.id, 6);
    });
    expect(await service.get(id)).toMatchObject({ id, disabled: true, version: 7 });
  });

  it('get: unknown to identity (404) is null and stores nothing; identity unavailable is an error, not "unknown"', async () => {
    const id = randomUUID();
    world.rpc.on(IdentityRpc.subjectFacts, () => {
      throw ProblemException.notFound('no such subject');
    });
    expect(await service.get(id)).toBeNull();
    expect(await stored(id)).toBeUndefined();
    world.rpc.off(IdentityRpc.subjectFacts);
    await expect(service.get(id)).rejects.toMatchObject({ problem: { status: 503 } });
  });

  it('getMany: known subjects in one read, the unseen one asked of identity, the unknown one absent', async () => {
    const known = await world.seed.subject({ type: 'SERVICE_ACCOUNT' });
    const unseen = randomUUID();
    const unknown = randomUUID();
    world.rpc.on(IdentityRpc.subjectFacts, (request) => {
      if (request.id === unknown) throw ProblemException.notFound('no such subject');
      return facts(request.id, 2);
    });
    const found = await service.getMany([known, unseen, unknown]);
    expect([...found.keys()].sort()).toEqual([known, unseen].sort());
    expect(found.get(known)).toMatchObject({ type: 'SERVICE_ACCOUNT' });
    expect(found.get(unseen)).toMatchObject({ type: 'USER', version: 2 });
    expect(world.rpc.callsTo(IdentityRpc.subjectFacts)).toEqual([{ id: unseen }, { id: unknown }]);
    expect(await service.getMany([])).toEqual(new Map());
  });
});
