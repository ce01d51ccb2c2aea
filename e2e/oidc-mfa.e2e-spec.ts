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

  async function start(config: client.Configuration) {
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
    });
    const browser = new Browser();
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
