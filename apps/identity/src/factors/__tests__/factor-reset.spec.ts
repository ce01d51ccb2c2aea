import { randomBytes } from 'node:crypto';
import { AuditEntry, auditEvent, AuthorizationRpc, Caller, IdentityNotificationEvents, MfaReset } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { problemOf } from '@gatehouse/testing';
import { generateSync } from 'otplib';
import { IdentityWorld, openIdentity } from '../../__tests__/identity-test-module';
import { SessionsService } from '../../sessions/sessions.service';
import { FactorResetService } from '../factor-reset.service';
import { FactorsService } from '../factors.service';

describe('FactorResetService: an administrator resets a user who lost their factors (real Postgres)', () => {
  let world: IdentityWorld;
  let factors: FactorsService;
  let resets: FactorResetService;
  let sessions: SessionsService;
  let reach: (data: { subjectId: string; action: string }, tenantId: string | null | undefined) => void;
  let asked: Array<[string, string | null | undefined]>;

  beforeAll(async () => {
    world = await openIdentity({ MFA_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}` });
    factors = world.get(FactorsService);
    resets = world.get(FactorResetService);
    sessions = world.get(SessionsService);
    world.rpc.on(AuthorizationRpc.assertAccountWithinReach, (data, envelope) => {
      asked.push([data.action, envelope.tenantId]);
      reach(data, envelope.tenantId);
      return undefined as never;
    });
  }, 30_000);

  beforeEach(() => {
    reach = () => undefined;
    asked = [];
  });

  afterAll(async () => {
    await world?.close();
  });

  async function enrolled(overrides: Record<string, unknown> = {}) {
    const user = await world.createUser(overrides);
    const { secret } = await factors.enrolTotp(user.caller);
    await factors.confirmTotp(user.caller, generateSync({ secret }));
    return user;
  }

  it('removes the authenticator app, passkeys and recovery codes, voids a second step under way, audits and emails the user', async () => {
    const admin = await world.createUser();
    const user = await enrolled({ emailVerified: true });
    const pending = await problemOf(sessions.login({ username: user.username, password: user.password }, null));
    expect(pending).toMatchObject({ status: 401 });

    const result = await resets.reset(admin.caller, 'acme', user.id);
    expect(result).toEqual({ userId: user.id, removed: { totp: true, passkeys: 0, recoveryCodes: 10 }, notified: true });
    expect(asked).toEqual([['RESET_FACTORS', 'acme']]);
    expect((await factors.listMine(user.caller)).enabled).toBe(false);
    // The password alone signs in now; the step started before the reset cannot finish.
    await sessions.login({ username: user.username, password: user.password }, null);
    const spent = await problemOf(sessions.completeMfaLogin({ mfaToken: (pending as unknown as { mfaToken: string }).mfaToken, recoveryCode: 'x' }, null));
    expect(spent).toMatchObject({ status: 401 });

    const audit = (await world.outboxEvents<AuditEntry>(auditEvent('identity').subject)).filter((e) => e.resourceId === user.id && e.details?.action === 'mfa-reset');
    expect(audit).toEqual([expect.objectContaining({ type: 'DELETE', tenantId: 'acme', details: expect.objectContaining({ totp: true, recoveryCodes: 10, notified: true }) })]);
    const mails = (await world.outboxEvents<MfaReset>(IdentityNotificationEvents.mfaReset.subject)).filter((e) => e.userId === user.id);
    expect(mails).toEqual([{ userId: user.id, username: user.username, email: user.email, resetBy: admin.username }]);
  });

  it('emails only a verified address', async () => {
    const admin = await world.createUser();
    const user = await enrolled({ emailVerified: false });
    expect((await resets.reset(admin.caller, undefined, user.id)).notified).toBe(false);
    expect((await world.outboxEvents<MfaReset>(IdentityNotificationEvents.mfaReset.subject)).filter((e) => e.userId === user.id)).toEqual([]);
  });

  it("refuses outside the tenant boundary, a Super Admin's factors to others, one's own, and an unknown user", async () => {
    const admin = await world.createUser();
    const user = await enrolled();
    reach = () => {
      throw ProblemException.forbidden('outside your reach', { rule: 'tenant-boundary' });
    };
    expect(await problemOf(resets.reset(admin.caller, 'acme', user.id))).toMatchObject({ status: 403, rule: 'tenant-boundary' });
    expect((await factors.listMine(user.caller)).enabled).toBe(true);
    reach = () => undefined;

    const root = await world.createUser();
    await world.db.dataSource.query(`UPDATE identity.users SET super_admin = true WHERE id = $1`, [root.id]);
    expect(await problemOf(resets.reset(admin.caller, undefined, root.id))).toMatchObject({ status: 403, rule: 'super-admin-required' });
    const otherRoot: Caller = (await world.createUser()).caller;
    await world.db.dataSource.query(`UPDATE identity.users SET super_admin = true WHERE id = $1`, [otherRoot.id]);
    await expect(resets.reset(otherRoot, undefined, root.id)).resolves.toMatchObject({ userId: root.id });

    expect(await problemOf(resets.reset(user.caller, undefined, user.id))).toMatchObject({ status: 400, errors: [{ field: 'id' }] });
    expect(await problemOf(resets.reset(admin.caller, undefined, '00000000-0000-4000-8000-000000000000'))).toMatchObject({ status: 404 });
  });
});
