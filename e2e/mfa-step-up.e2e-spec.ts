import { MFA_PROBLEMS } from '@gatehouse/contracts';
import { api, bearer, bindInstanceRole, createGroup, createTenant, createUser, rolesByName, superAdminSuite, TestUser, unique } from '@gatehouse/testing';
import { generateSync } from 'otplib';

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
const typeOf = (body: { type?: string }) => body.type?.split('/').pop();
function totp(secret: string, offset = 0): string {
  const now = Math.floor(Date.now() / 1000);
  return generateSync({ secret, epoch: now - (now % 30) + offset * 30 + 1 });
}

/**
 * Step-up (docs/mfa.md): a user with a second factor whose session presented none recently is asked for
 * one (401 step-up-required) before changing their password or granting Admin; a step-up marks the session
 * (auth_time) and the action passes. A user without a factor is not asked.
 */
describe('MFA: step-up', () => {
  const suite = superAdminSuite();

  /** A session signed in with the password before the user set up a factor: it has presented none. */
  async function staleSession(user: TestUser): Promise<{ accessToken: string; secret: string }> {
    const pair = (await api().post('/api/v1/login').send({ username: user.username, password: user.password }).expect(200)).body;
    const { secret } = (await api().post('/api/v1/me/mfa/totp').set(...bearer(pair.accessToken)).expect(201)).body;
    await api().post('/api/v1/me/mfa/totp/confirm').set(...bearer(pair.accessToken)).send({ code: totp(secret) }).expect(200);
    const refreshed = (await api().post('/api/v1/token/refresh').send({ refreshToken: pair.refreshToken }).expect(200)).body;
    expect(claims(refreshed.accessToken)).toMatchObject({ mfa_enrolled: true });
    expect(claims(refreshed.accessToken).auth_time).toBeUndefined();
    return { accessToken: refreshed.accessToken, secret };
  }

  async function stepUp(accessToken: string, code: string): Promise<string> {
    const started = (await api().post('/api/v1/me/mfa/step-up/start').set(...bearer(accessToken)).expect(200)).body;
    expect(started.factors).toContain('totp');
    // A step-up's token is no sign-in's.
    expect(typeOf((await api().post('/api/v1/login/mfa').send({ mfaToken: started.mfaToken, code }).expect(401)).body)).toBe(MFA_PROBLEMS.invalidMfaToken);
    const answer = (await api().post('/api/v1/me/mfa/step-up').set(...bearer(accessToken)).send({ mfaToken: started.mfaToken, code }).expect(200)).body;
    expect(Math.abs(claims(answer.accessToken).auth_time - Date.now() / 1000)).toBeLessThan(60);
    return answer.accessToken;
  }

  it("changing one's password: demanded without a recent factor, satisfied by a step-up", async () => {
    const user = await createUser(suite.admin);
    const { accessToken, secret } = await staleSession(user);
    const change = { oldPassword: user.password, newPassword: 'Another-Strong-Pass-2' };
    const refused = await api().put('/api/v1/me/password').set(...bearer(accessToken)).send(change).expect(401);
    expect(typeOf(refused.body)).toBe(MFA_PROBLEMS.stepUpRequired);
    const wrong = await api().post('/api/v1/me/mfa/step-up/start').set(...bearer(accessToken)).expect(200);
    const malformed = await api().post('/api/v1/me/mfa/step-up').set(...bearer(accessToken)).send({ mfaToken: wrong.body.mfaToken, code: 'abc' }).expect(400);
    expect(malformed.body.errors).toEqual([expect.objectContaining({ field: 'code' })]);
    const fresh = await stepUp(accessToken, totp(secret, 1));
    await api().put('/api/v1/me/password').set(...bearer(fresh)).send(change).expect(204);
  });

  it('granting Admin: demanded of an Admin (and Instance Admin) with a factor, satisfied by a step-up; other roles are not', async () => {
    // Only a holder of TENANT grants Admin (it carries ROLE): an Instance Admin who is Admin of the tenant.
    const admin = await createUser(suite.admin, { username: `${unique('stepup-admin')}@gatehouse.test` });
    await bindInstanceRole(suite.admin, 'Instance Admin', admin.user.id);
    const tenant = (await createTenant(suite.admin, { id: unique('stepup').toLowerCase().slice(0, 40), adminUser: admin.username })).id;
    const roles = await rolesByName(suite.admin, tenant);
    const { accessToken, secret } = await staleSession(admin);
    const target = await createUser(suite.admin);
    await api().post(`/api/v1/${tenant}/bindings`).set(...bearer(accessToken)).send({ subjectType: 'USER', subjectId: target.user.id, roleId: roles.Viewer.id }).expect(201);
    const refused = await api().post(`/api/v1/${tenant}/bindings`).set(...bearer(accessToken)).send({ subjectType: 'USER', subjectId: target.user.id, roleId: roles.Admin.id }).expect(401);
    expect(typeOf(refused.body)).toBe(MFA_PROBLEMS.stepUpRequired);
    const fresh = await stepUp(accessToken, totp(secret, 1));
    await api().post(`/api/v1/${tenant}/bindings`).set(...bearer(fresh)).send({ subjectType: 'USER', subjectId: target.user.id, roleId: roles.Admin.id }).expect(201);
  });

  it('granting Admin through a group: adding a member to a group bound to Admin asks the same, from both sides', async () => {
    const admin = await createUser(suite.admin, { username: `${unique('stepup-group')}@gatehouse.test` });
    await bindInstanceRole(suite.admin, 'Instance Admin', admin.user.id);
    const tenant = (await createTenant(suite.admin, { id: unique('stepupg').toLowerCase().slice(0, 40), adminUser: admin.username })).id;
    const roles = await rolesByName(suite.admin, tenant);
    const admins = await createGroup(suite.admin, tenant, unique('admins'));
    await api().post(`/api/v1/${tenant}/bindings`).set(...bearer(suite.admin)).send({ subjectType: 'GROUP', subjectId: admins.id, roleId: roles.Admin.id }).expect(201);
    const viewers = await createGroup(suite.admin, tenant, unique('viewers'));
    await api().post(`/api/v1/${tenant}/bindings`).set(...bearer(suite.admin)).send({ subjectType: 'GROUP', subjectId: viewers.id, roleId: roles.Viewer.id }).expect(201);
    const { accessToken, secret } = await staleSession(admin);
    const target = await createUser(suite.admin);
    await api().post(`/api/v1/${tenant}/groups/${viewers.id}/members`).set(...bearer(accessToken)).send({ memberType: 'USER', memberId: target.user.id }).expect(201);
    const byGroup = await api().post(`/api/v1/${tenant}/groups/${admins.id}/members`).set(...bearer(accessToken)).send({ memberType: 'USER', memberId: target.user.id }).expect(401);
    expect(typeOf(byGroup.body)).toBe(MFA_PROBLEMS.stepUpRequired);
    const byUser = await api().post(`/api/v1/${tenant}/users/${target.user.id}/groups`).set(...bearer(accessToken)).send({ groupId: admins.id }).expect(401);
    expect(typeOf(byUser.body)).toBe(MFA_PROBLEMS.stepUpRequired);
    const fresh = await stepUp(accessToken, totp(secret, 1));
    await api().post(`/api/v1/${tenant}/users/${target.user.id}/groups`).set(...bearer(fresh)).send({ groupId: admins.id }).expect(201);
  });

  it('a user without a second factor is not asked; step-up needs a factor', async () => {
    const user = await createUser(suite.admin);
    await api().put('/api/v1/me/password').set(...bearer(user.token)).send({ oldPassword: user.password, newPassword: 'Another-Strong-Pass-3' }).expect(204);
    const none = await api().post('/api/v1/me/mfa/step-up/start').set(...bearer(user.token)).expect(400);
    expect(none.body.errors).toEqual([expect.objectContaining({ field: 'factor' })]);
  });
});
