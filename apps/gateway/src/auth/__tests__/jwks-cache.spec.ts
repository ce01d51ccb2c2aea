import { RpcClient } from '@gatehouse/messaging';
import { createLocalJWKSet } from 'jose';
import { GatewayEnv } from '../../gateway.env';
import { JwksCache } from '../jwks-cache';

// jose is ES-module only (Jest's CommonJS runtime cannot load it): the key set is a stub here.
jest.mock('jose', () => ({ createLocalJWKSet: jest.fn((jwks: unknown) => ({ jwks })) }));

function cacheWith(kids: () => string[]) {
  const env = Object.assign(new GatewayEnv(), { JWKS_REFRESH_COOLDOWN_SECONDS: 10 });
  const rpc = { internal: jest.fn(async () => ({ keys: kids().map((kid) => ({ kid, kty: 'OKP' })) })) };
  return { jwks: new JwksCache(rpc as unknown as RpcClient, env), rpc };
}

describe('JwksCache (gateway)', () => {
  afterEach(() => jest.useRealTimers());

  it('loads the key set once and shares the load between concurrent first requests', async () => {
    const { jwks, rpc } = cacheWith(() => ['k1']);
    const [a, b] = await Promise.all([jwks.resolverFor('k1'), jwks.resolverFor('k1')]);
    expect(a).toBe(b);
    expect(await jwks.resolverFor('k1')).toBe(a);
    expect(rpc.internal).toHaveBeenCalledTimes(1);
    expect(createLocalJWKSet).toHaveBeenCalledWith({ keys: [{ kid: 'k1', kty: 'OKP' }] });
  });

  it('reloads for an unknown kid (a rotated key), at most once per cooldown', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    let kids = ['k1'];
    const { jwks, rpc } = cacheWith(() => kids);
    await jwks.resolverFor('k1');
    await jwks.resolverFor('forged'); // within the cooldown: not reloaded
    expect(rpc.internal).toHaveBeenCalledTimes(1);
    jest.setSystemTime(1_000_000 + 10_000);
    kids = ['k1', 'k2'];
    await jwks.resolverFor('k2');
    expect(rpc.internal).toHaveBeenCalledTimes(2);
    jest.setSystemTime(1_000_000 + 30_000);
    await jwks.resolverFor('k2'); // known now
    expect(rpc.internal).toHaveBeenCalledTimes(2);
  });

  it('fails a first load while identity cannot be reached (after a retry), and tries again on the next request', async () => {
    const { jwks, rpc } = cacheWith(() => ['k1']);
    rpc.internal.mockRejectedValueOnce(new Error('no responders')).mockRejectedValueOnce(new Error('no responders'));
    await expect(jwks.resolverFor('k1')).rejects.toThrow('no responders');
    await expect(jwks.resolverFor('k1')).resolves.toBeDefined();
  });

  it('keeps the keys it holds when a reload for an unknown kid fails (identity or NATS away)', async () => {
    jest.useFakeTimers({ now: 1_000_000, doNotFake: ['setTimeout'] });
    const { jwks, rpc } = cacheWith(() => ['k1']);
    const held = await jwks.resolverFor('k1');
    jest.setSystemTime(1_000_000 + 10_000);
    rpc.internal.mockRejectedValue(new Error('no responders'));
    await expect(jwks.resolverFor('k2')).resolves.toBe(held);
    expect(rpc.internal).toHaveBeenCalledTimes(3);
  });
});
