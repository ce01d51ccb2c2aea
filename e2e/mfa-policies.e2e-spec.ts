import { MFA_PROBLEMS } from '@gatehouse/contracts';
import { api, basic, bearer, bindRole, createTenant, createUser, rolesByName, superAdminSuite, TestUser, unique } from '@gatehouse/testing';
import { generateSync } from 'otplib';
import { gatehouse, json } from './cli-support';

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
const typeOf = (body: { type?: string }) => body.type?.split('/').pop();
const csrf: [string, string] = ['x-gatehouse-csrf', '1'];

/**
 * MFA policies (docs/mfa.md): a tenant's Admin sets "required for admins"; at the next sign-in an Admin
 * without a factor gets a session good for setting one up only, and the full session once it is set up.
 */
describe('MFA policies', () => {
  const suite = superAdminSuite();
  let tenant: string;
  let admin: TestUser;
  let viewer: TestUser;

  beforeAll(async () => {
    admin = await createUser(suite.admin, { username: `${unique('policy-admin')}@gatehouse.test` });
    tenant = (await createTenant(suite.admin, { id: unique('mfapol').toLowerCase().slice(0, 40), adminUser: admin.username })).id;
    viewer = await createUser(suite.admin);
    await bindRole(suite.admin, tenant, { roleId: (await rolesByName(suite.admin, tenant)).Viewer.id, subjectId: viewer.user.id });
  });

  afterAll(async () => {
    // Other suites share the instance: the tenant goes back to the instance's policy.
    await api().put(`/api/v1/${tenant}/mfa-policy`).set(...bearer(suite.admin)).send({ policy: null });
  });

  it('reads the instance default; only an Admin of the tenant (or an instance admin) sets it; bad input names the field', async () => {
    expect((await api().get(`/api/v1/${tenant}/mfa-policy`).set(...bearer(admin.token)).expect(200)).body)
      .toEqual({ policy: 'optional', source: 'instance', tenantPolicy: null, instanceDefault: 'optional' });
    const bad = await api().put(`/api/v1/${tenant}/mfa-policy`).set(...bearer(admin.token)).send({ policy: 'sometimes' }).expect(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'policy' })]);
    expect((await api().put(`/api/v1/${tenant}/mfa-policy`).set(...bearer(admin.token)).send({}).expect(400)).body.errors).toEqual([expect.objectContaining({ field: 'policy' })]);
    await api().put(`/api/v1/${tenant}/mfa-policy`).set(...bearer(viewer.token)).send({ policy: 'optional' }).expect(403);
  });

  it('the CLI: gatehouse tenants mfa-policy get|set (inherit goes back to the instance\'s)', () => {
    const cli = (...args: string[]) => gatehouse(['tenants', 'mfa-policy', ...args, '--tenant', tenant, '--token', admin.token]);
    expect(json(cli('set', 'required', '--output', 'json'))).toEqual({ policy: 'required', source: 'tenant', tenantPolicy: 'required', instanceDefault: 'optional' });
    const shown = cli('get');
    expect(shown.status).toBe(0);
    expect(shown.stdout).toBe("required (the tenant's own; the instance's default is optional)\n");
    const wrong = cli('set', 'sometimes');
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toContain('policy must be one of optional, required, required-for-admins or inherit');
    expect(json(cli('set', 'inherit', '--output', 'json'))).toMatchObject({ policy: 'optional', source: 'instance', tenantPolicy: null });
    expect(cli('get').stdout).toBe("optional (the instance's default, MFA_POLICY)\n");
    const refused = gatehouse(['tenants', 'mfa-policy', 'set', 'required', '--tenant', tenant, '--token', viewer.token]);
    expect(refused.status).not.toBe(0);
  });

  it('"required for admins": the Admin\'s next sign-in is for enrolment only; once a factor is set up, the full session', async () => {
    const set = await api().put(`/api/v1/${tenant}/mfa-policy`).set(...bearer(admin.token)).send({ policy: 'required-for-admins' }).expect(200);
    expect(set.body).toMatchObject({ policy: 'required-for-admins', source: 'tenant' });

    // A member who is not an Admin is not concerned.
    const plain = (await api().post('/api/v1/login').send({ username: viewer.username, password: viewer.password }).expect(200)).body;
    expect(claims(plain.accessToken).mfa_enrolment).toBeUndefined();
    await api().get('/api/v1/me/tenants').set(...bearer(plain.accessToken)).expect(200);

    // The Admin (no factor yet): a session for the enrolment routes only.
    const session = await api().post('/api/v1/session').set(...csrf).send({ username: admin.username, password: admin.password }).expect(200);
    const cookie = session.headers['set-cookie'] as unknown as string[];
    const restricted = session.body.accessToken as string;
    expect(claims(restricted).mfa_enrolment).toBe(true);
    const refused = await api().get(`/api/v1/${tenant}/roles`).set(...bearer(restricted)).expect(403);
    expect(typeOf(refused.body)).toBe(MFA_PROBLEMS.enrolmentRequired);
    await api().get('/api/v1/me').set(...bearer(restricted)).expect(200);
    expect((await api().get('/api/v1/me/mfa').set(...bearer(restricted)).expect(200)).body.enabled).toBe(false);
    // Basic cannot set one up: refused, saying why.
    expect(typeOf((await api().get('/api/v1/me').set(...basic(admin.username, admin.password)).expect(401)).body)).toBe(MFA_PROBLEMS.enrolmentRequired);
    // A refresh before the enrolment stays restricted.
    const again = await api().post('/api/v1/session/refresh').set(...csrf).set('Cookie', cookie).expect(200);
    expect(claims(again.body.accessToken).mfa_enrolment).toBe(true);
    const cookie2 = again.headers['set-cookie'] as unknown as string[];

    const { secret } = (await api().post('/api/v1/me/mfa/totp').set(...bearer(again.body.accessToken)).expect(201)).body;
    await api().post('/api/v1/me/mfa/totp/confirm').set(...bearer(again.body.accessToken)).send({ code: generateSync({ secret }) }).expect(200);
    const full = await api().post('/api/v1/session/refresh').set(...csrf).set('Cookie', cookie2).expect(200);
    expect(claims(full.body.accessToken).mfa_enrolment).toBeUndefined();
    await api().get(`/api/v1/${tenant}/roles`).set(...bearer(full.body.accessToken)).expect(200);
    // From now on, the Admin's sign-ins ask for the factor.
    expect(typeOf((await api().post('/api/v1/login').send({ username: admin.username, password: admin.password }).expect(401)).body)).toBe(MFA_PROBLEMS.mfaRequired);
  });
});
