import { CheckRequest, Decision } from '@gatehouse/contracts';
import { NatsClient, RpcClient } from '@gatehouse/messaging';
import { DecisionCache, decisionCacheTtlMs } from '../decision-cache';

const check = (id: string, permission: CheckRequest['permission'] = 'FLOW'): CheckRequest => ({
  subject: { type: 'USER', id }, scope: 'TENANT', tenantId: 't', permission, action: 'READ',
});

function cacheWith(answer: () => Promise<Decision>) {
  const rpc = { internal: jest.fn(answer) } as unknown as RpcClient & { internal: jest.Mock };
  return { cache: new DecisionCache({} as NatsClient, rpc), rpc };
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

  it('validates its TTL variable by name', () => {
    expect(decisionCacheTtlMs({})).toBe(3000);
    expect(decisionCacheTtlMs({ GATEWAY_DECISION_CACHE_TTL_MS: '0' })).toBe(0);
    expect(() => decisionCacheTtlMs({ GATEWAY_DECISION_CACHE_TTL_MS: 'soon' })).toThrow(/GATEWAY_DECISION_CACHE_TTL_MS/);
  });
});
