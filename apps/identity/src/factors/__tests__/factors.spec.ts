import { randomBytes } from 'node:crypto';
import { AuditEntry, auditEvent, MFA_PROBLEMS, MfaRequired, RECOVERY_CODE_COUNT } from '@gatehouse/contracts';
import { problemOf } from '@gatehouse/testing';
import { generateSync } from 'otplib';
import { IdentityWorld, openIdentity } from '../../__tests__/identity-test-module';
import { IdentityEnv } from '../../identity.env';
import { SessionsService } from '../../sessions/sessions.service';
import { FactorsService } from '../factors.service';
import { SecretBox } from '../secret-box';
import { matchTotp, TOTP_PERIOD_SECONDS } from '../totp';

const key = () => randomBytes(32).toString('base64');
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
/** A code of the step `offset` steps from now (the middle of it, so the test never straddles a boundary). */
const codeAt = (secret: string, offset = 0) => {
  const now = Math.floor(Date.now() / 1000);
  const stepStart = now - (now % TOTP_PERIOD_SECONDS);
  return generateSync({ secret, epoch: stepStart + offset * TOTP_PERIOD_SECONDS + 1 });
};

describe('TOTP matching (RFC 6238, ±1 step, no replay)', () => {
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  const at = 1_800_000_015; // 15 s into a step

  it('accepts the current step and one step either side, nothing further', () => {
    const step = Math.floor(at / TOTP_PERIOD_SECONDS);
    for (const offset of [-1, 0, 1]) {
      const code = generateSync({ secret, epoch: at + offset * TOTP_PERIOD_SECONDS });
      expect(matchTotp(secret, code, null, at)).toBe(step + offset);
    }
    for (const offset of [-2, 2]) expect(matchTotp(secret, generateSync({ secret, epoch: at + offset * TOTP_PERIOD_SECONDS }), null, at)).toBeNull();
  });

  it('refuses the step of the last accepted code and older ones, and anything but six digits', () => {
    const step = Math.floor(at / TOTP_PERIOD_SECONDS);
    const code = generateSync({ secret, epoch: at });
    expect(matchTotp(secret, code, step, at)).toBeNull();
    expect(matchTotp(secret, generateSync({ secret, epoch: at - TOTP_PERIOD_SECONDS }), step, at)).toBeNull();
    expect(matchTotp(secret, generateSync({ secret, epoch: at + TOTP_PERIOD_SECONDS }), step, at)).toBe(step + 1);
    expect(matchTotp(secret, '12345', null, at)).toBeNull();
    expect(matchTotp(secret, `${code} `, null, at)).toBeNull();
  });
});

describe('SecretBox: AES-256-GCM with rotatable keys', () => {
  const boxWith = (keys: string) => new SecretBox(Object.assign(new IdentityEnv(), { MFA_ENCRYPTION_KEYS: keys }));

  it('seals with the first key, opens with any listed key, and binds the context', () => {
    const [k1, k2] = [key(), key()];
    const old = boxWith(`k1:${k1}`);
    const sealed = old.seal('the secret', 'totp:user-a');
    expect(sealed.keyId).toBe('k1');
    expect(sealed.ciphertext).not.toContain('the secret');
    const rotated = boxWith(`k2:${k2},k1:${k1}`);
    expect(rotated.open(sealed, 'totp:user-a')).toBe('the secret');
    expect(rotated.seal('x', 'c').keyId).toBe('k2');
    expect(() => rotated.open(sealed, 'totp:user-b')).toThrow();
    expect(() => boxWith(`k2:${k2}`).open(sealed, 'totp:user-a')).toThrow(/k1/);
    // One bit of the encrypted body flipped (not a base64 character: the last one of a part may carry only padding bits).
    const [version, iv, body, tag] = sealed.ciphertext.split('.');
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] ^= 0x01;
    const tampered = { ...sealed, ciphertext: [version, iv, flipped.toString('base64url'), tag].join('.') };
    expect(() => rotated.open(tampered, 'totp:user-a')).toThrow();
  });
});

describe('FactorsService and the second step of a sign-in (real Postgres)', () => {
  let world: IdentityWorld;
  let factors: FactorsService;
  let sessions: SessionsService;

  beforeAll(async () => {
    world = await openIdentity({ LOGIN_MAX_FAILURES: 4, LOGIN_IP_MAX_FAILURES: 1000, MFA_ENCRYPTION_KEYS: `k1:${key()}` });
    factors = world.get(FactorsService);
    sessions = world.get(SessionsService);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  async function enrolled() {
    const user = await world.createUser();
    const enrolment = await factors.enrolTotp(user.caller);
    const confirmedWith = codeAt(enrolment.secret);
    const { recoveryCodes } = await factors.confirmTotp(user.caller, confirmedWith);
    return { user, secret: enrolment.secret, recoveryCodes: recoveryCodes as string[], confirmedWith };
  }

  async function passwordStep(user: { username: string; password: string }): Promise<MfaRequired> {
    const problem = await problemOf(sessions.login({ username: user.username, password: user.password }, '10.9.0.1'));
    expect(problem).toMatchObject({ status: 401, type: expect.stringContaining(MFA_PROBLEMS.mfaRequired) });
    return problem as unknown as MfaRequired;
  }

  it('enrols TOTP: the secret once with an otpauth URI and a QR image, stored encrypted, confirmed by a code, with 10 recovery codes', async () => {
    const user = await world.createUser();
    const enrolment = await factors.enrolTotp(user.caller);
    expect(enrolment.otpauthUri).toMatch(/^otpauth:\/\/totp\/.*secret=/);
    expect(enrolment.qrCode).toMatch(/^data:image\/png;base64,/);
    const [row] = await world.db.dataSource.query(`SELECT * FROM identity.totp_factors WHERE user_id = $1`, [user.id]);
    expect(row.secret_ciphertext).not.toContain(enrolment.secret);
    expect(row.key_id).toBe('k1');
    // Unconfirmed: sign-in does not ask for it.
    expect((await factors.listMine(user.caller)).enabled).toBe(false);
    await sessions.login({ username: user.username, password: user.password }, null);

    const wrong = await problemOf(factors.confirmTotp(user.caller, codeAt(enrolment.secret, 3)));
    expect(wrong).toMatchObject({ status: 400, errors: [{ field: 'code' }] });
    const confirmed = await factors.confirmTotp(user.caller, codeAt(enrolment.secret));
    expect(confirmed.recoveryCodes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(confirmed.recoveryCodes).size).toBe(RECOVERY_CODE_COUNT);
    const stored = await world.db.dataSource.query(`SELECT code_hash FROM identity.recovery_codes WHERE user_id = $1`, [user.id]);
    expect(stored.map((r: { code_hash: string }) => r.code_hash)).not.toContain(confirmed.recoveryCodes?.[0]);
    expect(await factors.listMine(user.caller)).toMatchObject({ enabled: true, totp: { confirmed: true }, recoveryCodes: { remaining: 10 } });
    expect((await problemOf(factors.enrolTotp(user.caller))).status).toBe(409);
    const audit = (await world.outboxEvents<AuditEntry>(auditEvent('identity').subject)).filter((e) => e.resourceId === user.id);
    expect(audit.map((e) => e.details?.action)).toEqual(expect.arrayContaining(['totp-enrolment-started', 'totp-enrolled', 'recovery-codes-generated']));
  });

  it('signs in in two steps with amr pwd+otp+mfa; a replayed code is refused', async () => {
    const { user, secret, confirmedWith } = await enrolled();
    const first = await passwordStep(user);
    expect(first.factors).toEqual(['totp', 'recovery-code']);
    // The code of the confirmation never works again.
    const replay = await problemOf(sessions.completeMfaLogin({ mfaToken: first.mfaToken, code: confirmedWith }, null));
    expect(replay).toMatchObject({ status: 401, type: expect.stringContaining(MFA_PROBLEMS.invalidSecondFactor), errors: [{ field: 'code' }] });
    const pair = await sessions.completeMfaLogin({ mfaToken: first.mfaToken, code: codeAt(secret, 1) }, null);
    expect(claims(pair.accessToken)).toMatchObject({ sub: user.id, amr: ['pwd', 'otp', 'mfa'], acr: 'mfa' });
    // The token is used up; a refresh keeps the methods.
    expect((await problemOf(sessions.completeMfaLogin({ mfaToken: first.mfaToken, code: codeAt(secret, -1) }, null))).type).toContain(MFA_PROBLEMS.invalidMfaToken);
    expect(claims((await sessions.refresh(pair.refreshToken)).accessToken)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: 'mfa' });
  });

  it('a password-only user gets amr pwd', async () => {
    const user = await world.createUser();
    const pair = await sessions.login({ username: user.username, password: user.password }, null);
    expect(claims(pair.accessToken)).toMatchObject({ amr: ['pwd'], acr: 'pwd' });
  });

  it('recovery codes work once each (any case, dashes optional); regenerating voids the old set', async () => {
    const { user, recoveryCodes } = await enrolled();
    const step = await passwordStep(user);
    await sessions.completeMfaLogin({ mfaToken: step.mfaToken, recoveryCode: recoveryCodes[0].toUpperCase().replace(/-/g, '') }, null);
    const again = await passwordStep(user);
    expect((await problemOf(sessions.completeMfaLogin({ mfaToken: again.mfaToken, recoveryCode: recoveryCodes[0] }, null))).errors).toEqual([
      expect.objectContaining({ field: 'recoveryCode' }),
    ]);
    const fresh = await factors.regenerateRecoveryCodes(user.caller);
    expect(fresh.codes).toHaveLength(10);
    expect((await problemOf(sessions.completeMfaLogin({ mfaToken: again.mfaToken, recoveryCode: recoveryCodes[1] }, null))).status).toBe(401);
    await sessions.completeMfaLogin({ mfaToken: again.mfaToken, recoveryCode: fresh.codes[0] }, null);
  });

  it('wrong second factors count towards the lockout, and the password step alone does not clear them', async () => {
    const { user, secret } = await enrolled();
    for (let i = 0; i < 4; i += 1) {
      const step = await passwordStep(user);
      await problemOf(sessions.completeMfaLogin({ mfaToken: step.mfaToken, code: '000000' === codeAt(secret) ? '111111' : '000000' }, '10.9.0.2'));
    }
    // Locked: even the right password answers like a wrong one.
    expect((await problemOf(sessions.login({ username: user.username, password: user.password }, null))).status).toBe(401);
    const [row] = await world.db.dataSource.query(`SELECT locked_until FROM identity.users WHERE id = $1`, [user.id]);
    expect(row.locked_until).not.toBeNull();
    const failures = (await world.outboxEvents<AuditEntry>(auditEvent('identity').subject)).filter(
      (e) => e.resourceId === user.id && e.type === 'LOGIN_FAILURE' && e.details?.reason === 'invalid-second-factor',
    );
    expect(failures.length).toBeGreaterThanOrEqual(4);
  });

  it('a token is void after MFA_CHALLENGE_MAX_ATTEMPTS wrong factors, and when it expires', async () => {
    const { user, secret } = await enrolled();
    world.env.MFA_CHALLENGE_MAX_ATTEMPTS = 2;
    try {
      const step = await passwordStep(user);
      for (let i = 0; i < 2; i += 1) await problemOf(sessions.completeMfaLogin({ mfaToken: step.mfaToken, recoveryCode: 'nope-nope' }, null));
      expect((await problemOf(sessions.completeMfaLogin({ mfaToken: step.mfaToken, code: codeAt(secret, 1) }, null))).type).toContain(MFA_PROBLEMS.invalidMfaToken);
    } finally {
      world.env.MFA_CHALLENGE_MAX_ATTEMPTS = 5;
    }
    const step = await passwordStep(user);
    await world.db.dataSource.query(`UPDATE identity.mfa_challenges SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [user.id]);
    expect((await problemOf(sessions.completeMfaLogin({ mfaToken: step.mfaToken, code: codeAt(secret, 1) }, null))).type).toContain(MFA_PROBLEMS.invalidMfaToken);
    expect((await problemOf(sessions.completeMfaLogin({ mfaToken: 'ghm_unknown', code: '123456' }, null))).status).toBe(401);
  });

  it('refuses Basic for a user with a second factor, naming API tokens', async () => {
    const { user } = await enrolled();
    const problem = await problemOf(sessions.verifyBasic({ username: user.username, password: user.password }));
    expect(problem).toMatchObject({ status: 401, type: expect.stringContaining(MFA_PROBLEMS.basicRefusedForMfa), detail: expect.stringContaining('API token') });
  });

  it('removing the app removes the recovery codes too; sign-in is password-only again', async () => {
    const { user } = await enrolled();
    await factors.removeTotp(user.caller);
    expect(await factors.listMine(user.caller)).toMatchObject({ enabled: false, totp: null, recoveryCodes: null });
    await sessions.login({ username: user.username, password: user.password }, null);
    expect((await problemOf(factors.removeTotp(user.caller))).status).toBe(404);
    expect((await problemOf(factors.regenerateRecoveryCodes(user.caller))).status).toBe(409);
  });

  it('a secret sealed with a retired current key still works and is re-sealed with the current key on use', async () => {
    const { user, secret } = await enrolled();
    const box = world.get(SecretBox);
    const oldId = box.currentKeyId;
    await world.db.dataSource.query(`UPDATE identity.totp_factors SET key_id = 'legacy' WHERE user_id = $1`, [user.id]);
    // Make "legacy" a known key with the same material: simulates a key listed after the current one.
    (box as unknown as { keys: Map<string, Buffer> }).keys.set('legacy', (box as unknown as { keys: Map<string, Buffer> }).keys.get(oldId) as Buffer);
    const step = await passwordStep(user);
    await sessions.completeMfaLogin({ mfaToken: step.mfaToken, code: codeAt(secret, 1) }, null);
    const [row] = await world.db.dataSource.query(`SELECT key_id FROM identity.totp_factors WHERE user_id = $1`, [user.id]);
    expect(row.key_id).toBe(oldId);
  });
});
