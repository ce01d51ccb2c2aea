import { IncomingMessage, ServerResponse } from 'node:http';
import { AuthorizationRpc, TenancyRpc } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcClient } from '@gatehouse/messaging';
import { inject } from 'light-my-request';
import type Provider from 'oidc-provider';
import { DataSource } from 'typeorm';
import { MfaPolicyService } from '../../factors/mfa-policy.service';
import { PASSWORD_STEP, SecondFactorService } from '../../factors/second-factor.service';
import { LoginProtectionService } from '../../login-protection/login-protection.service';
import { UpstreamSignIn } from '../../federation/upstream-sign-in';
import { PasswordAuthenticator } from '../../login-protection/password-authenticator';
import { OidcInteractions } from '../oidc-interactions';

/** A stand-in for oidc-provider's interaction API: one stored interaction, grants that record their scopes. */
function fakeProvider(options: { firstParty?: boolean; params?: Record<string, string> } = {}) {
  const saved: Array<{ scopes: string[]; accountId: string; clientId: string }> = [];
  const interaction = {
    uid: 'uid-1',
    exp: Math.floor(Date.now() / 1000) + 600,
    prompt: { name: 'login' },
    params: { client_id: 'client-1', scope: 'openid email', ...options.params },
    result: undefined as Record<string, unknown> | undefined,
    session: undefined as { accountId?: string } | undefined,
    grantId: undefined as string | undefined,
    save: jest.fn(async () => 'uid-1'),
  };
  class Grant {
    scopes: string[] = [];
    constructor(readonly props: { accountId: string; clientId: string }) {}
    addOIDCScope(scope: string) {
      this.scopes.push(...scope.split(' '));
    }
    addOIDCClaims = jest.fn();
    addResourceScope = jest.fn();
    async save() {
      saved.push({ scopes: this.scopes, ...this.props });
      return 'grant-1';
    }
  }
  const interactionResult = jest.fn(async () => 'https://gatehouse.test/oidc/auth/uid-1');
  const provider = {
    Interaction: { find: jest.fn(async (uid: string) => (uid === 'uid-1' ? interaction : undefined)) },
    interactionDetails: jest.fn(async () => interaction),
    Client: { find: jest.fn(async () => ({ clientId: 'client-1', clientName: 'Acme Books', gatehouse_first_party: options.firstParty ?? false })) },
    Grant: Object.assign(Grant, { find: jest.fn() }),
    interactionResult,
  };
  return { provider: provider as unknown as Provider, interaction, saved, interactionResult };
}

describe('OidcInteractions', () => {
  let rpc: { internal: jest.Mock; request: jest.Mock };
  let passwords: { authenticate: jest.Mock };
  let secondFactor: { factorsOf: jest.Mock; challenge: jest.Mock; verify: jest.Mock; verifyPasskeyLogin: jest.Mock };
  let protection: { recordSuccess: jest.Mock };
  let policies: { mustHaveFactor: jest.Mock };
  let upstream: { complete: jest.Mock };
  let interactions: OidcInteractions;
  let settings: { enabled: boolean; defaultTenant: boolean };
  let reachable: Array<{ id: string | null; via: string }>;

  beforeEach(() => {
    settings = { enabled: true, defaultTenant: false };
    reachable = [{ id: 'acme', via: 'access' }];
    rpc = {
      internal: jest.fn(async (_service: string, definition: { subject: string }) => {
        if (definition === TenancyRpc.settings) return settings;
        if (definition === AuthorizationRpc.requireTenantMember) return undefined;
        throw new Error(`unexpected ${definition.subject}`);
      }),
      request: jest.fn(async (definition: { subject: string }) => {
        if (definition === AuthorizationRpc.reachableTenants) return { results: reachable };
        throw new Error(`unexpected ${definition.subject}`);
      }),
    };
    passwords = { authenticate: jest.fn(async (username: string) => ({ user: { id: `user-of-${username}` }, factors: [], mfaPolicies: [] })) };
    secondFactor = {
      factorsOf: jest.fn(async () => []),
      challenge: jest.fn(async () => new ProblemException(401, 'mfa-required', 'A second factor is required', { mfaToken: 'ghm_1', factors: ['totp'] })),
      verify: jest.fn(async () => ({ user: { id: 'user-of-ada' }, first: PASSWORD_STEP, methods: ['otp'], factor: 'totp' })),
      verifyPasskeyLogin: jest.fn(async () => ({ user: { id: 'user-of-ada' }, methods: ['hwk', 'user'], factor: 'passkey' })),
    };
    protection = { recordSuccess: jest.fn(async () => undefined) };
    policies = { mustHaveFactor: jest.fn(async () => false) };
    upstream = { complete: jest.fn(async () => ({ user: { id: 'user-of-idp' }, providerId: 'p-1', mfaDone: false, interaction: 'uid-1' })) };
    interactions = new OidcInteractions(
      passwords as unknown as PasswordAuthenticator,
      rpc as unknown as RpcClient,
      secondFactor as unknown as SecondFactorService,
      protection as unknown as LoginProtectionService,
      policies as unknown as MfaPolicyService,
      { manager: {} } as unknown as DataSource,
      upstream as unknown as UpstreamSignIn,
    );
  });

  function call(provider: Provider, method: 'GET' | 'POST', url: string, body?: unknown, contentType = 'application/json') {
    const dispatch = (req: IncomingMessage, res: ServerResponse) => void interactions.handle(provider, req, res, '203.0.113.9');
    return inject(dispatch, { method, url, headers: { 'content-type': contentType }, ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  }

  it('matches its own paths only', () => {
    expect(interactions.matches('/oidc/interaction/uid-1/details')).toBe(true);
    expect(interactions.matches('/oidc/interaction?x=1')).toBe(true);
    expect(interactions.matches('/oidc/interactions')).toBe(false);
    expect(interactions.matches('/oidc/auth')).toBe(false);
  });

  it("sends the browser to the console's page for an existing interaction, and answers 404 otherwise", async () => {
    const { provider } = fakeProvider();
    const found = await call(provider, 'GET', '/oidc/interaction/uid-1');
    expect(found.statusCode).toBe(303);
    expect(found.headers.location).toBe('/ui/oidc/interaction/uid-1');
    const missing = await call(provider, 'GET', '/oidc/interaction/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toBe('application/problem+json');
    expect((await call(provider, 'GET', '/oidc/interaction/uid-1/login')).statusCode).toBe(405);
  });

  it('reads the step: the client, its scopes and sign-in first', async () => {
    const { provider } = fakeProvider();
    const details = await call(provider, 'GET', '/oidc/interaction/uid-1/details');
    expect(details.statusCode).toBe(200);
    expect(details.json()).toEqual({ uid: 'uid-1', step: 'login', client: { id: 'client-1', name: 'Acme Books', firstParty: false }, scopes: ['openid', 'email'] });
  });

  it('signs in with the password (login channel, client address), then asks a third-party client for consent in the only tenant', async () => {
    const { provider, interaction, saved, interactionResult } = fakeProvider();
    const login = await call(provider, 'POST', '/oidc/interaction/uid-1/login', { username: 'ada', password: 'pw' });
    expect(login.json()).toMatchObject({ step: 'consent' });
    expect(passwords.authenticate).toHaveBeenCalledWith('ada', 'pw', '203.0.113.9', 'login');
    expect(interaction.result).toEqual({ login: { accountId: 'user-of-ada', amr: ['pwd'], acr: 'pwd' }, tenant: 'acme' });
    expect(rpc.request).toHaveBeenCalledWith(AuthorizationRpc.reachableTenants, { caller: { type: 'USER', id: 'user-of-ada', via: 'internal' }, data: {} });

    const consent = await call(provider, 'POST', '/oidc/interaction/uid-1/consent', {});
    expect(consent.json()).toEqual({ redirectTo: 'https://gatehouse.test/oidc/auth/uid-1' });
    expect(saved).toEqual([{ accountId: 'user-of-ada', clientId: 'client-1', scopes: ['openid', 'email', 'tenant:acme'] }]);
    expect(interactionResult).toHaveBeenCalledWith(expect.anything(), expect.anything(), { login: { accountId: 'user-of-ada', amr: ['pwd'], acr: 'pwd' }, consent: { grantId: 'grant-1' } }, { mergeWithLastSubmission: false });
  });

  it('skips the consent of a first-party client', async () => {
    const { provider, saved } = fakeProvider({ firstParty: true });
    const login = await call(provider, 'POST', '/oidc/interaction/uid-1/login', { username: 'ada', password: 'pw' });
    expect(login.json()).toEqual({ redirectTo: 'https://gatehouse.test/oidc/auth/uid-1' });
    expect(saved[0].scopes).toContain('tenant:acme');
  });

  it('offers the tenants the user can reach (the default one only when enabled) and takes only one of them', async () => {
    reachable = [{ id: null, via: 'access' }, { id: 'acme', via: 'access' }, { id: 'globex', via: 'access' }];
    const { provider, interaction } = fakeProvider({ firstParty: true });
    const login = await call(provider, 'POST', '/oidc/interaction/uid-1/login', { username: 'ada', password: 'pw' });
    expect(login.json()).toMatchObject({ step: 'tenant', tenants: [{ id: 'acme', name: 'acme' }, { id: 'globex', name: 'globex' }] });

    const other = await call(provider, 'POST', '/oidc/interaction/uid-1/tenant', { tenant: 'initech' });
    expect(other.statusCode).toBe(400);
    expect(interaction.result?.['tenant']).toBeUndefined();

    const chosen = await call(provider, 'POST', '/oidc/interaction/uid-1/tenant', { tenant: 'globex' });
    expect(chosen.json()).toEqual({ redirectTo: 'https://gatehouse.test/oidc/auth/uid-1' });
    expect(interaction.result?.['tenant']).toBe('globex');
  });

  it('takes the tenant the client asked for when the user is a member, and refuses it otherwise', async () => {
    const asked = fakeProvider({ firstParty: true, params: { tenant: 'globex' } });
    expect((await call(asked.provider, 'POST', '/oidc/interaction/uid-1/login', { username: 'ada', password: 'pw' })).json()).toHaveProperty('redirectTo');
    expect(asked.interaction.result?.['tenant']).toBe('globex');
    // Asked of authorization for that tenant (the request's tenantId, not the caller's).
    expect(rpc.internal).toHaveBeenCalledWith(expect.any(String), AuthorizationRpc.requireTenantMember, { subject: { type: 'USER', id: 'user-of-ada' }, tenantId: 'globex' });

    rpc.internal.mockImplementation(async (_s: string, definition: unknown) => {
      if (definition === TenancyRpc.settings) return settings;
      throw ProblemException.forbidden('Not a member', { rule: 'not-a-member' });
    });
    const refused = fakeProvider({ firstParty: true, params: { tenant: 'globex' } });
    const answer = await call(refused.provider, 'POST', '/oidc/interaction/uid-1/login', { username: 'ada', password: 'pw' });
    expect(answer.statusCode).toBe(403);
  });

  it("passes the sign-in's problems on (lockout, forced password change) without signing in", async () => {
    passwords.authenticate.mockRejectedValue(new ProblemException(403, 'password-change-required', 'Password change required'));
    const { provider, interaction } = fakeProvider();
    const answer = await call(provider, 'POST', '/oidc/interaction/uid-1/login', { username: 'ada', password: 'pw' });
    expect(answer.statusCode).toBe(403);
    expect(answer.json().type).toContain('password-change-required');
    expect(interaction.result).toBeUndefined();
  });

  it('refuses bad input: not JSON, missing fields, consent or tenant before sign-in', async () => {
    const { provider } = fakeProvider();
    expect((await call(provider, 'POST', '/oidc/interaction/uid-1/login', 'username=ada', 'application/x-www-form-urlencoded')).statusCode).toBe(415);
    expect((await call(provider, 'POST', '/oidc/interaction/uid-1/login', '{"username":')).statusCode).toBe(400);
    expect((await call(provider, 'POST', '/oidc/interaction/uid-1/login', '[1]')).statusCode).toBe(400);
    expect((await call(provider, 'POST', '/oidc/interaction/uid-1/login', { username: 'ada' })).statusCode).toBe(400);
    expect((await call(provider, 'POST', '/oidc/interaction/uid-1/consent', {})).statusCode).toBe(400);
    expect((await call(provider, 'POST', '/oidc/interaction/uid-1/tenant', { tenant: 'acme' })).statusCode).toBe(400);
    expect(passwords.authenticate).not.toHaveBeenCalled();
  });

  it('asks a user with a second factor for it after the password, and signs in only with it (amr/acr, failures cleared then)', async () => {
    secondFactor.factorsOf.mockResolvedValue(['totp']);
    const { provider, interaction } = fakeProvider({ firstParty: true });
    const login = await call(provider, 'POST', '/oidc/interaction/uid-1/login', { username: 'ada', password: 'pw' });
    expect(login.statusCode).toBe(401);
    expect(login.json()).toMatchObject({ type: expect.stringContaining('mfa-required'), mfaToken: 'ghm_1', factors: ['totp'] });
    expect(secondFactor.challenge).toHaveBeenCalledWith('user-of-ada', ['totp'], undefined);
    expect(interaction.result).toBeUndefined();
    expect(protection.recordSuccess).not.toHaveBeenCalled();
    expect((await call(provider, 'GET', '/oidc/interaction/uid-1/details')).json()).toMatchObject({ step: 'login' });

    const mfa = await call(provider, 'POST', '/oidc/interaction/uid-1/mfa', { mfaToken: 'ghm_1', code: '123456' });
    expect(mfa.json()).toEqual({ redirectTo: 'https://gatehouse.test/oidc/auth/uid-1' });
    expect(secondFactor.verify).toHaveBeenCalledWith({ mfaToken: 'ghm_1', code: '123456' }, '203.0.113.9');
    expect(interaction.result?.['login']).toEqual({ accountId: 'user-of-ada', amr: ['pwd', 'otp', 'mfa'], acr: 'mfa' });
    expect(protection.recordSuccess).toHaveBeenCalledWith({}, 'user-of-ada');
  });

  it("signs in with an identity provider's answer for this interaction: amr fed (+mfa when it asserted one), else the second factor", async () => {
    const strong = fakeProvider({ firstParty: true });
    upstream.complete.mockResolvedValueOnce({ user: { id: 'user-of-idp' }, providerId: 'p-1', mfaDone: true, interaction: 'uid-1' });
    const answer = { query: 'code=c&state=i.uid-1.x', binding: 'b' };
    expect((await call(strong.provider, 'POST', '/oidc/interaction/uid-1/federated', answer)).json()).toEqual({ redirectTo: 'https://gatehouse.test/oidc/auth/uid-1' });
    expect(upstream.complete).toHaveBeenCalledWith(answer, 'uid-1', '203.0.113.9');
    expect(strong.interaction.result?.['login']).toEqual({ accountId: 'user-of-idp', amr: ['fed', 'mfa'], acr: 'mfa' });

    secondFactor.factorsOf.mockResolvedValue(['totp']);
    const weak = fakeProvider({ firstParty: true });
    const refused = await call(weak.provider, 'POST', '/oidc/interaction/uid-1/federated', answer);
    expect([refused.statusCode, refused.json().mfaToken]).toEqual([401, 'ghm_1']);
    expect(weak.interaction.result).toBeUndefined();
    // The second step remembers it followed the identity provider: amr fed, not pwd.
    expect(secondFactor.challenge).toHaveBeenLastCalledWith('user-of-idp', ['totp'], { methods: ['fed'], providerId: 'p-1', sessionEndsAt: undefined });
    secondFactor.verify.mockResolvedValueOnce({ user: { id: 'user-of-idp' }, first: { methods: ['fed'], providerId: 'p-1', sessionEndsAt: null }, methods: ['otp'], factor: 'totp' });
    await call(weak.provider, 'POST', '/oidc/interaction/uid-1/mfa', { mfaToken: 'ghm_1', code: '123456' });
    expect(weak.interaction.result?.['login']).toEqual({ accountId: 'user-of-idp', amr: ['fed', 'otp', 'mfa'], acr: 'mfa' });
    expect((await call(weak.provider, 'POST', '/oidc/interaction/uid-1/federated', { query: 'x' })).statusCode).toBe(400);
  });

  it('passes a wrong second factor on without signing in, and refuses a malformed one naming the field', async () => {
    secondFactor.verify.mockRejectedValue(new ProblemException(401, 'invalid-second-factor', 'The code is wrong', { errors: [{ field: 'code', message: 'code is wrong' }] }));
    const { provider, interaction } = fakeProvider();
    const wrong = await call(provider, 'POST', '/oidc/interaction/uid-1/mfa', { mfaToken: 'ghm_1', code: '000000' });
    expect(wrong.statusCode).toBe(401);
    expect(interaction.result).toBeUndefined();
    const malformed = await call(provider, 'POST', '/oidc/interaction/uid-1/mfa', { mfaToken: 'ghm_1', code: 'abc' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().errors).toEqual([expect.objectContaining({ field: 'code' })]);
    expect((await call(provider, 'POST', '/oidc/interaction/uid-1/mfa', { code: '123456' })).json().errors).toContainEqual(expect.objectContaining({ field: 'mfaToken' }));
    expect((await call(provider, 'POST', '/oidc/interaction/uid-1/passkey', { credential: 'x' })).statusCode).toBe(400);
    expect(protection.recordSuccess).not.toHaveBeenCalled();
  });

  it('refuses a user whom a policy requires to set up a factor first (no factor yet): the console first', async () => {
    policies.mustHaveFactor.mockResolvedValue(true);
    const { provider, interaction } = fakeProvider();
    const answer = await call(provider, 'POST', '/oidc/interaction/uid-1/login', { username: 'ada', password: 'pw' });
    expect(answer.statusCode).toBe(403);
    expect(answer.json().type).toContain('mfa-enrolment-required');
    expect(interaction.result).toBeUndefined();
  });

  it('signs in with a passkey alone', async () => {
    const { provider, interaction } = fakeProvider({ firstParty: true });
    const credential = { id: 'cred', rawId: 'cred', type: 'public-key', response: { clientDataJSON: 'a', authenticatorData: 'b', signature: 'c' }, clientExtensionResults: {} };
    const answer = await call(provider, 'POST', '/oidc/interaction/uid-1/passkey', { credential });
    expect(answer.json()).toHaveProperty('redirectTo');
    expect(interaction.result?.['login']).toEqual({ accountId: 'user-of-ada', amr: ['hwk', 'user', 'mfa'], acr: 'mfa' });
  });

  it('aborts with access_denied', async () => {
    const { provider, interactionResult } = fakeProvider();
    const answer = await call(provider, 'POST', '/oidc/interaction/uid-1/abort', {});
    expect(answer.json()).toEqual({ redirectTo: 'https://gatehouse.test/oidc/auth/uid-1' });
    expect(interactionResult).toHaveBeenCalledWith(expect.anything(), expect.anything(), { error: 'access_denied', error_description: 'The user cancelled' }, { mergeWithLastSubmission: false });
  });
});
