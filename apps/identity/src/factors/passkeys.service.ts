import {
  AuthenticationMethod, Caller, MFA_PROBLEMS, PasskeyOptions, PasskeyView, RegisteredPasskey, RegisterPasskeyRequest, WebAuthnCredential,
} from '@gatehouse/contracts';
import { AuditRecorder, Outbox } from '@gatehouse/durable-events';
import { ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  AuthenticationResponseJSON, generateAuthenticationOptions, generateRegistrationOptions, RegistrationResponseJSON,
  verifyAuthenticationResponse, verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { DataSource, EntityManager } from 'typeorm';
import { returning } from '../common/sql';
import { IdentityEnv } from '../identity.env';
import { UserEntity } from '../users/user.entity';
import { confirmedFactors } from './factor-store';
import { FactorsService } from './factors.service';
import { challengeOf, isCounterRegression, refusedResponse, relyingPartyOf, unknownChallenge } from './webauthn';

interface PasskeyRow {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: Buffer;
  counter: string;
  transports: string[];
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: boolean;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
}

/** A verified assertion: whose passkey, and what it says about the sign-in (RFC 8176). */
export interface PasskeyAssertion {
  userId: string;
  passkeyId: string;
  methods: AuthenticationMethod[];
}

/** Why an assertion was refused without being malformed: a clone's counter, or a changed backup eligibility. */
export class PasskeyRefused extends Error {
  constructor(readonly userId: string, readonly reason: 'counter-regression' | 'backup-eligibility-changed' | 'user-not-verified' | 'not-this-users') {
    super(reason);
  }
}

export const toPasskeyView = (row: PasskeyRow): PasskeyView => ({
  id: row.id,
  name: row.name,
  deviceType: row.device_type,
  backedUp: row.backed_up,
  createdAt: row.created_at.toISOString(),
  lastUsedAt: row.last_used_at?.toISOString() ?? null,
});

/**
 * Passkeys (WebAuthn, @simplewebauthn/server): several per user, named; registered as discoverable
 * credentials with attestation `none`; every challenge single-use, expiring (MFA_CHALLENGE_TTL_SECONDS)
 * and kept in Postgres; each assertion's signature counter must move forward (a clone's does not) and
 * a credential's backup eligibility must not change. Relying party and origins: relyingPartyOf().
 */
@Injectable()
export class PasskeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly factors: FactorsService,
    private readonly audit: AuditRecorder,
    private readonly outbox: Outbox,
    private readonly env: IdentityEnv,
  ) {}

  async list(userId: string, manager: EntityManager = this.dataSource.manager): Promise<PasskeyView[]> {
    const rows: PasskeyRow[] = await manager.query(`SELECT * FROM identity.passkeys WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
    return rows.map(toPasskeyView);
  }

  async registrationOptions(caller: Caller): Promise<PasskeyOptions> {
    const user = await this.userOf(caller.id);
    const rp = relyingPartyOf(this.env);
    const existing: Array<{ credential_id: string; transports: string[] }> = await this.dataSource.query(
      `SELECT credential_id, transports FROM identity.passkeys WHERE user_id = $1`,
      [user.id],
    );
    const options = await generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userName: user.email ?? user.username,
      userDisplayName: [user.firstName, user.lastName].filter(Boolean).join(' ') || user.username,
      userID: Buffer.from(user.id, 'utf8'),
      attestationType: 'none',
      timeout: this.env.MFA_CHALLENGE_TTL_SECONDS * 1000,
      excludeCredentials: existing.map((c) => ({ id: c.credential_id, transports: c.transports as never })),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' },
    });
    await this.storeChallenge('passkey-registration', user.id, options.challenge);
    return { options: options as unknown as Record<string, unknown> };
  }

  async register(caller: Caller, request: RegisterPasskeyRequest): Promise<RegisteredPasskey> {
    const user = await this.userOf(caller.id);
    const challenge = await this.takeChallenge('passkey-registration', request.credential, 'credential', user.id);
    const rp = relyingPartyOf(this.env);
    let info;
    try {
      const verified = await verifyRegistrationResponse({
        response: request.credential as unknown as RegistrationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: rp.origins,
        expectedRPID: rp.id,
        requireUserVerification: false,
      });
      if (!verified.verified) throw new Error('the registration did not verify');
      info = verified.registrationInfo;
    } catch (error) {
      throw refusedResponse(error, 'credential');
    }
    const result = await this.dataSource.transaction(async (manager) => {
      const hadFactors = (await confirmedFactors(manager, user.id)).length > 0;
      const [row] = await returning<PasskeyRow>(
        manager,
        `INSERT INTO identity.passkeys (user_id, credential_id, public_key, counter, transports, device_type, backed_up, aaguid, name)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (credential_id) DO NOTHING RETURNING *`,
        [user.id, info.credential.id, Buffer.from(info.credential.publicKey), info.credential.counter, info.credential.transports ?? [],
          info.credentialDeviceType, info.credentialBackedUp, info.aaguid, request.name],
      );
      if (!row) throw ProblemException.conflict('This passkey is already registered');
      await this.factors.record(manager, caller, user.id, 'passkey-registered', { passkeyId: row.id, name: row.name, deviceType: row.device_type });
      const view: RegisteredPasskey = toPasskeyView(row);
      if (!hadFactors) view.recoveryCodes = await this.factors.issueRecoveryCodes(manager, caller, user.id);
      return view;
    });
    void this.outbox.flush();
    return result;
  }

  async rename(caller: Caller, id: string, name: string): Promise<PasskeyView> {
    const [row] = await returning<PasskeyRow>(
      this.dataSource.manager,
      `UPDATE identity.passkeys SET name = $3 WHERE id = $1 AND user_id = $2 RETURNING *`,
      [id, caller.id, name],
    );
    if (!row) throw ProblemException.notFound('Passkey not found');
    return toPasskeyView(row);
  }

  async remove(caller: Caller, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [row] = await returning<PasskeyRow>(manager, `DELETE FROM identity.passkeys WHERE id = $1 AND user_id = $2 RETURNING *`, [id, caller.id]);
      if (!row) throw ProblemException.notFound('Passkey not found');
      await this.factors.record(manager, caller, caller.id, 'passkey-removed', { passkeyId: row.id, name: row.name });
      await this.factors.dropCodesWithoutFactor(manager, caller, caller.id);
    });
    void this.outbox.flush();
  }

  /** Options of an assertion: the user's passkeys (second factor), or any discoverable one (no user). */
  async assertionOptions(userId: string | null): Promise<Record<string, unknown>> {
    const allow: Array<{ credential_id: string; transports: string[] }> = userId
      ? await this.dataSource.query(`SELECT credential_id, transports FROM identity.passkeys WHERE user_id = $1`, [userId])
      : [];
    const options = await generateAuthenticationOptions({
      rpID: relyingPartyOf(this.env).id,
      timeout: this.env.MFA_CHALLENGE_TTL_SECONDS * 1000,
      allowCredentials: allow.map((c) => ({ id: c.credential_id, transports: c.transports as never })),
      userVerification: userId ? 'preferred' : 'required',
    });
    return options as unknown as Record<string, unknown>;
  }

  /** Options to sign in with a passkey alone: the challenge is stored, no user is named. */
  async loginOptions(): Promise<PasskeyOptions> {
    const options = await this.assertionOptions(null);
    await this.storeChallenge('passkey-login', null, options['challenge'] as string);
    return { options };
  }

  /** The challenge of a passkey sign-in, used up: the assertion's own clientDataJSON names it. */
  takeLoginChallenge(credential: WebAuthnCredential, field: string): Promise<string> {
    return this.takeChallenge('passkey-login', credential, field, null);
  }

  /**
   * Verifies an assertion of `expectedChallenge` by a passkey (of `userId` when given): counter forward,
   * backup eligibility unchanged, user verified when required. Malformed or mismatched: a 400 naming
   * the field; refused (a clone, another user's passkey): PasskeyRefused.
   */
  async verifyAssertion(credential: WebAuthnCredential, expectedChallenge: string, userId: string | null, field: string, requireUserVerification: boolean): Promise<PasskeyAssertion> {
    const [row]: PasskeyRow[] = await this.dataSource.query(`SELECT * FROM identity.passkeys WHERE credential_id = $1`, [credential.id]);
    if (!row) throw ProblemException.validation([{ field: `${field}.id`, message: 'no passkey with this id is registered' }]);
    if (userId && row.user_id !== userId) throw new PasskeyRefused(userId, 'not-this-users');
    const rp = relyingPartyOf(this.env);
    let info;
    try {
      const verified = await verifyAuthenticationResponse({
        response: credential as unknown as AuthenticationResponseJSON,
        expectedChallenge,
        expectedOrigin: rp.origins,
        expectedRPID: rp.id,
        credential: { id: row.credential_id, publicKey: new Uint8Array(row.public_key), counter: Number(row.counter), transports: row.transports as never },
        requireUserVerification,
      });
      if (!verified.verified) throw new Error('The signature does not verify');
      info = verified.authenticationInfo;
    } catch (error) {
      if (isCounterRegression(error)) throw new PasskeyRefused(row.user_id, 'counter-regression');
      throw refusedResponse(error, field);
    }
    // Backup eligibility is fixed for a credential's life: a change means another authenticator.
    if (info.credentialDeviceType !== row.device_type) throw new PasskeyRefused(row.user_id, 'backup-eligibility-changed');
    if (requireUserVerification && !info.userVerified) throw new PasskeyRefused(row.user_id, 'user-not-verified');
    // Conditional: two assertions racing with the same counter cannot both pass.
    const updated = await returning(
      this.dataSource.manager,
      `UPDATE identity.passkeys SET counter = $2, backed_up = $3, last_used_at = now() WHERE id = $1 AND (counter < $2 OR $2 = 0) RETURNING id`,
      [row.id, info.newCounter, info.credentialBackedUp],
    );
    if (updated.length === 0) throw new PasskeyRefused(row.user_id, 'counter-regression');
    const methods: AuthenticationMethod[] = [row.device_type === 'multiDevice' ? 'swk' : 'hwk', ...(info.userVerified ? (['user'] as const) : [])];
    return { userId: row.user_id, passkeyId: row.id, methods };
  }

  /** The 401 a refused assertion answers with (the reason is audited, and said). */
  refusal(refused: PasskeyRefused, field: string): ProblemException {
    const detail = refused.reason === 'counter-regression'
      ? "The passkey's signature counter went back: it may have been cloned, so it is refused"
      : refused.reason === 'backup-eligibility-changed'
        ? "The passkey's backup eligibility changed: it is not the authenticator that was registered"
        : refused.reason === 'user-not-verified'
          ? 'Signing in with a passkey alone needs the authenticator to verify you (PIN or biometrics)'
          : 'This passkey does not belong to the account signing in';
    return new ProblemException(401, MFA_PROBLEMS.invalidSecondFactor, detail, { reason: refused.reason, errors: [{ field, message: detail }] });
  }

  private async storeChallenge(purpose: 'passkey-registration' | 'passkey-login', userId: string | null, challenge: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM identity.mfa_challenges WHERE expires_at < now() - interval '1 hour'`);
    await this.dataSource.query(
      `INSERT INTO identity.mfa_challenges (purpose, user_id, challenge, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [purpose, userId, challenge, this.env.MFA_CHALLENGE_TTL_SECONDS],
    );
  }

  /** Finds and uses up the stored challenge the response signed: unknown, used, expired or another user's is a 400. */
  private async takeChallenge(purpose: string, credential: WebAuthnCredential, field: string, userId: string | null): Promise<string> {
    const challenge = challengeOf(credential, field);
    const [row] = await returning<{ challenge: string }>(
      this.dataSource.manager,
      `UPDATE identity.mfa_challenges SET used_at = now()
        WHERE challenge = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now() AND user_id IS NOT DISTINCT FROM $3 RETURNING challenge`,
      [challenge, purpose, userId],
    );
    if (!row) throw unknownChallenge(field);
    return row.challenge;
  }

  private async userOf(id: string): Promise<UserEntity> {
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id });
    if (!user) throw ProblemException.notFound('User not found');
    return user;
  }
}
