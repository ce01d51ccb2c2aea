import { randomBytes } from 'node:crypto';
import { AuthorizationRpc, MfaSubjectFacts } from '@gatehouse/contracts';
import { problemOf } from '@gatehouse/testing';
import { generateSync } from 'otplib';
import { IdentityWorld, openIdentity } from '../../__tests__/identity-test-module';
import { SessionsService } from '../../sessions/sessions.service';
import { UserEntity } from '../../users/user.entity';
import { FactorsService } from '../factors.service';
import { MfaPolicyService } from '../mfa-policy.service';

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

describe('MfaPolicyService: who must have a second factor, and the enrolment-only session (real Postgres)', () => {
  let world: IdentityWorld;
  let policies: MfaPolicyService;
  let sessions: SessionsService;
  let factors: FactorsService;
  let facts: Record<string, MfaSubjectFacts>;

  beforeAll(async () => {
    world = await openIdentity({ MFA_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}` });
    policies = world.get(MfaPolicyService);
    sessions = world.get(SessionsService);
    factors = world.get(FactorsService);
    world.rpc.on(AuthorizationRpc.mfaSubjectFacts, (data) => facts[data.userId] ?? { tenants: [], instanceAdmin: false });
  }, 30_000);

  beforeEach(async () => {
    facts = {};
    await world.db.dataSource.query(`DELETE FROM identity.mfa_policies`);
    world.env.MFA_POLICY = 'optional';
  });

  afterAll(async () => {
    await world?.close();
  });

  const entity = async (id: string) => (await world.db.dataSource.getRepository(UserEntity).findOneBy({ id })) as UserEntity;

  it("applies each tenant's policy (else the instance's) to its members, required-for-admins to its Admins and instance admins", async () => {
    const member = await world.createUser();
    const admin = await world.createUser();
    facts[member.id] = { tenants: [{ tenantId: 'acme', admin: false }], instanceAdmin: false };
    facts[admin.id] = { tenants: [{ tenantId: 'acme', admin: true }, { tenantId: null, admin: false }], instanceAdmin: false };
    const root = { type: 'SERVICE' as const, id: 'tenancy', via: 'internal' as const };

    expect(await policies.mustHaveFactor(await entity(admin.id))).toBe(false);
    await policies.set(root, 'acme', { policy: 'required-for-admins' });
    expect(await policies.view('acme')).toEqual({ policy: 'required-for-admins', source: 'tenant', tenantPolicy: 'required-for-admins', instanceDefault: 'optional' });
    expect(await policies.mustHaveFactor(await entity(admin.id))).toBe(true);
    expect(await policies.mustHaveFactor(await entity(member.id))).toBe(false);
    await policies.set(root, 'acme', { policy: 'required' });
    expect(await policies.mustHaveFactor(await entity(member.id))).toBe(true);

    // The instance's default where a tenant has none; a tenant's "optional" overrides it for that tenant.
    await policies.set(root, 'acme', { policy: null });
    world.env.MFA_POLICY = 'required-for-admins';
    expect(await policies.mustHaveFactor(await entity(admin.id))).toBe(true);
    expect(await policies.mustHaveFactor(await entity(member.id))).toBe(false);
    facts[member.id] = { tenants: [], instanceAdmin: true };
    expect(await policies.mustHaveFactor(await entity(member.id))).toBe(true);
    world.env.MFA_POLICY = 'required';
    await policies.set(root, 'acme', { policy: 'optional' });
    facts[member.id] = { tenants: [{ tenantId: 'acme', admin: false }], instanceAdmin: false };
    expect(await policies.mustHaveFactor(await entity(member.id))).toBe(false);
  });

  it('only an Admin of the tenant, an instance admin or a Super Admin sets it; a missing policy names the field', async () => {
    const member = await world.createUser();
    const admin = await world.createUser();
    facts[member.id] = { tenants: [{ tenantId: 'acme', admin: false }], instanceAdmin: false };
    facts[admin.id] = { tenants: [{ tenantId: 'acme', admin: true }], instanceAdmin: false };
    expect(await problemOf(policies.set(member.caller, 'acme', { policy: 'optional' }))).toMatchObject({ status: 403, rule: 'admin-required' });
    expect(await problemOf(policies.set(admin.caller, 'globex', { policy: 'optional' }))).toMatchObject({ status: 403 });
    expect(await problemOf(policies.set(admin.caller, 'acme', {} as never))).toMatchObject({ status: 400, errors: [{ field: 'policy' }] });
    await expect(policies.set(admin.caller, 'acme', { policy: 'required' })).resolves.toMatchObject({ policy: 'required' });
  });

  it('a user it reaches without a factor signs in for enrolment only, and refreshes into a full session once one is set up', async () => {
    world.env.MFA_POLICY = 'required';
    const user = await world.createUser();
    const pair = await sessions.login({ username: user.username, password: user.password }, null);
    expect(claims(pair.accessToken).mfa_enrolment).toBe(true);
    expect(await problemOf(sessions.verifyBasic({ username: user.username, password: user.password }))).toMatchObject({ status: 401, type: expect.stringContaining('mfa-enrolment-required') });
    const still = await sessions.refresh(pair.refreshToken as string);
    expect(claims(still.accessToken).mfa_enrolment).toBe(true);
    const { secret } = await factors.enrolTotp(user.caller);
    await factors.confirmTotp(user.caller, generateSync({ secret }));
    const full = await sessions.refresh(still.refreshToken as string);
    expect(claims(full.accessToken).mfa_enrolment).toBeUndefined();
  });

  it('step-up: a session marked when a factor is presented (auth_time, kept by refreshes); its token is no sign-in\'s', async () => {
    const user = await world.createUser();
    const before = await sessions.login({ username: user.username, password: user.password }, null);
    const { secret } = await factors.enrolTotp(user.caller);
    await factors.confirmTotp(user.caller, generateSync({ secret }));
    const stale = await sessions.refresh(before.refreshToken as string);
    expect(claims(stale.accessToken)).toMatchObject({ mfa_enrolled: true });
    expect(claims(stale.accessToken).auth_time).toBeUndefined();
    const caller = { ...user.caller, sessionId: claims(stale.accessToken).sid as string };

    const started = await sessions.startStepUp(caller);
    expect(started.factors).toEqual(['totp', 'recovery-code']);
    expect(await problemOf(sessions.completeMfaLogin({ mfaToken: started.mfaToken, recoveryCode: 'x' }, null))).toMatchObject({ status: 401, type: expect.stringContaining('invalid-mfa-token') });
    const now = Math.floor(Date.now() / 1000);
    const stepped = await sessions.stepUp(caller, { mfaToken: started.mfaToken, code: generateSync({ secret, epoch: now - (now % 30) + 31 }) }, null);
    expect(Math.abs(claims(stepped.accessToken).auth_time - Date.now() / 1000)).toBeLessThan(5);
    const refreshed = await sessions.refresh(stale.refreshToken as string);
    expect(claims(refreshed.accessToken).auth_time).toBe(claims(stepped.accessToken).auth_time);

    // Not another user's step, not without a session, not for a user without a factor.
    const other = await world.createUser();
    expect(await problemOf(sessions.startStepUp(other.caller))).toMatchObject({ status: 403 });
    expect(await problemOf(sessions.startStepUp({ ...other.caller, sessionId: 's' }))).toMatchObject({ status: 400, errors: [{ field: 'factor' }] });
    const foreign = await sessions.startStepUp(caller);
    expect(await problemOf(sessions.stepUp({ ...other.caller, sessionId: 's' }, { mfaToken: foreign.mfaToken, recoveryCode: 'nope' }, null))).toMatchObject({ status: 401 });
  });
});
