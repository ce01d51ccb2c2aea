import { AuthorizationEnv } from '../../authorization.env';
import { InvalidationBus } from '../../invalidation/invalidation-bus';
import { DecisionsModule } from '../decisions.module';
import { GrantIndex } from '../grant-index';
import { GrantsCache } from '../grants-cache';

const index = () => new GrantIndex({ superAdmin: false, disabled: false }, []);
const cache = (ttlSeconds = 60, max = 10) =>
  new GrantsCache(Object.assign(new AuthorizationEnv(), { GRANTS_CACHE_TTL_SECONDS: ttlSeconds, GRANTS_CACHE_MAX_SUBJECTS: max }));

describe('GrantsCache', () => {
  afterEach(() => jest.useRealTimers());

  it('keeps a compiled index until it expires', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const grants = cache(60);
    const compiled = index();
    grants.set('u1', compiled, grants.currentGeneration());
    expect(grants.get('u1')).toBe(compiled);
    jest.setSystemTime(1_000_000 + 60_001);
    expect(grants.get('u1')).toBeUndefined();
  });

  it('does not keep a load that raced with an invalidation (loaded at an older generation)', () => {
    const grants = cache();
    const generation = grants.currentGeneration();
    grants.invalidate(['someone-else']);
    grants.set('u1', index(), generation);
    expect(grants.get('u1')).toBeUndefined();
    grants.set('u1', index(), grants.currentGeneration());
    expect(grants.get('u1')).toBeDefined();
  });

  it('drops the named subjects, or everyone for []', () => {
    const grants = cache();
    for (const id of ['u1', 'u2', 'u3']) grants.set(id, index(), grants.currentGeneration());
    grants.invalidate(['u1']);
    expect(['u1', 'u2', 'u3'].map((id) => !!grants.get(id))).toEqual([false, true, true]);
    grants.invalidate([]);
    expect(['u2', 'u3'].map((id) => !!grants.get(id))).toEqual([false, false]);
  });

  it('is bounded: the oldest entry goes first', () => {
    const grants = cache(60, 2);
    for (const id of ['u1', 'u2', 'u3']) grants.set(id, index(), grants.currentGeneration());
    expect(['u1', 'u2', 'u3'].map((id) => !!grants.get(id))).toEqual([false, true, true]);
  });
});

describe('DecisionsModule', () => {
  it('has every invalidation, local or broadcast, drop the subjects from the grants cache', async () => {
    const nats = { nc: { publish: () => undefined, flush: async () => undefined } };
    const bus = new InvalidationBus(nats as never);
    const grants = cache();
    new DecisionsModule(bus, grants).onModuleInit();
    for (const id of ['u1', 'u2']) grants.set(id, index(), grants.currentGeneration());
    await bus.publish(['u1']);
    expect([!!grants.get('u1'), !!grants.get('u2')]).toEqual([false, true]);
    await bus.publishAll();
    expect(grants.get('u2')).toBeUndefined();
  });
});
