import { MFA_PROBLEMS } from '@gatehouse/contracts';
import {
  api, bearer, bindRole, CaughtMail, createTenant, createUser, eventually, identityAudit, rolesByName, superAdminSuite, TestUser, unique, waitForMail,
} from '@gatehouse/testing';
import { generateSync } from 'otplib';
import { gatehouse } from './cli-support';

const MAIL_DIR = process.env.E2E_MAIL_DIR as string;
const mailTo = (to: string, template: string) => (m: CaughtMail) => m.to.includes(to) && m.headers['x-gatehouse-template'] === template;
const typeOf = (body: { type?: string }) => body.type?.split('/').pop();

/**
 * Admin recovery (docs/mfa.md): a tenant Admin resets the second factors of a user of its tenant (within
 * the tenant boundary), audited, the user emailed; then the password alone signs them in. The CLI's
 * `users mfa reset` does the same. The refusals of every route are in the escalation matrix.
 */
describe('MFA: an administrator resets a user who lost their factors', () => {
  const suite = superAdminSuite();
  let admin: TestUser;
  let tenant: string;

  beforeAll(async () => {
    admin = await createUser(suite.admin, { username: `${unique('mfa-reset-admin')}@gatehouse.test` });
    tenant = (await createTenant(suite.admin, { id: unique('mfareset').toLowerCase().slice(0, 40), adminUser: admin.username })).id;
  });

  async function enrolledMember(): Promise<TestUser> {
    const user = await createUser(suite.admin);
    await bindRole(suite.admin, tenant, { roleId: (await rolesByName(suite.admin, tenant)).Viewer.id, subjectId: user.user.id });
    const { secret } = (await api().post('/api/v1/me/mfa/totp').set(...bearer(user.token)).expect(201)).body;
    await api().post('/api/v1/me/mfa/totp/confirm').set(...bearer(user.token)).send({ code: generateSync({ secret }) }).expect(200);
    const step = await api().post('/api/v1/login').send({ username: user.username, password: user.password }).expect(401);
    expect(typeOf(step.body)).toBe(MFA_PROBLEMS.mfaRequired);
    return user;
  }

  it("a tenant Admin resets a member's factors: audited, the user emailed, the password alone signs in again", async () => {
    const user = await enrolledMember();
    const reset = await api().post(`/api/v1/${tenant}/users/${user.user.id}/mfa-reset`).set(...bearer(admin.token)).expect(200);
    expect(reset.body).toEqual({ userId: user.user.id, removed: { totp: true, passkeys: 0, recoveryCodes: 10 }, notified: true });
    const mail = await waitForMail(MAIL_DIR, mailTo(user.username, 'mfa-reset'));
    expect(mail.subject).toBe('Your Gatehouse second factors were reset');
    expect(mail.text).toContain(admin.username);

    await api().post('/api/v1/login').send({ username: user.username, password: user.password }).expect(200);
    expect((await api().get('/api/v1/me/mfa').set(...bearer(user.token)).expect(200)).body).toMatchObject({ enabled: false, totp: null, recoveryCodes: null });
    const audit = await eventually(async () => {
      const rows = await identityAudit(suite.db, user.user.id);
      return rows.find((r) => (r.details as { action?: string } | null)?.action === 'mfa-reset');
    });
    expect(audit).toMatchObject({ type: 'DELETE', tenantId: tenant, details: expect.objectContaining({ totp: true, recoveryCodes: 10, notified: true }) });
  });

  it("refuses one's own factors (that is /me/mfa) and an unknown user, naming the field", async () => {
    const own = await api().post(`/api/v1/${tenant}/users/${admin.user.id}/mfa-reset`).set(...bearer(admin.token)).expect(400);
    expect(own.body.errors).toEqual([expect.objectContaining({ field: 'id' })]);
    await api().post('/api/v1/users/not-a-uuid/mfa-reset').set(...bearer(suite.admin)).expect(400);
    await api().post('/api/v1/users/00000000-0000-4000-8000-000000000000/mfa-reset').set(...bearer(suite.admin)).expect(404);
  });

  it('the CLI: gatehouse users mfa reset <user> --tenant', async () => {
    const user = await enrolledMember();
    const result = gatehouse(['users', 'mfa', 'reset', user.username, '--tenant', tenant, '--token', admin.token, '--output', 'json']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ userId: user.user.id, removed: { totp: true }, notified: true });
    await api().post('/api/v1/login').send({ username: user.username, password: user.password }).expect(200);
  });
});
