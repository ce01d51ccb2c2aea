import { GatewayEnv } from '../../gateway.env';
import { CredentialCache } from '../credential-cache';

describe('CredentialCache', () => {
  const env = { CREDENTIAL_CACHE_SECONDS: 15 } as GatewayEnv;

  it('keys by hash, never by the secret', () => {
    const key = CredentialCache.keyOf('api-token', 'gh_secret');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain('secret');
    expect(CredentialCache.keyOf('basic', 'gh_secret')).not.toBe(key);
  });

  it('never serves an entry past the token’s own expiry', () => {
    const cache = new CredentialCache(env);
    cache.set('k', { type: 'USER', id: 'u1' }, 't1', new Date(Date.now() - 1).toISOString());
    expect(cache.get('k')).toBeNull();
    cache.set('k', { type: 'USER', id: 'u1' }, 't1', new Date(Date.now() + 60_000).toISOString());
    expect(cache.get('k')).toEqual({ type: 'USER', id: 'u1' });
  });

  it('drops entries of revoked subjects and tokens at once', () => {
    const cache = new CredentialCache(env);
    cache.set('a', { type: 'USER', id: 'u1' }, 't1', null);
    cache.set('b', { type: 'USER', id: 'u2' }, 't2', null);
    cache.set('c', { type: 'SERVICE_ACCOUNT', id: 's1' }, 't3', null);
    cache.drop(['u1'], ['t3']);
    expect(cache.get('a')).toBeNull();
    expect(cache.get('b')).not.toBeNull();
    expect(cache.get('c')).toBeNull();
  });
});
