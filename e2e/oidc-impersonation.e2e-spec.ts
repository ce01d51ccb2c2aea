import type { AuditLogView, ImpersonationToken, Page } from '@gatehouse/contracts';
import {
  api, bearer, bindRole, createRole, createTenantWorld, createUser, eventually, rolesByName, superAdminToken, TenantWorld, TestUser, unique,
} from '@gatehouse/testing';
import * as oidc from 'openid-client';
import { generateSync } from 'otplib';

/**
 * Impersonation (docs/oidc.md): the provider's RFC 8693 token exchange through the gateway, driven by
 * openid-client (a certified relying party: its generic grant request), and the console's API
 * `POST {t}/users/{id}/impersonate`. The grant guard decides (docs/access-model.md); the token acts as the
 * user with an `act` claim naming the actor, in its tenant only, and what it does is audited as the user
 * with the actor recorded.
 */
jest.setTimeout(120_000);

/** JWT_ISSUER: the gateway's URL in e2e (TestSystem.publicUrl). */
const ISSUER = process.env.E2E_ISSUER as string;
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;

describe('OIDC impersonation (token exchange)', () => {
  let root: string;
  let a: TenantWorld;
  let b: TenantWorld;
  let viewer: TestUser;
  let groupie: TestUser;
  let support: TestUser;
  let superViewer: TestUser;
  let config: oidc.Configuration;

  const as = (token: string) => ({
    get: (path: string, query: Record<string, string> = {}) => api().get(path).query(query).set(...bearer(token)),
    post: (path: string, body: object = {}) => api().post(path).set(...bearer(token)).send(body),
    put: (path: string, body: object = {}) => api().put(path).set(...bearer(token)).send(body),
  });
  /** The exchange, as openid-client sends it; resolves to the RFC error body (with `rule`) when refused. */
  const exchange = async (subjectToken: string, requestedSubject: string, extra: Record<string, string> = {}) => {
    try {
      return { ok: await oidc.genericGrantRequest(config, TOKEN_EXCHANGE, { subject_token: subjectToken, subject_token_type: ACCESS_TOKEN, requested_subject: requestedSubject, ...extra }) };
    } catch (error) {
      const e = error as oidc.ResponseBodyError;
      if (!(e instanceof oidc.ResponseBodyError)) throw error;
      return { refused: { status: e.status, error: e.error, rule: (e.cause as Record<string, unknown>)['rule'] } };
    }
  };
  /** An exchange that must succeed: its token endpoint response. */
  const granted = async (subjectToken: string, requestedSubject: string) => {
    const { ok, refused } = await exchange(subjectToken, requestedSubject);
    if (!ok) throw new Error(`exchange refused: ${JSON.stringify(refused)}`);
    return ok;
  };
  /** The newest audit entry of tenant A matching the query (and `which`), once tenancy has stored it. */
  const auditOf = (query: Record<string, string>, which: (entry: AuditLogView) => boolean = () => true) =>
    eventually(async () => {
      const page = (await as(a.admin.token).get(`/api/v1/${a.tenant}/auditlogs/search`, query)).body as Page<AuditLogView>;
      return page.results?.find(which);
    });

  beforeAll(async () => {
    root = await superAdminToken();
    a = await createTenantWorld(root, 'ima');
    b = await createTenantWorld(root, 'imb');
    const roles = await rolesByName(root, a.tenant);
    viewer = await createUser(root);
    await bindRole(root, a.tenant, { roleId: roles.Viewer.id, subjectId: viewer.user.id });
    groupie = await createUser(root);
    const groups = await createRole(root, a.tenant, { name: unique('groups'), permissions: { GROUP: ['CREATE', 'READ'] } });
    await bindRole(root, a.tenant, { roleId: groups.id, subjectId: groupie.user.id });
    // Holds IMPERSONATE and what a Viewer holds, not an Admin's powers.
    support = await createUser(root);
    const supportRole = await createRole(root, a.tenant, { name: unique('support'), permissions: { ...roles.Viewer.permissions, IMPERSONATE: ['CREATE'] } });
    await bindRole(root, a.tenant, { roleId: supportRole.id, subjectId: support.user.id });
    superViewer = await createUser(root, { superAdmin: true });
    await bindRole(root, a.tenant, { roleId: roles.Viewer.id, subjectId: superViewer.user.id });

    const client = await as(a.admin.token).post(`/api/v1/${a.tenant}/oauth-clients`, { name: unique('support-desk'), type: 'confidential', grantTypes: [TOKEN_EXCHANGE] });
    expect(client.status).toBe(201);
    // The issuer is the gateway's URL (plain http in tests).
    config = await oidc.discovery(new URL(ISSUER), client.body.clientId, undefined, oidc.ClientSecretBasic(client.body.clientSecret), {
      execute: [oidc.allowInsecureRequests],
    });
  }, 120_000);

  it('advertises the token-exchange grant', () => {
    expect(config.serverMetadata().grant_types_supported).toContain(TOKEN_EXCHANGE);
  });

  it('an Admin holding IMPERSONATE acts as a Viewer: act names the admin, the gateway sees the Viewer, the start is audited', async () => {
    const ok = await granted(a.admin.token, viewer.user.id);
    expect(ok).toMatchObject({ issued_token_type: ACCESS_TOKEN });
    expect(ok.token_type.toLowerCase()).toBe('bearer');
    expect(ok.refresh_token).toBeUndefined();
    expect(ok.expires_in).toBeLessThanOrEqual(300);
    const claims = claimsOf(ok.access_token);
    expect(claims).toMatchObject({ sub: viewer.user.id, act: { sub: a.admin.user.id }, tenant: a.tenant, iss: ISSUER });

    expect((await as(ok.access_token).get('/api/v1/me').expect(200)).body.id).toBe(viewer.user.id);
    await as(ok.access_token).get(`/api/v1/${a.tenant}/settings/me`).expect(200);
    // The Viewer's powers, not the admin's.
    await as(a.admin.token).get(`/api/v1/${a.tenant}/groups`).expect(200);
    expect((await as(ok.access_token).get(`/api/v1/${a.tenant}/groups`)).status).toBe(403);

    const started = await auditOf({ type: 'IMPERSONATE', resourceId: viewer.user.id });
    expect(started).toMatchObject({ actor: { id: a.admin.user.id }, resourceType: 'USER', details: { via: 'token-exchange', username: viewer.username } });
  });

  it('what is done under the impersonation is audited as the user, with the actor recorded', async () => {
    const token = (await granted(a.admin.token, groupie.user.id)).access_token;
    const group = await as(token).post(`/api/v1/${a.tenant}/groups`, { name: unique('as-groupie') });
    expect(group.status).toBe(201);
    const entry = await auditOf({ resourceId: group.body.id });
    expect(entry).toMatchObject({
      type: 'CREATE',
      actor: { type: 'USER', id: groupie.user.id, username: groupie.username },
      impersonator: { type: 'USER', id: a.admin.user.id, username: a.admin.username },
    });
    // The actor's own trail shows it too.
    expect((await auditOf({ actor: a.admin.user.id, resourceId: group.body.id })).id).toBe(entry.id);
  });

  it('the token is good in its tenant only, and mints no lasting credential', async () => {
    const token = (await granted(a.admin.token, viewer.user.id)).access_token;
    const elsewhere = await as(token).get(`/api/v1/${b.tenant}/roles`);
    expect({ status: elsewhere.status, rule: elsewhere.body.rule }).toEqual({ status: 403, rule: 'impersonation-tenant' });
    const password = await as(token).put('/api/v1/me/password', { currentPassword: viewer.password, newPassword: 'Another-Pass-42x' });
    expect({ status: password.status, rule: password.body.rule }).toEqual({ status: 403, rule: 'impersonation-tenant' });
    const apiToken = await as(token).post('/api/v1/me/api-tokens', { name: unique('keep') });
    expect({ status: apiToken.status, rule: apiToken.body.rule }).toEqual({ status: 403, rule: 'impersonation-tenant' });
    // Not a subject token for another impersonation.
    expect((await exchange(token, groupie.user.id)).refused).toMatchObject({ status: 400, error: 'invalid_request' });
  });

  it('is refused per the grant guard', async () => {
    // No IMPERSONATE.
    expect((await exchange(a.member.token, viewer.user.id)).refused).toEqual({ status: 400, error: 'invalid_request', rule: 'missing-permission' });
    // The target holds more than the actor (an Admin, for a Viewer-plus-IMPERSONATE actor).
    expect((await exchange(support.token, a.admin.user.id)).refused).toEqual({ status: 400, error: 'invalid_request', rule: 'no-credential-escalation' });
    expect((await exchange(support.token, viewer.user.id)).ok?.access_token).toEqual(expect.any(String));
    // A user of another tenant only.
    expect((await exchange(a.admin.token, b.admin.user.id)).refused).toMatchObject({ status: 400, error: 'invalid_request' });
    // Oneself.
    expect((await exchange(a.admin.token, a.admin.user.id)).refused).toEqual({ status: 400, error: 'invalid_request', rule: 'no-self-impersonation' });
    // A Super Admin, for a non-Super Admin.
    expect((await exchange(a.admin.token, superViewer.user.id)).refused).toEqual({ status: 400, error: 'invalid_request', rule: 'no-credential-escalation' });
  });

  it('asks an actor with a second factor for a recent one (step-up), as the gateway does for the console\'s route', async () => {
    const roles = await rolesByName(root, a.tenant);
    const stepper = await createUser(root);
    const desk = await createRole(root, a.tenant, { name: unique('desk'), permissions: { ...roles.Viewer.permissions, IMPERSONATE: ['CREATE'] } });
    await bindRole(root, a.tenant, { roleId: desk.id, subjectId: stepper.user.id });
    // A session signed in with the password, then the user sets up an authenticator app: it has presented no factor.
    const pair = (await api().post('/api/v1/login').send({ username: stepper.username, password: stepper.password }).expect(200)).body;
    const { secret } = (await as(pair.accessToken).post('/api/v1/me/mfa/totp')).body;
    const code = (offset = 0) => {
      const now = Math.floor(Date.now() / 1000);
      return generateSync({ secret, epoch: now - (now % 30) + offset * 30 + 1 });
    };
    expect((await as(pair.accessToken).post('/api/v1/me/mfa/totp/confirm', { code: code() })).status).toBe(200);
    const stale = (await api().post('/api/v1/token/refresh').send({ refreshToken: pair.refreshToken }).expect(200)).body.accessToken;
    expect(claimsOf(stale)).toMatchObject({ mfa_enrolled: true });

    try {
      await oidc.genericGrantRequest(config, TOKEN_EXCHANGE, { subject_token: stale, subject_token_type: ACCESS_TOKEN, requested_subject: viewer.user.id });
      throw new Error('the exchange was granted');
    } catch (error) {
      expect(error).toBeInstanceOf(oidc.ResponseBodyError);
      expect(error).toMatchObject({ status: 400, error: 'invalid_request', error_description: expect.stringContaining('step up first') });
    }
    // The console's route says the same, the gateway's way.
    expect((await as(stale).post(`/api/v1/${a.tenant}/users/${viewer.user.id}/impersonate`)).status).toBe(401);

    const started = (await as(stale).post('/api/v1/me/mfa/step-up/start')).body;
    const stepped = (await as(stale).post('/api/v1/me/mfa/step-up', { mfaToken: started.mfaToken, code: code(1) })).body.accessToken;
    expect((await granted(stepped, viewer.user.id)).access_token).toEqual(expect.any(String));
  });

  it('answers bad input with the RFC errors, never 5xx', async () => {
    const bad = async (params: Record<string, string>) => (await exchange(params['subject_token'] ?? '', params['requested_subject'] ?? viewer.user.id, params)).refused;
    expect(await bad({ subject_token: '' })).toMatchObject({ status: 400, error: 'invalid_request' });
    expect(await bad({ subject_token: 'not-a-token' })).toMatchObject({ status: 400, error: 'invalid_request' });
    expect(await bad({ subject_token: a.admin.token, subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' })).toMatchObject({ status: 400, error: 'invalid_request' });
    expect(await bad({ subject_token: a.admin.token, requested_subject: 'alice' })).toMatchObject({ status: 400, error: 'invalid_request' });
    expect(await bad({ subject_token: a.admin.token, requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' })).toMatchObject({ status: 400, error: 'invalid_request' });
    expect(await bad({ subject_token: a.admin.token, actor_token: a.admin.token, actor_token_type: ACCESS_TOKEN })).toMatchObject({ status: 400, error: 'invalid_request' });
    expect(await bad({ subject_token: a.admin.token, audience: 'elsewhere' })).toMatchObject({ status: 400, error: 'invalid_target' });
    // Outside what openid-client would send: a JSON body, no client authentication.
    const json = await api().post('/oidc/token').send({ grant_type: TOKEN_EXCHANGE, subject_token: a.admin.token });
    expect(json.status).toBeLessThan(500);
    expect(json.body.error).toEqual(expect.any(String));
    const anonymous = await api().post('/oidc/token').type('form').send({ grant_type: TOKEN_EXCHANGE, subject_token: a.admin.token, subject_token_type: ACCESS_TOKEN, requested_subject: viewer.user.id });
    expect({ status: anonymous.status, error: anonymous.body.error }).toEqual({ status: 400, error: 'invalid_request' });
  });

  it("the console's API performs the same exchange for the signed-in admin, with the guard's 403s", async () => {
    const started = await as(a.admin.token).post(`/api/v1/${a.tenant}/users/${viewer.user.id}/impersonate`);
    expect(started.status).toBeLessThan(300);
    const body = started.body as ImpersonationToken;
    expect(body).toMatchObject({ tokenType: 'Bearer', user: { id: viewer.user.id, username: viewer.username }, impersonator: { id: a.admin.user.id }, tenantId: a.tenant });
    expect(claimsOf(body.accessToken)).toMatchObject({ sub: viewer.user.id, act: { sub: a.admin.user.id } });
    expect((await as(body.accessToken).get('/api/v1/me').expect(200)).body.id).toBe(viewer.user.id);
    const entry = await auditOf({ type: 'IMPERSONATE', actor: a.admin.user.id, resourceId: viewer.user.id }, (e) => e.details?.['tokenId'] === claimsOf(body.accessToken)['jti']);
    expect(entry).toMatchObject({ details: { via: 'api' } });

    const refused = async (token: string, userId: string) => {
      const response = await as(token).post(`/api/v1/${a.tenant}/users/${userId}/impersonate`);
      return { status: response.status, rule: response.body.rule };
    };
    expect(await refused(a.member.token, viewer.user.id)).toMatchObject({ status: 403 });
    expect(await refused(support.token, a.admin.user.id)).toEqual({ status: 403, rule: 'no-credential-escalation' });
    expect(await refused(a.admin.token, a.admin.user.id)).toEqual({ status: 403, rule: 'no-self-impersonation' });
    expect(await refused(a.admin.token, superViewer.user.id)).toEqual({ status: 403, rule: 'no-credential-escalation' });
    expect((await refused(a.admin.token, b.admin.user.id)).status).toBe(404);
    expect(await refused(body.accessToken, groupie.user.id)).toMatchObject({ status: 403 });
  });
});
