import type { CreatedOAuthClient } from '@gatehouse/contracts';
import { MFA_PROBLEMS } from '@gatehouse/contracts';
import { api, bearer, bindRole, createTenant, createUser, rolesByName, superAdminToken, TestUser, unique } from '@gatehouse/testing';
import * as client from 'openid-client';
import { generateSync } from 'otplib';

/**
 * The OpenID Connect provider's sign-in asks for the second factor like /api/v1/session: the interaction
 * endpoints are driven over HTTP with the browser's cookies (the console's page makes the same calls; the
 * Chromium run is in oidc-provider), to try what a page would not send; the authorization URL, PKCE and
 * the code exchange are openid-client's.
 */
jest.setTimeout(180_000);

const ISSUER = process.env.E2E_ISSUER as string;
const REDIRECT_URI = 'http://127.0.0.1:65001/callback';

const gateway = (): string => {
  const url = process.env.GATEHOUSE_URL;
  if (!url) throw new Error('GATEHOUSE_URL is not set');
  return url;
};
const toGateway = (url: string): string => (url.startsWith(ISSUER) ? gateway() + url.slice(ISSUER.length) : url.startsWith('/') ? gateway() + url : url);
const typeOf = (body: { type?: string }) => body.type?.split('/').pop();
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));

function totp(secret: string, offset = 0): string {
  const now = Math.floor(Date.now() / 1000);
  return generateSync({ secret, epoch: now - (now % 30) + offset * 30 + 1 });
}

async function relyingParty(clientId: string): Promise<client.Configuration> {
  const fetcher: client.CustomFetch = (url, options) => fetch(toGateway(url), options as RequestInit);
  const config = await client.discovery(new URL(ISSUER), clientId, { token_endpoint_auth_method: 'none' }, client.None(), {
    execute: [client.allowInsecureRequests],
    [client.customFetch]: fetcher,
  });
  config[client.customFetch] = fetcher;
  return config;
}

/** A browser's cookies for the provider (names only: the paths are the provider's business). */
class Browser {
  private readonly jar = new Map<string, string>();

  async request(method: string, url: string, body?: object): Promise<Response> {
    const response = await fetch(toGateway(url), {
      method,
      redirect: 'manual',
      headers: { cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair.indexOf('=');
      this.jar.set(pair.slice(0, index), pair.slice(index + 1));
    }
    return response;
  }
}

describe('OpenID Connect sign-in with a second factor', () => {
  let tenant: string;
  let user: TestUser;
  let secret: string;
  let rp: CreatedOAuthClient;

  beforeAll(async () => {
    const root = await superAdminToken();
    user = await createUser(root, { username: `${unique('oidc-mfa')}@gatehouse.test` });
    tenant = (await createTenant(root, { id: unique('oidcmfa').toLowerCase().slice(0, 40), adminUser: user.username })).id;
    rp = (await api().post(`/api/v1/${tenant}/oauth-clients`).set(...bearer(user.token))
      .send({ name: unique('rp'), type: 'public', redirectUris: [REDIRECT_URI], scopes: ['openid', 'profile', 'tenant'], firstParty: true }).expect(201)).body;
    const enrolment = await api().post('/api/v1/me/mfa/totp').set(...bearer(user.token)).expect(201);
    secret = enrolment.body.secret;
    await api().post('/api/v1/me/mfa/totp/confirm').set(...bearer(user.token)).send({ code: totp(secret) }).expect(200);
  });

  async function start(config: client.Configuration, extra: Record<string, string> = {}, browser = new Browser()) {
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile tenant',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
      tenant,
      ...extra,
    });
    const toInteraction = await browser.request('GET', url.href);
    expect(toInteraction.status).toBe(303);
    const uid = /\/oidc\/interaction\/([\w-]+)$/.exec(toInteraction.headers.get('location') ?? '')?.[1];
    expect(uid).toBeDefined();
    return { browser, base: `/oidc/interaction/${uid}`, verifier, nonce, state };
  }

  it('a TOTP user cannot finish with the password alone; with the code they can, and the tokens say pwd+otp+mfa', async () => {
    const config = await relyingParty(rp.clientId);
    const { browser, base, verifier, nonce, state } = await start(config);

    // The password alone: the second step's problem, and the interaction stays at the sign-in.
    const login = await browser.request('POST', `${base}/login`, { username: user.username, password: user.password });
    expect(login.status).toBe(401);
    const step = (await login.json()) as { type: string; mfaToken: string; factors: string[] };
    expect(typeOf(step)).toBe(MFA_PROBLEMS.mfaRequired);
    expect(step.factors).toContain('totp');
    expect(await (await browser.request('GET', `${base}/details`)).json()).toMatchObject({ step: 'login' });
    expect((await browser.request('POST', `${base}/consent`, {})).status).toBe(400);
    expect((await browser.request('POST', `${base}/tenant`, { tenant })).status).toBe(400);

    // Bad input names the field; a wrong code is refused and signs nobody in.
    const malformed = await browser.request('POST', `${base}/mfa`, { mfaToken: step.mfaToken, code: 'abc' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { errors: Array<{ field: string }> }).errors).toEqual([expect.objectContaining({ field: 'code' })]);
    const wrong = await browser.request('POST', `${base}/mfa`, { mfaToken: step.mfaToken, code: totp(secret, 5) });
    expect(wrong.status).toBe(401);
    expect(typeOf((await wrong.json()) as { type: string })).toBe(MFA_PROBLEMS.invalidSecondFactor);

    const mfa = await browser.request('POST', `${base}/mfa`, { mfaToken: step.mfaToken, code: totp(secret, 1) });
    expect(mfa.status).toBe(200);
    const { redirectTo } = (await mfa.json()) as { redirectTo: string };
    let location = redirectTo;
    for (let hops = 0; hops < 5 && !location.startsWith(REDIRECT_URI); hops++) {
      const next = await browser.request('GET', location);
      expect([302, 303]).toContain(next.status);
      location = next.headers.get('location') as string;
    }
    expect(location.startsWith(`${REDIRECT_URI}?`)).toBe(true);

    const tokens = await client.authorizationCodeGrant(config, new URL(location), { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
    expect(tokens.claims()).toMatchObject({ sub: user.user.id, amr: ['pwd', 'otp', 'mfa'], acr: 'mfa' });
  });

  /** Follows the provider's redirects from an interaction's answer to the client's callback. */
  async function toCallback(browser: Browser, from: string): Promise<URL> {
    let location = from;
    for (let hops = 0; hops < 5 && !location.startsWith(REDIRECT_URI); hops++) location = (await browser.request('GET', location)).headers.get('location') as string;
    expect(location.startsWith(`${REDIRECT_URI}?`)).toBe(true);
    return new URL(location);
  }

  it('step-up for the provider\'s access tokens: a sign-in that presented no factor is answered insufficient_user_authentication (RFC 9470); authorizing again with max_age asks for the factor and satisfies it', async () => {
    const root = await superAdminToken();
    const later = await createUser(root);
    await bindRole(root, tenant, { roleId: (await rolesByName(root, tenant)).Admin.id, subjectId: later.user.id });
    const config = await relyingParty(rp.clientId);
    const forGateway = { resource: `${ISSUER}/` };

    // Signed in at the provider with the password alone, before the user had a factor.
    const first = await start(config, forGateway);
    const login = await first.browser.request('POST', `${first.base}/login`, { username: later.username, password: later.password });
    expect(login.status).toBe(200);
    const early = await client.authorizationCodeGrant(config, await toCallback(first.browser, ((await login.json()) as { redirectTo: string }).redirectTo), {
      pkceCodeVerifier: first.verifier, expectedNonce: first.nonce, expectedState: first.state,
    }, forGateway);
    expect(claimsOf(early.access_token)).not.toHaveProperty('mfa_enrolled');

    // The user sets up an authenticator app (in the console); the provider's session still says pwd.
    const { secret: laterSecret } = (await api().post('/api/v1/me/mfa/totp').set(...bearer(later.token)).expect(201)).body;
    await api().post('/api/v1/me/mfa/totp/confirm').set(...bearer(later.token)).send({ code: totp(laterSecret) }).expect(200);
    const again = await signInSilently(config, first.browser, forGateway);
    const stale = again.access_token;
    expect(claimsOf(stale)).toMatchObject({ sub: later.user.id, mfa_enrolled: true, client_id: rp.clientId, amr: ['pwd'] });
    expect(claimsOf(stale)).not.toHaveProperty('auth_time');

    // A sensitive action: refused with the standard challenge; the console's in-place step-up is not for this token.
    const refused = await api().post('/api/v1/me/mfa/recovery-codes').set(...bearer(stale)).expect(401);
    expect(typeOf(refused.body)).toBe(MFA_PROBLEMS.stepUpRequired);
    expect(refused.body.detail).toContain('authorization endpoint');
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer error="insufficient_user_authentication", error_description="[^"]+", max_age=\d+$/);
    const inPlace = await api().post('/api/v1/me/mfa/step-up/start').set(...bearer(stale)).expect(403);
    expect(inPlace.body.detail).toContain(rp.clientId);

    // Authorizing again with max_age=0: the password and now the second factor; the new token carries auth_time.
    const fresh = await start(config, { ...forGateway, max_age: '0' }, first.browser);
    const password = await fresh.browser.request('POST', `${fresh.base}/login`, { username: later.username, password: later.password });
    expect(password.status).toBe(401);
    const step = (await password.json()) as { mfaToken: string };
    const mfa = await fresh.browser.request('POST', `${fresh.base}/mfa`, { mfaToken: step.mfaToken, code: totp(laterSecret, 1) });
    expect(mfa.status).toBe(200);
    const stepped = await client.authorizationCodeGrant(config, await toCallback(fresh.browser, ((await mfa.json()) as { redirectTo: string }).redirectTo), {
      pkceCodeVerifier: fresh.verifier, expectedNonce: fresh.nonce, expectedState: fresh.state, maxAge: 0,
    }, forGateway);
    const claims = claimsOf(stepped.access_token);
    expect(claims).toMatchObject({ mfa_enrolled: true, acr: 'mfa' });
    expect(Math.abs(claims.auth_time - Date.now() / 1000)).toBeLessThan(60);
    const codes = await api().post('/api/v1/me/mfa/recovery-codes').set(...bearer(stepped.access_token)).expect(200);
    expect(codes.body.codes ?? codes.body.recoveryCodes).toEqual(expect.any(Array));
  });

  /** An authorization the provider answers without an interaction (its session and the grant are there): the code at once. */
  async function signInSilently(config: client.Configuration, browser: Browser, extra: Record<string, string>) {
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI, scope: 'openid profile tenant', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', nonce, state, tenant, ...extra,
    });
    const callback = await toCallback(browser, url.href);
    return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state }, extra);
  }

  it('a user without a factor signs in with the password alone: amr pwd, acr pwd', async () => {
    const root = await superAdminToken();
    const plain = await createUser(root);
    await bindRole(root, tenant, { roleId: (await rolesByName(root, tenant)).Admin.id, subjectId: plain.user.id });
    const config = await relyingParty(rp.clientId);
    const { browser, base, verifier, nonce, state } = await start(config);
    const login = await browser.request('POST', `${base}/login`, { username: plain.username, password: plain.password });
    const answer = (await login.json()) as { redirectTo: string };
    expect([login.status, answer]).toEqual([200, { redirectTo: expect.any(String) }]);
    let location = answer.redirectTo;
    for (let hops = 0; hops < 5 && !location.startsWith(REDIRECT_URI); hops++) location = (await browser.request('GET', location)).headers.get('location') as string;
    const tokens = await client.authorizationCodeGrant(config, new URL(location), { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
    expect(tokens.claims()).toMatchObject({ sub: plain.user.id, amr: ['pwd'], acr: 'pwd' });
  });

});
