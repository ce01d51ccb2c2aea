import { createHash } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { CreatedOAuthClient } from '@gatehouse/contracts';
import { api, bearer, bindRole, createTenantWorld, createUser, rolesByName, superAdminToken, TenantWorld, TestUser, unique, withTestDb } from '@gatehouse/testing';
import fc from 'fast-check';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { generateSync } from 'otplib';
import * as client from 'openid-client';
import type { Page } from 'playwright-core';
import { newPage, useBrowser } from './console-support';

/**
 * The OpenID Connect provider (docs/oidc.md) driven by openid-client, a certified relying party: no OAuth
 * request here is written by hand. The issuer, JWT_ISSUER, is the gateway's URL (TestSystem.publicUrl), so
 * the relying party and the browser reach the provider at the URLs it advertises.
 */
jest.setTimeout(180_000);

const ISSUER = process.env.E2E_ISSUER as string;
/** The relying party's pages (a local HTTP server the browser comes back to), set once it listens. */
let RELYING_PARTY = '';
let REDIRECT_URI = '';
let POST_LOGOUT_URI = '';
let BACKCHANNEL_URI = '';
/** The logout tokens the relying party's back-channel endpoint received (form field `logout_token`). */
const logoutTokens: string[] = [];

/** The relying party's view of the provider: discovery at the issuer (the gateway), http allowed (tests only). */
async function relyingParty(clientId: string, secret?: string): Promise<client.Configuration> {
  return client.discovery(new URL(ISSUER), clientId, secret ? { client_secret: secret } : { token_endpoint_auth_method: 'none' }, secret ? client.ClientSecretBasic(secret) : client.None(), {
    execute: [client.allowInsecureRequests],
  });
}

interface Started {
  url: URL;
  verifier: string;
  nonce: string;
  state: string;
}

async function startAuthorization(config: client.Configuration, params: Record<string, string> = {}): Promise<Started> {
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email offline_access tenant roles groups',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
    state,
    prompt: 'consent',
    ...params,
  });
  return { url, verifier, nonce, state };
}

/** The payload of a JWT, read without verification (what the tests look at once openid-client validated it). */
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;

/** The console's sign-in page of the interaction: username or email and password. */
async function signInOnPage(page: Page, user: TestUser): Promise<void> {
  await page.getByLabel('Username or email').fill(user.username);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Waits for the browser to come back to the relying party; the URL it came back to. */
async function callback(page: Page, to = REDIRECT_URI): Promise<URL> {
  try {
    await page.waitForURL((url) => url.href.startsWith(to));
  } catch (error) {
    throw new Error(`not back at ${to}: ${page.url()} shows ${JSON.stringify((await page.locator('body').textContent())?.slice(0, 500))}`, { cause: error });
  }
  return new URL(page.url());
}

/** at_hash (OpenID Connect Core §3.1.3.6): the left half of the access token's hash, SHA-512 for EdDSA (Ed25519). */
const atHash = (accessToken: string) => createHash('sha512').update(accessToken).digest().subarray(0, 32).toString('base64url');

describe('OpenID Connect provider (openid-client)', () => {
  const { browser } = useBrowser();
  let relyingPartyServer: Server;
  let root: string;
  let a: TenantWorld;
  let b: TenantWorld;
  let web: CreatedOAuthClient;
  let spa: CreatedOAuthClient;

  const createClient = async (world: TenantWorld, body: object): Promise<CreatedOAuthClient> =>
    (await api().post(`/api/v1/${world.tenant}/oauth-clients`).set(...bearer(world.admin.token)).send({ name: unique('rp'), ...body }).expect(201)).body as CreatedOAuthClient;

  beforeAll(async () => {
    // The relying party's redirect URIs: a page the browser comes back to (a redirect is not something Playwright can intercept).
    // Its back-channel logout endpoint records the logout tokens the provider POSTs (OpenID Connect Back-Channel Logout §2.5).
    relyingPartyServer = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/backchannel') {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        req.on('end', () => {
          const token = new URLSearchParams(body).get('logout_token');
          if (token) logoutTokens.push(token);
          res.writeHead(token ? 200 : 400, { 'cache-control': 'no-store' }).end();
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('relying party');
    });
    await new Promise<void>((resolve) => relyingPartyServer.listen(0, '127.0.0.1', resolve));
    RELYING_PARTY = `http://127.0.0.1:${(relyingPartyServer.address() as AddressInfo).port}`;
    REDIRECT_URI = `${RELYING_PARTY}/callback`;
    POST_LOGOUT_URI = `${RELYING_PARTY}/signed-out`;
    BACKCHANNEL_URI = `${RELYING_PARTY}/backchannel`;
    root = await superAdminToken();
    a = await createTenantWorld(root, 'opa');
    b = await createTenantWorld(root, 'opb');
    const scopes = ['openid', 'profile', 'email', 'offline_access', 'tenant', 'roles', 'groups'];
    web = await createClient(a, { type: 'confidential', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [POST_LOGOUT_URI], backchannelLogoutUri: BACKCHANNEL_URI, scopes });
    spa = await createClient(a, { type: 'public', redirectUris: [REDIRECT_URI], scopes, firstParty: true });
  }, 180_000);
  afterAll(() => new Promise<void>((resolve) => relyingPartyServer?.close(() => resolve())));

  it('discovery advertises exactly what is supported: code with PKCE S256, EdDSA, the scopes and claims issued', async () => {
    const config = await relyingParty(web.clientId, web.clientSecret as string);
    const metadata = config.serverMetadata();
    expect(metadata).toMatchObject({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/oidc/auth`,
      token_endpoint: `${ISSUER}/oidc/token`,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: ['EdDSA'],
    });
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
    expect(metadata.grant_types_supported).not.toContain('password');
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'tenant', 'roles', 'groups', 'offline_access']));
    expect(metadata.claims_supported).toEqual(expect.arrayContaining(['sub', 'tenant', 'roles', 'groups', 'email']));
  });

  it('client credentials as a service account: a gateway token that acts as it in its tenant only; a wrong secret is invalid_client', async () => {
    const sa = (await api().post(`/api/v1/${a.tenant}/service-accounts`).set(...bearer(a.admin.token)).send({ name: unique('rp-sa') }).expect(201)).body as { id: string };
    await bindRole(a.admin.token, a.tenant, { roleId: (await rolesByName(a.admin.token, a.tenant)).Developer.id, subjectType: 'SERVICE_ACCOUNT', subjectId: sa.id });
    const machine = await createClient(a, { type: 'confidential', ownerType: 'SERVICE_ACCOUNT', ownerId: sa.id });
    expect(machine.grantTypes).toEqual(['client_credentials']);
    const config = await relyingParty(machine.clientId, machine.clientSecret as string);

    const tokens = await client.clientCredentialsGrant(config);
    const payload = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString());
    expect(payload).toMatchObject({ sub: sa.id, sub_type: 'SERVICE_ACCOUNT', tenant: a.tenant, aud: 'gatehouse', client_id: machine.clientId });
    const groups = await api().get(`/api/v1/${a.tenant}/groups`).set(...bearer(tokens.access_token)).expect(200);
    expect(groups.body.results.map((g: { id: string }) => g.id)).toContain(a.group.id);
    expect((await api().get(`/api/v1/${b.tenant}/groups`).set(...bearer(tokens.access_token)).expect(403)).body).toMatchObject({ rule: 'token-tenant' });

    // A wrong secret is invalid_client.
    const wrong = await relyingParty(machine.clientId, 'ghcs_wrong');
    await expect(client.clientCredentialsGrant(wrong)).rejects.toMatchObject({ status: 401, cause: [expect.objectContaining({ scheme: 'basic', parameters: expect.objectContaining({ error: 'invalid_client' }) })] });
  });

  it('refuses a public client without PKCE and a redirect URI that is not registered, before any sign-in', async () => {
    const config = await relyingParty(spa.clientId);
    const noPkce = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 's' });
    const withoutPkce = await fetch(noPkce.href, { redirect: 'manual' });
    const location = new URL(withoutPkce.headers.get('location') as string);
    expect(location.href.startsWith(REDIRECT_URI)).toBe(true);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);

    const started = await startAuthorization(config, { redirect_uri: `${RELYING_PARTY}/other` });
    const wrongUri = await fetch(started.url.href, { redirect: 'manual' });
    expect(wrongUri.status).toBe(400);
    expect(wrongUri.headers.get('location')).toBeNull();
    expect(await wrongUri.json()).toMatchObject({ error: 'invalid_redirect_uri' });
  });

  describe('authorization code + PKCE through the console sign-in page (Chromium)', () => {
    /** Signs `user` in through the browser for `config` (consent when asked for), then the code grant checked by openid-client. */
    const codeFlow = async (config: client.Configuration, user: TestUser, params: Record<string, string> = {}, steps: { consent?: boolean } = {}) => {
      const started = await startAuthorization(config, params);
      const page = await newPage(browser());
      await page.goto(started.url.href);
      await signInOnPage(page, user);
      if (steps.consent) await page.getByRole('button', { name: 'Allow' }).click();
      const back = await callback(page);
      const tokens = await client.authorizationCodeGrant(config, back, { pkceCodeVerifier: started.verifier, expectedNonce: started.nonce, expectedState: started.state, idTokenExpected: true });
      return { page, tokens, started, back };
    };

    it("a third-party client: sign-in, the consent screen listing the scopes, an id_token validated (signature by JWKS, nonce, at_hash, audience) and userinfo's claims", async () => {
      const config = await relyingParty(web.clientId, web.clientSecret as string);
      client.enableNonRepudiationChecks(config); // the id_token's signature, checked against the JWKS
      const started = await startAuthorization(config);
      const page = await newPage(browser());
      await page.goto(started.url.href);
      expect(new URL(page.url()).pathname).toMatch(/^\/ui\/oidc\/interaction\//);
      await signInOnPage(page, a.member);
      await page.getByRole('button', { name: 'Allow' }).waitFor();
      expect(await page.getByTestId('oidc-client').textContent()).toContain(web.name);
      const scopes = await page.getByTestId('oidc-scopes').locator('li').evaluateAll((items) => items.map((i) => i.getAttribute('data-scope')));
      expect(scopes).toEqual(['openid', 'profile', 'email', 'offline_access', 'tenant', 'roles', 'groups']);
      await page.getByRole('button', { name: 'Allow' }).click();
      const back = await callback(page);
      expect(back.searchParams.get('iss')).toBe(ISSUER);

      const tokens = await client.authorizationCodeGrant(config, back, { pkceCodeVerifier: started.verifier, expectedNonce: started.nonce, expectedState: started.state, idTokenExpected: true });
      const idToken = tokens.claims() as client.IDToken;
      expect(idToken).toMatchObject({ iss: ISSUER, sub: a.member.user.id, aud: web.clientId, nonce: started.nonce });
      // at_hash is OPTIONAL in an id_token from the token endpoint (OIDC Core §3.1.3.6) and oidc-provider puts it only
      // in id_tokens from the authorization endpoint (which response_type=code never issues): checked when present.
      if (idToken.at_hash !== undefined) expect(idToken.at_hash).toBe(atHash(tokens.access_token));
      expect(JSON.parse(Buffer.from((tokens.id_token as string).split('.')[0], 'base64url').toString())).toMatchObject({ alg: 'EdDSA' });
      expect(tokens.refresh_token).toEqual(expect.any(String));

      const info = await client.fetchUserInfo(config, tokens.access_token, a.member.user.id);
      expect(info).toMatchObject({ sub: a.member.user.id, email: a.member.username, email_verified: true, tenant: a.tenant, preferred_username: a.member.username });
      expect(info['groups']).toContain(a.group.name);
      expect(info['roles']).toEqual(expect.arrayContaining([expect.any(String)]));

      // The code again: invalid_grant, and the tokens it gave are revoked (RFC 6749 §4.1.2).
      await expect(client.authorizationCodeGrant(config, back, { pkceCodeVerifier: started.verifier, expectedNonce: started.nonce, expectedState: started.state })).rejects.toMatchObject({ error: 'invalid_grant' });
      await expect(client.fetchUserInfo(config, tokens.access_token, a.member.user.id)).rejects.toMatchObject({ status: 401 });
      await page.context().close();
    });

    it('roles and groups only when asked for', async () => {
      const config = await relyingParty(spa.clientId);
      const { tokens, page } = await codeFlow(config, a.member, { scope: 'openid email tenant', prompt: 'login' });
      const info = await client.fetchUserInfo(config, tokens.access_token, a.member.user.id);
      expect(info).toMatchObject({ sub: a.member.user.id, tenant: a.tenant, email_verified: true });
      expect(info).not.toHaveProperty('roles');
      expect(info).not.toHaveProperty('groups');
      await page.context().close();
    });

    it('refresh tokens rotate; a reused one revokes the grant: the new one fails too and the gateway refuses its access token', async () => {
      const config = await relyingParty(spa.clientId);
      const { tokens, page } = await codeFlow(config, a.member, { resource: `${ISSUER}/`, scope: 'openid offline_access tenant' });
      await page.context().close();
      const first = tokens.refresh_token as string;
      const second = await client.refreshTokenGrant(config, first, { resource: `${ISSUER}/` });
      expect(second.refresh_token).toEqual(expect.any(String));
      expect(second.refresh_token).not.toBe(first);
      const gatewayToken = second.access_token;
      expect(claimsOf(gatewayToken)).toMatchObject({ sub: a.member.user.id, sub_type: 'USER', tenant: a.tenant, aud: 'gatehouse', iss: ISSUER });
      await api().get(`/api/v1/${a.tenant}/groups`).set(...bearer(gatewayToken)).expect(200);

      // The first refresh token again: reuse. The grant is revoked, so the newest refresh token fails as well.
      await expect(client.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: 'invalid_grant' });
      await expect(client.refreshTokenGrant(config, second.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
      await api().get(`/api/v1/${a.tenant}/groups`).set(...bearer(gatewayToken)).expect(401);
    });

    it('introspection (RFC 7662) and revocation (RFC 7009): refresh tokens and opaque access tokens; a revoked refresh token is inactive and refused', async () => {
      const config = await relyingParty(web.clientId, web.clientSecret as string);
      const { tokens, page } = await codeFlow(config, a.member, {}, { consent: true });
      await page.context().close();
      const refresh = tokens.refresh_token as string;

      const ofRefresh = await client.tokenIntrospection(config, refresh);
      expect(ofRefresh).toMatchObject({ active: true, client_id: web.clientId, sub: a.member.user.id, iss: ISSUER });
      const ofAccess = await client.tokenIntrospection(config, tokens.access_token);
      expect(ofAccess).toMatchObject({ active: true, client_id: web.clientId, sub: a.member.user.id, token_type: 'Bearer' });
      expect(String(ofAccess.scope).split(' ')).toEqual(expect.arrayContaining(['openid', 'email']));
      expect(await client.tokenIntrospection(config, 'not-a-token')).toEqual({ active: false });
      // Neither token is kept in identity's tables: only hashes, so a dump or backup gives no usable token.
      const holding = await withTestDb(async (db) =>
        (await db.query(`SELECT model FROM identity.oidc_payloads WHERE id = ANY($1) OR payload::text LIKE '%' || $2 || '%' OR payload::text LIKE '%' || $3 || '%'`, [
          [refresh, tokens.access_token], refresh, tokens.access_token,
        ])).rows,
      );
      expect(holding).toEqual([]);

      // Revoking the opaque access token: userinfo refuses it, introspection says inactive.
      await client.tokenRevocation(config, tokens.access_token);
      expect(await client.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
      await expect(client.fetchUserInfo(config, tokens.access_token, a.member.user.id)).rejects.toMatchObject({ status: 401 });
      // Revoking the refresh token: inactive, and refreshing with it is invalid_grant.
      await client.tokenRevocation(config, refresh);
      expect(await client.tokenIntrospection(config, refresh)).toEqual({ active: false });
      await expect(client.refreshTokenGrant(config, refresh)).rejects.toMatchObject({ error: 'invalid_grant' });
      // Revoking an unknown token is not an error (RFC 7009 §2.2).
      await expect(client.tokenRevocation(config, 'not-a-token')).resolves.toBeUndefined();
    });

    it("RP-initiated logout through the console's page: end_session with id_token_hint and post_logout_redirect_uri; the session ends (prompt=none then needs a sign-in); the back-channel endpoint gets a logout token", async () => {
      expect(web.backchannelLogoutUri).toBe(BACKCHANNEL_URI);
      const config = await relyingParty(web.clientId, web.clientSecret as string);
      const { tokens, page } = await codeFlow(config, a.member, {}, { consent: true });
      const sid = claimsOf(tokens.id_token as string)['sid'];
      expect(sid).toEqual(expect.any(String));
      // Signed in at the provider: prompt=none goes straight back with a code.
      const silent = await startAuthorization(config, { prompt: 'none', scope: 'openid' });
      await page.goto(silent.url.href);
      expect((await callback(page)).searchParams.get('code')).toEqual(expect.any(String));

      const csp: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) csp.push(message.text());
      });
      const logout = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token as string, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'bye' });
      await page.goto(logout.href);
      // The console's page (its card), naming the application; the xsrf value is in the fragment, not the path or query.
      await page.waitForURL((url) => url.pathname === '/ui/oidc/logout');
      expect(new URL(page.url()).search).toBe('');
      await expect(page.getByTestId('oidc-client').textContent()).resolves.toContain(web.name);
      expect(logoutTokens).toEqual([]);
      await page.getByRole('button', { name: 'Sign out' }).click();
      const out = await callback(page, POST_LOGOUT_URI);
      expect(out.searchParams.get('state')).toBe('bye');
      expect(csp).toEqual([]);

      // Back-channel logout: one logout token, sent before the browser was sent back; verified against the JWKS.
      expect(logoutTokens).toHaveLength(1);
      const verified = await jwtVerify(logoutTokens[0], createRemoteJWKSet(new URL(`${ISSUER}/.well-known/jwks.json`)), {
        issuer: ISSUER,
        audience: web.clientId,
        typ: 'logout+jwt',
        algorithms: ['EdDSA'],
      });
      expect(verified.payload).toMatchObject({
        sub: a.member.user.id,
        sid,
        events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
        jti: expect.any(String),
        iat: expect.any(Number),
      });
      expect(verified.payload).not.toHaveProperty('nonce');

      const after = await startAuthorization(config, { prompt: 'none', scope: 'openid' });
      await page.goto(after.url.href);
      expect((await callback(page)).searchParams.get('error')).toBe('login_required');
      await page.context().close();
    });

    it("a logout without a post-logout redirect URI ends on the console's success page; Stay signed in keeps the Gatehouse session", async () => {
      const config = await relyingParty(spa.clientId);
      const { tokens, page } = await codeFlow(config, a.member);
      await page.goto(client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token as string }).href);
      await page.waitForURL((url) => url.pathname === '/ui/oidc/logout');
      await page.getByRole('button', { name: 'Stay signed in' }).click();
      await page.waitForURL((url) => url.pathname === '/ui/oidc/logout/done');
      await page.getByRole('heading', { name: 'Signed out' }).waitFor();
      await expect(page.getByTestId('oidc-client').textContent()).resolves.toContain(spa.name);
      await page.context().close();
    });

    it('a user of two tenants chooses one in the browser; the tenant parameter skips the choice', async () => {
      const both = await createUser(root);
      await bindRole(root, a.tenant, { roleId: (await rolesByName(root, a.tenant)).Viewer.id, subjectId: both.user.id });
      await bindRole(root, b.tenant, { roleId: (await rolesByName(root, b.tenant)).Viewer.id, subjectId: both.user.id });
      const config = await relyingParty(spa.clientId);

      const started = await startAuthorization(config);
      const page = await newPage(browser());
      await page.goto(started.url.href);
      await signInOnPage(page, both);
      await page.getByRole('button', { name: 'Continue' }).waitFor();
      const offered = await page.locator('input[name="tenant"]').evaluateAll((inputs) => inputs.map((i) => i.getAttribute('value')));
      expect(offered).toEqual(expect.arrayContaining([a.tenant, b.tenant]));
      await page.locator(`input[name="tenant"][value="${b.tenant}"]`).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      const back = await callback(page);
      const tokens = await client.authorizationCodeGrant(config, back, { pkceCodeVerifier: started.verifier, expectedNonce: started.nonce, expectedState: started.state });
      expect(await client.fetchUserInfo(config, tokens.access_token, both.user.id)).toMatchObject({ sub: both.user.id, tenant: b.tenant });
      await page.context().close();

      // tenant=<a>: no choice shown, straight back with a grant for tenant a.
      const { tokens: inA, page: second } = await codeFlow(config, both, { tenant: a.tenant });
      expect(await client.fetchUserInfo(config, inA.access_token, both.user.id)).toMatchObject({ sub: both.user.id, tenant: a.tenant });
      await second.context().close();
    });

    it('a user with an authenticator app: the page asks for its code after the password; the id_token says pwd+otp+mfa', async () => {
      const user = await createUser(root);
      await bindRole(root, a.tenant, { roleId: (await rolesByName(root, a.tenant)).Viewer.id, subjectId: user.user.id });
      const { secret } = (await api().post('/api/v1/me/mfa/totp').set(...bearer(user.token)).expect(201)).body as { secret: string };
      await api().post('/api/v1/me/mfa/totp/confirm').set(...bearer(user.token)).send({ code: generateSync({ secret }) }).expect(200);
      const config = await relyingParty(spa.clientId);

      const started = await startAuthorization(config);
      const page = await newPage(browser());
      await page.goto(started.url.href);
      await signInOnPage(page, user);
      // The password alone does not finish the sign-in: the second step, on the same page.
      await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
      expect(page.url()).not.toContain(REDIRECT_URI);
      const now = Math.floor(Date.now() / 1000);
      await page.getByLabel('Code from your authenticator app').fill(generateSync({ secret, epoch: now - (now % 30) + 31 }));
      await page.getByRole('button', { name: 'Verify' }).click();
      const back = await callback(page);
      const tokens = await client.authorizationCodeGrant(config, back, { pkceCodeVerifier: started.verifier, expectedNonce: started.nonce, expectedState: started.state, idTokenExpected: true });
      expect(tokens.claims()).toMatchObject({ sub: user.user.id, amr: ['pwd', 'otp', 'mfa'], acr: 'mfa' });
      await page.context().close();
    });
  });
});

/**
 * Bad input at every provider endpoint (raw HTTP: a relying party would not send it): each answers the RFC error
 * (RFC 6749 §5.2, RFC 7662, RFC 7009, OpenID Connect) or a 4xx, never a 5xx. Fixed seed, bounded runs.
 */
describe('OpenID Connect provider: bad input (fuzz)', () => {
  const RFC_ERRORS = new Set(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'invalid_token', 'invalid_target', 'invalid_redirect_uri', 'unsupported_token_type', 'unsupported_response_type', 'invalid_client_metadata', 'login_required']);
  let confidential: CreatedOAuthClient;
  let machine: CreatedOAuthClient;
  let basic: string;

  beforeAll(async () => {
    const root = await superAdminToken();
    const world = await createTenantWorld(root, 'opf');
    const create = async (body: object) =>
      (await api().post(`/api/v1/${world.tenant}/oauth-clients`).set(...bearer(world.admin.token)).send({ name: unique('fuzz'), ...body }).expect(201)).body as CreatedOAuthClient;
    confidential = await create({ type: 'confidential', redirectUris: ['http://127.0.0.1:9/cb'] });
    machine = await create({ type: 'confidential', ownerType: 'SERVICE_ACCOUNT', ownerId: world.serviceAccount.id });
    basic = `Basic ${Buffer.from(`${confidential.clientId}:${confidential.clientSecret}`).toString('base64')}`;
  }, 120_000);

  const send = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${ISSUER}${path}`, { method, redirect: 'manual', headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    return { status: response.status, json, location: response.headers.get('location') };
  };
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

  it.each([
    ['no grant_type', 'POST', '/oidc/token', '', FORM, 400, 'invalid_request'],
    ['unknown grant_type', 'POST', '/oidc/token', 'grant_type=password&username=a&password=b', FORM, 400, 'unsupported_grant_type'],
    ['a JSON body', 'POST', '/oidc/token', '{"grant_type":"client_credentials"}', { 'content-type': 'application/json' }, 400, 'invalid_request'],
    ['garbage code', 'POST', '/oidc/token', 'grant_type=authorization_code&code=nope&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&code_verifier=' + 'a'.repeat(43), FORM, 400, 'invalid_grant'],
    ['garbage refresh token', 'POST', '/oidc/token', 'grant_type=refresh_token&refresh_token=nope', FORM, 400, 'invalid_grant'],
    ['a parameter twice', 'POST', '/oidc/token', 'grant_type=refresh_token&grant_type=refresh_token&refresh_token=x', FORM, 400, 'invalid_request'],
    ['introspection without token', 'POST', '/oidc/token/introspection', '', FORM, 400, 'invalid_request'],
    ['revocation without token', 'POST', '/oidc/token/revocation', '', FORM, 400, 'invalid_request'],
    ['revocation of an unknown token type hint', 'POST', '/oidc/token/revocation', 'token=x&token_type_hint=nonsense', FORM, 200, undefined],
  ])('token endpoints, %s: the RFC error', async (_name, method, path, body, headers, status, error) => {
    const answer = await send(method, path, body, { ...headers, authorization: basic });
    expect(answer.status).toBe(status);
    if (error) expect(answer.json).toMatchObject({ error });
  });

  it('client authentication: none, a wrong secret, an unknown client are invalid_client (401)', async () => {
    for (const authorization of [undefined, `Basic ${Buffer.from(`${confidential.clientId}:wrong`).toString('base64')}`, `Basic ${Buffer.from('nobody:x').toString('base64')}`, 'Basic %%%']) {
      const answer = await send('POST', '/oidc/token', 'grant_type=client_credentials', { ...FORM, ...(authorization ? { authorization } : {}) });
      expect([400, 401]).toContain(answer.status);
      expect(answer.json?.['error']).toMatch(/^invalid_(client|request)$/);
    }
  });

  it('a JWT access token (client credentials, any token for the gateway) is neither introspected nor revoked: unsupported_token_type', async () => {
    const machineBasic = `Basic ${Buffer.from(`${machine.clientId}:${machine.clientSecret}`).toString('base64')}`;
    const issued = await send('POST', '/oidc/token', 'grant_type=client_credentials', { ...FORM, authorization: machineBasic });
    expect(issued.status).toBe(200);
    const token = issued.json?.['access_token'] as string;
    // oidc-provider keeps no record of structured tokens: the gateway verifies them itself (docs/oidc.md).
    for (const path of ['/oidc/token/introspection', '/oidc/token/revocation']) {
      const answer = await send('POST', path, `token=${encodeURIComponent(token)}`, { ...FORM, authorization: machineBasic });
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ error: 'unsupported_token_type' });
    }
  });

  it('authorization and logout: unknown client, missing parameters, garbage: an error answer, never 5xx', async () => {
    expect((await send('GET', '/oidc/auth')).status).toBe(400);
    expect((await send('GET', `/oidc/auth?client_id=nobody&response_type=code&scope=openid`)).json).toMatchObject({ error: 'invalid_client' });
    const badType = await send('GET', `/oidc/auth?client_id=${confidential.clientId}&response_type=token&scope=openid&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/cb')}`);
    expect(badType.status).toBeLessThan(500);
    expect((await send('GET', '/oidc/session/end?id_token_hint=garbage')).status).toBe(400);
    expect((await send('GET', '/oidc/auth/not-an-interaction')).status).toBeLessThan(500);
    expect((await send('GET', '/oidc/userinfo', undefined, { authorization: 'Bearer garbage' })).status).toBe(401);
  });

  it('random bodies, content types and huge values at every POST endpoint: never 5xx', async () => {
    const paths = ['/oidc/token', '/oidc/token/introspection', '/oidc/token/revocation', '/oidc/userinfo', '/oidc/session/end', '/oidc/auth'];
    const contentTypes = ['application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded; charset=utf-16'];
    const pairs = fc.dictionary(fc.constantFrom('grant_type', 'code', 'refresh_token', 'token', 'client_id', 'client_secret', 'scope', 'redirect_uri', 'code_verifier', 'resource', 'token_type_hint', 'id_token_hint', 'tenant', 'x'), fc.oneof(fc.string(), fc.string({ minLength: 2000, maxLength: 8000 }), fc.constant('\u0000'), fc.constant('%ZZ')));
    const body = fc.oneof(pairs.map((p) => new URLSearchParams(p).toString()), fc.string(), fc.constant('x'.repeat(70_000)), fc.constant('{"a":'));
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.constantFrom(...contentTypes), body, fc.boolean(), async (path, contentType, payload, authenticated) => {
        tried++;
        const answer = await send('POST', path, payload, { 'content-type': contentType, ...(authenticated ? { authorization: basic } : {}) });
        if (answer.status >= 500) throw new Error(`${path} (${contentType}) answered ${answer.status}: ${JSON.stringify(answer.json)}`);
        if (typeof answer.json?.['error'] === 'string' && answer.status < 413) expect(RFC_ERRORS).toContain(answer.json['error']);
      }),
      { seed: 20261207, numRuns: 120 },
    );
    expect(tried).toBe(120);
  });
});
