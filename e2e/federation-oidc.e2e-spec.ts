import { FederatedSignInStart, IdentityProviderView, MFA_PROBLEMS } from '@gatehouse/contracts';
import {
  api, bearer, bindRole, createGroup, createTenant, createUser, eventually, freePort, OidcTestIdp, rolesByName, superAdminToken, TestUser, unique,
} from '@gatehouse/testing';
import { generateSync } from 'otplib';
import { gatehouse } from './cli-support';
import { consoleUrl, newPage, useBrowser } from './console-support';
import { applicationSignIn } from './federation-support';

/**
 * Federation with an upstream OpenID Connect provider (docs/federation.md): a separate oidc-provider process is
 * the company's IdP (OidcTestIdp). Discovery, the code flow with PKCE, the client secret sealed; a full browser
 * sign-in in Chromium from the console's sign-in page; just-in-time account and group mapping from the groups
 * claim; email_verified respected for linking; the MFA policy applied on top unless the IdP asserted a second
 * factor (amr); home-realm discovery; malformed, replayed, foreign or refused answers are 4xx.
 */
jest.setTimeout(120_000);

const csrf: [string, string] = ['x-gatehouse-csrf', '1'];
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
/** The code of the step `offset` steps from now (RFC 6238): the set-up's code is spent, the sign-in takes the next one. */
const totp = (secret: string, offset = 0) => {
  const now = Math.floor(Date.now() / 1000);
  return generateSync({ secret, epoch: now - (now % 30) + offset * 30 + 1 });
};

describe('federation: OpenID Connect sign-in through an upstream provider', () => {
  const { browser } = useBrowser();
  let idp: OidcTestIdp;
  let root: string;
  let admin: TestUser;
  let tenant: string;
  let engineers: string;
  let provider: IdentityProviderView;
  const suffix = unique('oidc').toLowerCase().replace(/[^a-z0-9]/g, '');
  const mail = (name: string) => `${name}-${suffix}@idp.example.com`;
  let existing: TestUser & { secret: string };
  let unverifiedTarget: TestUser;

  const as = (token: string) => ({
    get: (path: string, query: Record<string, string> = {}) => api().get(path).query(query).set(...bearer(token)),
    post: (path: string, body: object = {}) => api().post(path).set(...bearer(token)).send(body),
  });

  /**
   * A browser's round trip without a browser: the start, the IdP's sign-in page (its cookies kept), the named
   * account's form, and the redirects back to Gatehouse's callback: its query, and the start's binding.
   */
  async function throughIdp(providerId: string, account: string): Promise<{ query: string; binding: string }> {
    const started = (await api().post(`/api/v1/login/providers/${providerId}/start`).send({}).expect(200)).body as FederatedSignInStart;
    const cookies = new Map<string, string>();
    const visit = async (url: string, init: RequestInit = {}) => {
      const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
      for (const header of response.headers.getSetCookie()) {
        const [pair] = header.split(';');
        const [name, value] = pair.split('=');
        cookies.set(name, value);
      }
      return response;
    };
    let response = await visit(started.redirectTo);
    let location = response.headers.get('location') as string;
    response = await visit(new URL(location, idp.issuer).href);
    const form = /action="([^"]+)"/.exec(await response.text())?.[1] as string;
    response = await visit(new URL(form, idp.issuer).href, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `account=${encodeURIComponent(account)}` });
    for (let hops = 0; hops < 5; hops++) {
      location = new URL(response.headers.get('location') as string, idp.issuer).href;
      if (location.startsWith(`${process.env.E2E_ISSUER}/ui/federation/callback`)) return { query: new URL(location).search.slice(1), binding: started.binding };
      response = await visit(location);
    }
    throw new Error(`the IdP never sent the browser back: ${location}`);
  }

  const finish = (answer: { query: string; binding: string }) => api().post('/api/v1/session/federated').set(...csrf).send(answer);

  beforeAll(async () => {
    const issuer = process.env.E2E_ISSUER as string;
    idp = await OidcTestIdp.start({
      redirectUris: [`${issuer}/ui/federation/callback`],
      accounts: {
        'ada-sub': { email: mail('ada'), email_verified: true, preferred_username: `ada-${suffix}`, given_name: 'Ada', family_name: 'Lovelace', groups: ['Engineering'] },
        'strong-sub': { email: mail('strong'), email_verified: true, preferred_username: `strong-${suffix}`, amr: ['pwd', 'otp', 'mfa'] },
        'weak-sub': { email: mail('weak'), email_verified: true, preferred_username: `weak-${suffix}` },
        'liar-sub': { email: mail('target'), email_verified: false, preferred_username: `liar-${suffix}` },
        'gone-sub': { email: mail('gone'), email_verified: true, preferred_username: `gone-${suffix}` },
      },
    });
    root = await superAdminToken();
    admin = await createUser(root);
    tenant = (await createTenant(root, { adminUser: admin.username })).id;
    const roles = await rolesByName(admin.token, tenant);
    engineers = (await createGroup(admin.token, tenant, unique('engineers'))).id;
    await bindRole(admin.token, tenant, { roleId: roles.Viewer.id, subjectType: 'GROUP', subjectId: engineers });
    const created = await as(root).post('/api/v1/identity-providers', {
      type: 'oidc', name: unique('Company SSO'), jitProvisioning: true,
      oidc: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, scopes: ['openid', 'profile', 'email', 'groups'] },
      groupMappings: [{ providerGroup: 'engineering', groupId: engineers, tenantId: tenant }],
    });
    expect([created.status, created.body.detail]).toEqual([201, undefined]);
    provider = created.body;
    // An existing account with an authenticator app, whose address the IdP vouches for (weak-sub, strong-sub).
    const withFactor = await createUser(root, { username: mail('weak') });
    const enrolment = await api().post('/api/v1/me/mfa/totp').set(...bearer(withFactor.token)).expect(201);
    await api().post('/api/v1/me/mfa/totp/confirm').set(...bearer(withFactor.token)).send({ code: totp(enrolment.body.secret) }).expect(200);
    existing = { ...withFactor, secret: enrolment.body.secret };
    unverifiedTarget = await createUser(root, { username: mail('target') });
  });

  afterAll(async () => {
    // The shared system's other suites sign in on a page that would offer it.
    if (provider) await api().delete(`/api/v1/identity-providers/${provider.id}`).set(...bearer(root));
    await idp?.stop();
  });

  it('keeps the client secret sealed and names the redirect URI; refuses bad settings with a 400 naming the field', async () => {
    expect(provider.oidc).toMatchObject({ issuer: idp.issuer, clientId: idp.clientId, clientSecretSet: true, redirectUri: `${process.env.E2E_ISSUER}/ui/federation/callback` });
    expect(JSON.stringify((await as(root).get(`/api/v1/identity-providers/${provider.id}`).expect(200)).body)).not.toContain(idp.clientSecret);
    const base = { type: 'oidc', name: unique('bad'), oidc: { issuer: idp.issuer, clientId: 'x' } };
    const cases: Array<[object, string, RegExp]> = [
      [{ ...base, oidc: { issuer: 'http://idp.example.com', clientId: 'x' } }, 'oidc.issuer', /https/],
      [{ ...base, oidc: { issuer: 'https://10.2.3.4', clientId: 'x' } }, 'oidc.issuer', /private, loopback, link-local or reserved/],
      [{ ...base, oidc: { issuer: 'not a url', clientId: 'x' } }, 'oidc.issuer', /absolute URL/],
      [{ type: 'oidc', name: unique('bad') }, 'oidc', /required/],
      [{ ...base, ldap: { url: 'ldaps://x.example.com', userBase: 'dc=x' } }, 'ldap', /do not apply/],
    ];
    for (const [body, field, message] of cases) {
      const response = await as(root).post('/api/v1/identity-providers', body);
      expect({ field, status: response.status }).toEqual({ field, status: 400 });
      expect({ field, message: (response.body.errors as Array<{ field: string; message: string }>).find((e) => e.field === field)?.message }).toEqual({ field, message: expect.stringMatching(message) });
    }
  });

  it('"test connection" reads the discovery document and the JWKS, and names the step that failed', async () => {
    const ok = (await as(root).post(`/api/v1/identity-providers/${provider.id}/test`).expect(200)).body;
    expect(ok).toMatchObject({ ok: true, steps: [{ step: 'discovery', ok: true }, { step: 'jwks', ok: true }] });
    const closed = (await as(root).post('/api/v1/identity-providers', { type: 'oidc', name: unique('closed'), oidc: { issuer: `http://127.0.0.1:${await freePort()}`, clientId: 'x' } }).expect(201)).body;
    expect((await as(root).post(`/api/v1/identity-providers/${closed.id}/test`).expect(200)).body).toMatchObject({ ok: false, step: 'connect' });
    await api().delete(`/api/v1/identity-providers/${closed.id}`).set(...bearer(root)).expect(204);
  });

  it('signs a new person in through the IdP in Chromium from the console: created just in time, mapped to the group', async () => {
    const page = await newPage(browser());
    await page.goto(`${consoleUrl()}/login`);
    await page.getByRole('button', { name: `Continue with ${provider.name}` }).click();
    await page.getByLabel('Account').fill('ada-sub');
    await page.getByRole('button', { name: 'Sign in at the IdP' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/ui') && !url.pathname.includes('/federation/callback') && !url.pathname.endsWith('/login'), { timeout: 20_000 });
    const users = (await as(root).get('/api/v1/users', { q: mail('ada') }).expect(200)).body.results as Array<{ id: string; authMethod: string; emailVerified: boolean; firstName: string }>;
    expect(users).toEqual([expect.objectContaining({ authMethod: 'FEDERATED', emailVerified: true, firstName: 'Ada' })]);
    const members = (await as(root).get(`/api/v1/${tenant}/groups/${engineers}/members`).expect(200)).body.results as Array<{ memberId: string }>;
    expect(members.map((m) => m.memberId)).toContain(users[0].id);
    // The console is signed in as ada: its shell shows her.
    await page.getByText(`ada-${suffix}`).first().waitFor();
    await page.context().close();
  });

  it('applies the MFA policy on top unless the IdP asserted a second factor (amr)', async () => {
    // weak-sub is linked to the existing account by its verified address; the IdP asserted no second factor: the account's own is asked.
    const weak = await finish(await throughIdp(provider.id, 'weak-sub'));
    expect([weak.status, weak.body.type?.split('/').pop()]).toEqual([401, MFA_PROBLEMS.mfaRequired]);
    const second = await api().post('/api/v1/session/mfa').set(...csrf).send({ mfaToken: weak.body.mfaToken, code: totp(existing.secret, 1) });
    expect(second.status).toBe(200);
    expect((await api().get('/api/v1/me').set(...bearer(second.body.accessToken)).expect(200)).body.id).toBe(existing.user.id);
    // The session records the identity provider's sign-in and the factor (not a password: the user gave none).
    expect(claimsOf(second.body.accessToken)).toMatchObject({ amr: ['fed', 'otp', 'mfa'], acr: 'mfa' });
    const login = await eventually(async () => {
      const entries = (await as(root).get('/api/v1/auditlogs/search', { resourceId: existing.user.id, size: '50' }).expect(200)).body.results as Array<{ type: string; details?: Record<string, unknown> }>;
      return entries.find((e) => e.type === 'LOGIN' && e.details?.['sessionId'] === claimsOf(second.body.accessToken).sid);
    }, 15_000);
    expect(login.details).toMatchObject({ amr: ['fed', 'otp', 'mfa'], providerId: provider.id, factor: 'totp' });
    // strong-sub: the IdP says pwd+otp+mfa; a new account without a factor, signed in at once with amr fed+mfa.
    const strong = await finish(await throughIdp(provider.id, 'strong-sub'));
    expect(strong.status).toBe(200);
    expect(claimsOf(strong.body.accessToken)).toMatchObject({ amr: ['fed', 'mfa'], acr: 'mfa' });
  });

  it('ends a federated session after the provider\'s session lifetime: a person disabled at the IdP is then refused', async () => {
    expect(provider.sessionLifetimeSeconds).toBe(36_000);
    const bad = await as(root).post('/api/v1/identity-providers', { type: 'oidc', name: unique('bad'), sessionLifetimeSeconds: 0, oidc: { issuer: idp.issuer, clientId: idp.clientId } });
    expect([bad.status, (bad.body.errors as Array<{ field: string }>)?.map((e) => e.field)]).toEqual([400, ['sessionLifetimeSeconds']]);
    // Through the CLI (--session-lifetime), as an admin would.
    const created = gatehouse([
      'identity-providers', 'create', '--instance', '--type', 'oidc', '--name', unique('Short SSO'), '--jit', 'true', '--session-lifetime', '6',
      '--issuer', idp.issuer, '--client-id', idp.clientId, '--client-secret', '-', '--output', 'json', '--token', root,
    ], { input: idp.clientSecret });
    expect([created.status, created.stderr]).toEqual([0, '']);
    const short = JSON.parse(created.stdout) as IdentityProviderView;
    try {
      expect(short.sessionLifetimeSeconds).toBe(6);
      const signedIn = await finish(await throughIdp(short.id, 'gone-sub'));
      expect(signedIn.status).toBe(200);
      const endsAt = Date.now() + 6_000;
      const claims = claimsOf(signedIn.body.accessToken);
      expect(claims.exp - claims.iat).toBeLessThanOrEqual(6);
      const cookie = (signedIn.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
      // Within the lifetime the session refreshes; its cookie and tokens never outlive it.
      const refreshed = await api().post('/api/v1/session/refresh').set(...csrf).set('cookie', cookie);
      expect(refreshed.status).toBe(200);
      const maxAge = Number(/Max-Age=(\d+)/i.exec((refreshed.headers['set-cookie'] as unknown as string[]).join(';'))?.[1]);
      expect(maxAge).toBeLessThanOrEqual(6);
      const cookieAfter = (refreshed.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
      // The IdP disables the person; once the lifetime is over, the session and its refresh are refused...
      await idp.disable('gone-sub');
      await new Promise((done) => setTimeout(done, Math.max(0, endsAt - Date.now()) + 1_000));
      expect((await api().post('/api/v1/session/refresh').set(...csrf).set('cookie', cookieAfter)).status).toBe(401);
      expect((await api().get('/api/v1/me').set(...bearer(refreshed.body.accessToken))).status).toBe(401);
      // ...and signing in again means signing in at the IdP, which refuses.
      const again = await finish(await throughIdp(short.id, 'gone-sub'));
      expect([again.status, again.body.type?.split('/').pop(), again.body.detail]).toEqual([401, 'federation-refused', expect.stringMatching(/access_denied/)]);
    } finally {
      await api().delete(`/api/v1/identity-providers/${short.id}`).set(...bearer(root));
    }
  });

  it('never links an account by an address the IdP does not say is verified', async () => {
    const answer = await finish(await throughIdp(provider.id, 'liar-sub'));
    expect([answer.status, answer.body.detail]).toEqual([409, expect.stringMatching(/administrator must link it/)]);
    expect((await as(root).get(`/api/v1/users/${unverifiedTarget.user.id}/authentication`).expect(200)).body.links).toEqual([]);
  });

  it('refuses malformed, replayed, foreign and refused answers with a 4xx, never 5xx', async () => {
    const good = await throughIdp(provider.id, 'ada-sub');
    const params = new URLSearchParams(good.query);
    const cases: Array<[{ query: string; binding: string }, number]> = [
      [{ query: 'code=abc', binding: good.binding }, 400],
      [{ query: `state=${unique('nope')}&code=abc`, binding: good.binding }, 400],
      [{ query: good.query, binding: 'not-the-binding' }, 400],
    ];
    for (const [body, status] of cases) expect((await finish(body)).status).toBe(status);
    // The wrong binding spent the state: the browser must start again.
    expect((await finish(good)).status).toBe(400);
    // A code that was altered is refused by the IdP's token endpoint (invalid_grant).
    const altered = await throughIdp(provider.id, 'ada-sub');
    const tampered = new URLSearchParams(altered.query);
    tampered.set('code', `${tampered.get('code')}x`);
    const refusedCode = await finish({ query: tampered.toString(), binding: altered.binding });
    expect([refusedCode.status, refusedCode.body.type?.split('/').pop()]).toEqual([401, 'federation-refused']);
    // The IdP's own refusal (error=access_denied) is the IdP's answer, not a server error.
    const started = (await api().post(`/api/v1/login/providers/${provider.id}/start`).send({}).expect(200)).body as FederatedSignInStart;
    const state = new URL(started.redirectTo).searchParams.get('state') as string;
    const denied = await finish({ query: `error=access_denied&error_description=nope&state=${state}`, binding: started.binding });
    expect([denied.status, denied.body.detail]).toEqual([401, expect.stringMatching(/access_denied/)]);
    // A successful answer works once only.
    const once = await throughIdp(provider.id, 'ada-sub');
    expect((await finish(once)).status).toBe(200);
    expect((await finish(once)).status).toBe(400);
    expect(params.get('state')).toBeTruthy();
  });

  it("signs an application's user in through the IdP from the OpenID provider's interaction page (Chromium)", async () => {
    const claims = await applicationSignIn(browser(), admin.token, tenant, async (page) => {
      await page.getByRole('button', { name: `Continue with ${provider.name}` }).click();
      await page.getByLabel('Account').fill('ada-sub');
      await page.getByRole('button', { name: 'Sign in at the IdP' }).click();
    });
    const ada = ((await as(root).get('/api/v1/users', { q: mail('ada') }).expect(200)).body.results as Array<{ id: string }>)[0];
    expect(claims).toMatchObject({ sub: ada.id, amr: ['fed'] });
  });

  it('offers instance-wide providers to every sign-in and a tenant\'s only by its email domain (home-realm discovery)', async () => {
    const domain = `${suffix}.corp.example`;
    const scoped = (await as(admin.token).post(`/api/v1/${tenant}/identity-providers`, {
      type: 'oidc', name: unique('Tenant SSO'), domains: [domain], oidc: { issuer: idp.issuer, clientId: idp.clientId },
    }).expect(201)).body as IdentityProviderView;
    const offered = async (email?: string) =>
      ((await api().get('/api/v1/login/providers').query(email ? { email } : {}).expect(200)).body as Array<{ id: string }>).map((p) => p.id);
    expect(await offered()).toContain(provider.id);
    expect(await offered()).not.toContain(scoped.id);
    expect(await offered(`someone@${domain}`)).toEqual(expect.arrayContaining([provider.id, scoped.id]));
    expect(await offered('someone@elsewhere.example')).not.toContain(scoped.id);
  });
});
