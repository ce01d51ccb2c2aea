import type { CreatedOAuthClient } from '@gatehouse/contracts';
import { api, bearer, bindRole, createTenantWorld, rolesByName, superAdminToken, TenantWorld, unique } from '@gatehouse/testing';
import * as client from 'openid-client';

/**
 * The OpenID Connect provider (docs/oidc.md) driven by openid-client, a certified relying party: no OAuth
 * request here is written by hand. The issuer, JWT_ISSUER, is the gateway's URL (TestSystem.publicUrl), so
 * the relying party and the browser reach the provider at the URLs it advertises.
 */
jest.setTimeout(180_000);

const ISSUER = process.env.E2E_ISSUER as string;
const REDIRECT_URI = 'http://127.0.0.1:65001/callback';
const POST_LOGOUT_URI = 'http://127.0.0.1:65001/signed-out';

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

describe('OpenID Connect provider (openid-client)', () => {
  let root: string;
  let a: TenantWorld;
  let b: TenantWorld;
  let web: CreatedOAuthClient;
  let spa: CreatedOAuthClient;

  const createClient = async (world: TenantWorld, body: object): Promise<CreatedOAuthClient> =>
    (await api().post(`/api/v1/${world.tenant}/oauth-clients`).set(...bearer(world.admin.token)).send({ name: unique('rp'), ...body }).expect(201)).body as CreatedOAuthClient;

  beforeAll(async () => {
    root = await superAdminToken();
    a = await createTenantWorld(root, 'opa');
    b = await createTenantWorld(root, 'opb');
    const scopes = ['openid', 'profile', 'email', 'offline_access', 'tenant', 'roles', 'groups'];
    web = await createClient(a, { type: 'confidential', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [POST_LOGOUT_URI], scopes });
    spa = await createClient(a, { type: 'public', redirectUris: [REDIRECT_URI], scopes, firstParty: true });
  }, 180_000);

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

    const started = await startAuthorization(config, { redirect_uri: 'http://127.0.0.1:65001/other' });
    const wrongUri = await fetch(started.url.href, { redirect: 'manual' });
    expect(wrongUri.status).toBe(400);
    expect(wrongUri.headers.get('location')).toBeNull();
    expect(await wrongUri.json()).toMatchObject({ error: 'invalid_redirect_uri' });
  });
});
