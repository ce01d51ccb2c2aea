import { CheckRequest, Decision } from '@gatehouse/contracts';
import { NatsClient, RpcClient } from '@gatehouse/messaging';
import { validateEnv } from '@gatehouse/config';
import { GatewayEnv } from '../../gateway.env';
import { DecisionCache } from '../decision-cache';

const check = (id: string, permission: CheckRequest['permission'] = 'FLOW'): CheckRequest => ({
  subject: { type: 'USER', id }, scope: 'TENANT', tenantId: 't', permission, action: 'READ',
});

function cacheWith(answer: () => Promise<Decision>) {
  const rpc = { internal: jest.fn(answer) } as unknown as RpcClient & { internal: jest.Mock };
  return { cache: new DecisionCache({} as NatsClient, rpc, new GatewayEnv()), rpc };
}

describe('DecisionCache (gateway)', () => {
  it('answers repeated checks from memory until the subject is invalidated', async () => {
    const { cache, rpc } = cacheWith(async () => ({ allowed: true, reason: 'binding:b' }));
    await cache.check(check('u1'));
    await cache.check(check('u1'));
    expect(rpc.internal).toHaveBeenCalledTimes(1);
    cache.invalidate(['u2']);
    await cache.check(check('u1'));
    expect(rpc.internal).toHaveBeenCalledTimes(1);
    cache.invalidate(['u1']);
    await cache.check(check('u1'));
    expect(rpc.internal).toHaveBeenCalledTimes(2);
    cache.invalidate([]);
    await cache.check(check('u1'));
    expect(rpc.internal).toHaveBeenCalledTimes(3);
  });

  it('does not cache an answer that was in flight when an invalidation arrived', async () => {
    let release: (d: Decision) => void = () => undefined;
    const { cache, rpc } = cacheWith(() => new Promise<Decision>((r) => (release = r)));
    const pending = cache.check(check('u1'));
    cache.invalidate(['u1']);
    release({ allowed: true, reason: 'stale' });
    await pending;
    rpc.internal.mockImplementation(async () => ({ allowed: false, reason: 'missing' }));
    expect((await cache.check(check('u1'))).allowed).toBe(false);
  });

  it('answers a hit synchronously', async () => {
    const { cache } = cacheWith(async () => ({ allowed: true, reason: 'binding:b' }));
    await cache.check(check('u1'));
    expect(cache.check(check('u1'))).toEqual({ allowed: true, reason: 'binding:b' });
  });

  it('sends one request for concurrent misses of the same check', async () => {
    const releases: Array<(d: Decision) => void> = [];
    const { cache, rpc } = cacheWith(() => new Promise<Decision>((r) => releases.push(r)));
    const first = cache.check(check('u1'));
    const second = cache.check(check('u1'));
    const other = cache.check(check('u1', 'USER'));
    expect(rpc.internal).toHaveBeenCalledTimes(2);
    releases[0]({ allowed: true, reason: 'binding:b' });
    releases[1]({ allowed: false, reason: 'missing' });
    expect(await first).toEqual({ allowed: true, reason: 'binding:b' });
    expect(await second).toEqual({ allowed: true, reason: 'binding:b' });
    expect((await other).allowed).toBe(false);
  });

  it('does not let a request that arrives after an invalidation wait for a check asked before it', async () => {
    const releases: Array<(d: Decision) => void> = [];
    const { cache, rpc } = cacheWith(() => new Promise<Decision>((r) => releases.push(r)));
    const before = cache.check(check('u1'));
    cache.invalidate(['u1']);
    const after = cache.check(check('u1'));
    expect(rpc.internal).toHaveBeenCalledTimes(2);
    releases[0]({ allowed: true, reason: 'binding:revoked' });
    releases[1]({ allowed: false, reason: 'missing' });
    expect((await before).allowed).toBe(true);
    expect((await after).allowed).toBe(false);
  });

  it('refreshes a busy entry in the background before it expires, answering from memory meanwhile', async () => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    try {
      const { cache, rpc } = cacheWith(async () => ({ allowed: true, reason: 'binding:b' }));
      await cache.check(check('u1'));
      now.mockReturnValue(1_000_000 + cache.ttlMs * 0.5);
      cache.check(check('u1'));
      expect(rpc.internal).toHaveBeenCalledTimes(1);
      now.mockReturnValue(1_000_000 + cache.ttlMs * 0.9);
      rpc.internal.mockImplementation(async () => ({ allowed: false, reason: 'missing' }));
      expect(cache.check(check('u1'))).toEqual({ allowed: true, reason: 'binding:b' });
      expect(cache.check(check('u1'))).toEqual({ allowed: true, reason: 'binding:b' });
      expect(rpc.internal).toHaveBeenCalledTimes(2);
      await new Promise((r) => setImmediate(r));
      expect(cache.check(check('u1'))).toEqual({ allowed: false, reason: 'missing' });
    } finally {
      now.mockRestore();
    }
  });

  it('validates its TTL variable by name', () => {
    const ttl = (env: Record<string, string>) => validateEnv(GatewayEnv, env).GATEWAY_DECISION_CACHE_TTL_MS;
    expect(ttl({})).toBe(3000);
    expect(ttl({ GATEWAY_DECISION_CACHE_TTL_MS: '' })).toBe(3000);
    expect(ttl({ GATEWAY_DECISION_CACHE_TTL_MS: '0' })).toBe(0);
    expect(() => ttl({ GATEWAY_DECISION_CACHE_TTL_MS: 'soon' })).toThrow(/GATEWAY_DECISION_CACHE_TTL_MS/);
    expect(() => ttl({ GATEWAY_DECISION_CACHE_TTL_MS: '60001' })).toThrow(/GATEWAY_DECISION_CACHE_TTL_MS/);
    expect(() => ttl({ GATEWAY_DECISION_CACHE_TTL_MS: '1.5' })).toThrow(/GATEWAY_DECISION_CACHE_TTL_MS/);
  });
});
