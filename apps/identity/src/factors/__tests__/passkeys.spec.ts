import { AuditEntry, auditEvent, MFA_PROBLEMS, MfaRequired, WebAuthnCredential } from '@gatehouse/contracts';
import { problemOf, SoftAuthenticator } from '@gatehouse/testing';
import { IdentityWorld, openIdentity } from '../../__tests__/identity-test-module';
import { SessionsService } from '../../sessions/sessions.service';
import { FactorsService } from '../factors.service';
import { PasskeysService } from '../passkeys.service';

const ORIGIN = 'https://gatehouse.example.com';
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
const asCredential = (value: Record<string, unknown>) => value as unknown as WebAuthnCredential;

describe('PasskeysService: WebAuthn registration and sign-in (real Postgres, a software authenticator)', () => {
  let world: IdentityWorld;
  let passkeys: PasskeysService;
  let sessions: SessionsService;

  beforeAll(async () => {
    // RP id and origin derived from the public URL (JWT_ISSUER).
    world = await openIdentity({ JWT_ISSUER: ORIGIN, LOGIN_IP_MAX_FAILURES: 1000 });
    passkeys = world.get(PasskeysService);
    sessions = world.get(SessionsService);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  async function registered(options: { backupEligible?: boolean } = {}) {
    const user = await world.createUser();
    const authenticator = new SoftAuthenticator({ ...options, userHandle: user.id });
    const { options: creation } = await passkeys.registrationOptions(user.caller);
    expect(creation).toMatchObject({ rp: { id: 'gatehouse.example.com' }, attestation: 'none', authenticatorSelection: { residentKey: 'required' } });
    const passkey = await passkeys.register(user.caller, { name: 'Laptop', credential: asCredential(authenticator.register(creation as never, ORIGIN)) });
    return { user, authenticator, passkey };
  }

  async function loginOptions() {
    return (await passkeys.loginOptions()).options as { challenge: string; rpId: string };
  }

  it('registers several named passkeys; the first comes with recovery codes; lists, renames and removes them', async () => {
    const { user, passkey } = await registered();
    expect(passkey).toMatchObject({ name: 'Laptop', deviceType: 'singleDevice', backedUp: false });
    expect(passkey.recoveryCodes).toHaveLength(10);
    const second = new SoftAuthenticator({ backupEligible: true });
    const { options } = await passkeys.registrationOptions(user.caller);
    expect((options as { excludeCredentials: unknown[] }).excludeCredentials).toHaveLength(1);
    const phone = await passkeys.register(user.caller, { name: 'Phone', credential: asCredential(second.register(options as never, ORIGIN)) });
    expect(phone).toMatchObject({ deviceType: 'multiDevice', backedUp: true });
    expect(phone.recoveryCodes).toBeUndefined();
    expect((await world.get(FactorsService).listMine(user.caller)).passkeys.map((p) => p.name)).toEqual(['Laptop', 'Phone']);
    expect((await passkeys.rename(user.caller, phone.id, 'Pixel')).name).toBe('Pixel');
    const other = await world.createUser();
    expect((await problemOf(passkeys.remove(other.caller, phone.id))).status).toBe(404);
    await passkeys.remove(user.caller, phone.id);
    await passkeys.remove(user.caller, passkey.id);
    expect(await world.get(FactorsService).listMine(user.caller)).toMatchObject({ enabled: false, passkeys: [], recoveryCodes: null });
    const audit = (await world.outboxEvents<AuditEntry>(auditEvent('identity').subject)).filter((e) => e.resourceId === user.id);
    expect(audit.map((e) => e.details?.action)).toEqual(expect.arrayContaining(['passkey-registered', 'passkey-removed', 'recovery-codes-removed']));
  });

  it('refuses a wrong origin, a wrong RP id, an unknown or used challenge, and an expired one, naming the field (400)', async () => {
    const user = await world.createUser();
    const authenticator = new SoftAuthenticator();
    const options = async () => (await passkeys.registrationOptions(user.caller)).options as { challenge: string; rp: { id: string } };
    const fieldOf = async (credential: Record<string, unknown>) => {
      const problem = await problemOf(passkeys.register(user.caller, { name: 'x', credential: asCredential(credential) }));
      expect(problem.status).toBe(400);
      return (problem.errors as Array<{ field: string }>)[0].field;
    };
    expect(await fieldOf(authenticator.register(await options(), 'https://evil.example.com'))).toBe('credential.response.clientDataJSON');
    expect(await fieldOf(authenticator.register(await options(), ORIGIN, { rpId: 'evil.example.com' }))).toBe('credential.response.authenticatorData');
    expect(await fieldOf(authenticator.register({ challenge: 'AAAAAAAAAAAAAAAAAAAAAA', rp: { id: 'gatehouse.example.com' } }, ORIGIN))).toBe('credential.response.clientDataJSON');
    const once = await options();
    await passkeys.register(user.caller, { name: 'ok', credential: asCredential(authenticator.register(once, ORIGIN)) });
    expect(await fieldOf(new SoftAuthenticator().register(once, ORIGIN))).toBe('credential.response.clientDataJSON');
    const late = await options();
    await world.db.dataSource.query(`UPDATE identity.mfa_challenges SET expires_at = now() - interval '1 second' WHERE challenge = $1`, [late.challenge]);
    expect(await fieldOf(new SoftAuthenticator().register(late, ORIGIN))).toBe('credential.response.clientDataJSON');
    const garbled = authenticator.register(await options(), ORIGIN);
    (garbled.response as Record<string, string>).clientDataJSON = 'bm90IGpzb24';
    expect(await fieldOf(garbled)).toBe('credential.response.clientDataJSON');
    // Another user's challenge does not register a passkey for this one.
    const other = await world.createUser();
    const theirs = (await passkeys.registrationOptions(other.caller)).options as { challenge: string; rp: { id: string } };
    expect(await fieldOf(new SoftAuthenticator().register(theirs, ORIGIN))).toBe('credential.response.clientDataJSON');
  });

  it('signs in with a passkey alone: amr hwk+user+mfa; the challenge is single-use; user verification required', async () => {
    const { user, authenticator } = await registered();
    const options = await loginOptions();
    const pair = await sessions.passkeyLogin({ credential: asCredential(authenticator.authenticate(options, ORIGIN)) }, null);
    expect(claims(pair.accessToken)).toMatchObject({ sub: user.id, amr: ['hwk', 'user', 'mfa'], acr: 'mfa' });
    const reused = await problemOf(sessions.passkeyLogin({ credential: asCredential(authenticator.authenticate(options, ORIGIN)) }, null));
    expect(reused).toMatchObject({ status: 400, errors: [{ field: 'credential.response.clientDataJSON' }] });
    const withoutUv = await problemOf(sessions.passkeyLogin({ credential: asCredential(authenticator.authenticate(await loginOptions(), ORIGIN, { userVerified: false })) }, null));
    expect(withoutUv.status).toBeGreaterThanOrEqual(400);
    expect(withoutUv.status).toBeLessThan(500);
    const badSignature = await problemOf(sessions.passkeyLogin({ credential: asCredential(authenticator.authenticate(await loginOptions(), ORIGIN, { badSignature: true })) }, null));
    expect(badSignature).toMatchObject({ status: 400, errors: [{ field: 'credential.response.signature' }] });
  });

  it('refuses a cloned authenticator: its counter goes back (401, audited), while the original still works', async () => {
    const { user, authenticator } = await registered();
    await sessions.passkeyLogin({ credential: asCredential(authenticator.authenticate(await loginOptions(), ORIGIN)) }, null);
    await sessions.passkeyLogin({ credential: asCredential(authenticator.authenticate(await loginOptions(), ORIGIN)) }, null);
    const clone = authenticator.clone();
    const refused = await problemOf(sessions.passkeyLogin({ credential: asCredential(clone.authenticate(await loginOptions(), ORIGIN)) }, null));
    expect(refused).toMatchObject({ status: 401, reason: 'counter-regression' });
    await sessions.passkeyLogin({ credential: asCredential(authenticator.authenticate(await loginOptions(), ORIGIN)) }, null);
    const failures = (await world.outboxEvents<AuditEntry>(auditEvent('identity').subject)).filter((e) => e.resourceId === user.id && e.type === 'LOGIN_FAILURE');
    expect(failures).toEqual([expect.objectContaining({ details: expect.objectContaining({ reason: 'invalid-passkey', refusal: 'counter-regression' }) })]);
  });

  it('is offered as a second factor after the password: the problem carries the assertion options; amr pwd+hwk+user+mfa', async () => {
    const { user, authenticator } = await registered();
    const step = (await problemOf(sessions.login({ username: user.username, password: user.password }, null))) as unknown as MfaRequired;
    expect(step.factors).toEqual(['passkey', 'recovery-code']);
    const options = step.passkeyOptions as { challenge: string; allowCredentials: Array<{ id: string }> };
    expect(options.allowCredentials.map((c) => c.id)).toEqual([authenticator.id]);
    // Another user's passkey does not pass for this user.
    const stranger = await registered();
    const wrong = await problemOf(sessions.completeMfaLogin({ mfaToken: step.mfaToken, passkey: asCredential(stranger.authenticator.authenticate(options, ORIGIN)) }, null));
    expect(wrong).toMatchObject({ status: 401, type: expect.stringContaining(MFA_PROBLEMS.invalidSecondFactor) });
    const pair = await sessions.completeMfaLogin({ mfaToken: step.mfaToken, passkey: asCredential(authenticator.authenticate(options, ORIGIN)) }, null);
    expect(claims(pair.accessToken)).toMatchObject({ sub: user.id, amr: ['pwd', 'hwk', 'user', 'mfa'], acr: 'mfa' });
  });
});
