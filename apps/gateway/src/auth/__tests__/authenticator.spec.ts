import { Caller, IdentityRpc } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { NatsClient, RpcClient } from '@gatehouse/messaging';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { GatewayEnv } from '../../gateway.env';
import { Authenticator } from '../authenticator';
import { CredentialCache } from '../credential-cache';
import { JwksCache } from '../jwks-cache';
import { RevocationList } from '../revocation-list';
import { problemOf } from '@gatehouse/testing';

// jose is ES-module only (Jest's CommonJS runtime cannot load it): its verification is a stub here, what
// the gateway asks of it is checked; real tokens are verified by the e2e suites (security-*).
jest.mock('jose', () => ({ decodeProtectedHeader: jest.fn(), jwtVerify: jest.fn(), createLocalJWKSet: jest.fn() }));
const decodeHeader = decodeProtectedHeader as jest.Mock;
const verify = jwtVerify as jest.Mock;

const JWT = 'Bearer aaa.bbb.ccc';
const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
const payload = { sub: 'alice', sid: 's1', exp: Math.floor(Date.now() / 1000) + 600, iat: 1 };

function authenticatorWith(resolve: (subject: string, data: unknown) => Promise<unknown> = async () => ({ type: 'USER', id: 'bob', tokenId: 't1', expiresAt: null })) {
  const env = new GatewayEnv();
  const rpc = { internal: jest.fn((_caller: string, definition: { subject: string }, data: unknown) => resolve(definition.subject, data)) };
  const cache = new CredentialCache(env);
  const revocations = new RevocationList({} as NatsClient, rpc as unknown as RpcClient, cache, env);
  const jwks = { resolverFor: jest.fn(async () => 'key-set') };
  const authenticator = new Authenticator(jwks as unknown as JwksCache, env, rpc as unknown as RpcClient, cache, revocations);
  return { authenticator, rpc, revocations, jwks, env };
}

describe('Authenticator (gateway)', () => {
  beforeEach(() => {
    decodeHeader.mockReset().mockReturnValue({ kid: 'k1', alg: 'EdDSA' });
    verify.mockReset().mockResolvedValue({ payload });
  });

  it('answers no credentials with no caller', () => {
    expect(authenticatorWith().authenticator.authenticate(undefined, '10.0.0.1')).toBeNull();
  });

  it('refuses an unsupported or malformed Authorization header with a 401 that says what is accepted', async () => {
    const { authenticator } = authenticatorWith();
    for (const header of ['Token abc', 'Bearer', 'Bearer not a jwt', 'Basic !!!', 'bearer']) {
      const problem = await problemOf(() => authenticator.authenticate(header, '10.0.0.1'));
      expect(problem).toMatchObject({ status: 401, detail: expect.stringContaining('use "Bearer <access token>"') });
    }
  });

  it("verifies a JWT with identity's keys, EdDSA only, the access-token type, issuer, audience and required claims", async () => {
    const { authenticator, jwks, env } = authenticatorWith();
    const caller = await authenticator.authenticate(JWT, '10.0.0.1');
    expect(caller).toEqual({ type: 'USER', id: 'alice', via: 'jwt', sessionId: 's1', ip: '10.0.0.1' });
    expect(jwks.resolverFor).toHaveBeenCalledWith('k1');
    expect(verify).toHaveBeenCalledWith('aaa.bbb.ccc', 'key-set', {
      algorithms: ['EdDSA'], issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, typ: 'at+jwt', requiredClaims: ['sub', 'exp', 'iat'],
    });
  });

  it('takes the subject type from sub_type (a service account), a user otherwise', async () => {
    verify.mockResolvedValue({ payload: { ...payload, sub_type: 'SERVICE_ACCOUNT', sid: undefined } });
    expect(await authenticatorWith().authenticator.authenticate(JWT, '10.0.0.1')).toEqual({ type: 'SERVICE_ACCOUNT', id: 'alice', via: 'jwt', ip: '10.0.0.1' });
  });

  it("binds the caller to the tenant of a provider token's tenant claim (null or default: the default tenant), and refuses a malformed one", async () => {
    verify.mockResolvedValue({ payload: { ...payload, tenant: 'acme' } });
    expect(await authenticatorWith().authenticator.authenticate(JWT, '10.0.0.1')).toEqual({ type: 'USER', id: 'alice', via: 'jwt', sessionId: 's1', tenant: 'acme', ip: '10.0.0.1' });
    for (const tenant of [null, 'default']) {
      verify.mockResolvedValue({ payload: { ...payload, tenant } });
      expect(await authenticatorWith().authenticator.authenticate(JWT, '10.0.0.1')).toMatchObject({ tenant: null });
    }
    for (const tenant of [42, '', ['acme'], 'x'.repeat(64)]) {
      verify.mockResolvedValue({ payload: { ...payload, tenant } });
      expect(await problemOf(() => authenticatorWith().authenticator.authenticate(JWT, '10.0.0.1'))).toMatchObject({ status: 401, detail: 'The access token is malformed' });
    }
  });

  it('answers a JWT verified before synchronously, with the same object while the address stays the same', async () => {
    const { authenticator } = authenticatorWith();
    await authenticator.authenticate(JWT, '10.0.0.1');
    const again = authenticator.authenticate(JWT, '10.0.0.1') as Caller;
    expect(again).toEqual({ type: 'USER', id: 'alice', via: 'jwt', sessionId: 's1', ip: '10.0.0.1' });
    expect(authenticator.authenticate(JWT, '10.0.0.1')).toBe(again);
    expect(authenticator.authenticate(JWT, '10.0.0.2')).toMatchObject({ ip: '10.0.0.2' });
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('refuses a token of a revoked session, verified before or not', async () => {
    const { authenticator, revocations } = authenticatorWith();
    await authenticator.authenticate(JWT, '10.0.0.1');
    revocations.apply({ sessionIds: ['s1'], subjectIds: [], tokenIds: [] }, Date.now());
    expect(await problemOf(() => authenticator.authenticate(JWT, '10.0.0.1'))).toMatchObject({ status: 401, detail: 'This session has ended; sign in again' });
    expect(await problemOf(() => authenticator.authenticate('Bearer xxx.yyy.zzz', '10.0.0.1'))).toMatchObject({ status: 401, detail: 'This session has ended; sign in again' });
  });

  it('refuses a JWT that fails verification or whose header cannot be read, with a plain 401', async () => {
    const { authenticator } = authenticatorWith();
    verify.mockRejectedValue(new Error('"exp" claim timestamp check failed'));
    expect(await problemOf(() => authenticator.authenticate(JWT, '10.0.0.1'))).toMatchObject({ status: 401, detail: 'The access token is invalid or expired' });
    decodeHeader.mockImplementation(() => {
      throw new Error('bad header');
    });
    expect(await problemOf(() => authenticator.authenticate(JWT, '10.0.0.1'))).toMatchObject({ status: 401, detail: 'The access token is malformed' });
  });

  it('resolves an API token with identity once, then from the cache until it is revoked', async () => {
    const { authenticator, rpc, revocations } = authenticatorWith();
    const caller = await authenticator.authenticate('Bearer gh_abc123', '10.0.0.1');
    expect(caller).toEqual({ type: 'USER', id: 'bob', via: 'api-token', ip: '10.0.0.1' });
    expect(rpc.internal).toHaveBeenCalledWith('gateway', IdentityRpc.resolveApiToken, { token: 'gh_abc123' }, undefined, { trace: undefined });
    expect(authenticator.authenticate('Bearer gh_abc123', '10.0.0.2')).toEqual({ type: 'USER', id: 'bob', via: 'api-token', ip: '10.0.0.2' });
    expect(rpc.internal).toHaveBeenCalledTimes(1);
    revocations.apply({ sessionIds: [], subjectIds: [], tokenIds: ['t1'] }, Date.now());
    await authenticator.authenticate('Bearer gh_abc123', '10.0.0.1');
    expect(rpc.internal).toHaveBeenCalledTimes(2);
  });

  it('sends Basic credentials to identity with the client address, and caches the answer', async () => {
    const { authenticator, rpc } = authenticatorWith();
    expect(await authenticator.authenticate(basic('bob@example.com:pa:ss'), '10.0.0.1')).toEqual({ type: 'USER', id: 'bob', via: 'basic', ip: '10.0.0.1' });
    expect(rpc.internal.mock.calls[0][1]).toBe(IdentityRpc.verifyBasic);
    expect(rpc.internal.mock.calls[0][2]).toEqual({ username: 'bob@example.com', password: 'pa:ss', ip: '10.0.0.1' });
    expect(authenticator.authenticate(basic('bob@example.com:pa:ss'), '10.0.0.1')).toMatchObject({ id: 'bob' });
    expect(rpc.internal).toHaveBeenCalledTimes(1);
  });

  it('refuses Basic credentials without a username', async () => {
    const { authenticator, rpc } = authenticatorWith();
    expect(await problemOf(() => authenticator.authenticate(basic(':secret'), '10.0.0.1'))).toMatchObject({ status: 401, detail: 'Basic credentials must be base64("username:password")' });
    expect(rpc.internal).not.toHaveBeenCalled();
  });

  it("passes identity's throttling and availability answers on, and turns any other refusal into a plain 401", async () => {
    const throttled = ProblemException.tooManyRequests('login-throttled', 'Too many attempts', 30);
    const { authenticator: slow } = authenticatorWith(async () => {
      throw throttled;
    });
    expect(await problemOf(() => slow.authenticate(basic('bob:x'), '10.0.0.1'))).toBe(throttled.problem);
    const { authenticator: refusing } = authenticatorWith(async () => {
      throw ProblemException.notFound('no such user');
    });
    expect(await problemOf(() => refusing.authenticate(basic('bob:x'), '10.0.0.1'))).toMatchObject({ status: 401, detail: 'Invalid username or password' });
    expect(await problemOf(() => refusing.authenticate('Bearer gh_zzz', '10.0.0.1'))).toMatchObject({ status: 401, detail: 'The API token is invalid, revoked or expired' });
  });
});
