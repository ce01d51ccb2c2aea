import {
  AuthenticationMethod, CompleteMfaLoginRequest, FieldError, IDENTITY_PROBLEMS, MFA_PROBLEMS, MfaRequired, PasskeyLoginRequest, SecondFactorKind,
  WebAuthnCredential,
} from '@gatehouse/contracts';
import { hashToken, newOpaqueToken } from '@gatehouse/database';
import { ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returning } from '../common/sql';
import { IdentityEnv } from '../identity.env';
import { LoginProtectionService } from '../login-protection/login-protection.service';
import { UserEntity } from '../users/user.entity';
import { confirmedFactors, totpOf } from './factor-store';
import { totpContext } from './factors.service';
import { hashRecoveryCode } from './recovery-codes';
import { SecretBox } from './secret-box';
import { PasskeyRefused, PasskeysService } from './passkeys.service';
import { matchTotp } from './totp';

/** The first step a second one completes: a password (the default), or a sign-in through an identity provider. */
export interface FirstStep {
  methods: AuthenticationMethod[];
  providerId: string | null;
  /** A federated session's end (its provider's session lifetime). */
  sessionEndsAt: Date | null;
}

export const PASSWORD_STEP: FirstStep = { methods: ['pwd'], providerId: null, sessionEndsAt: null };

/** How a completed second step authenticated the user. */
export interface SecondFactorOutcome {
  user: UserEntity;
  /** The step it completed: its methods come first in the session's `amr`. */
  first: FirstStep;
  /** What the second factor adds to the first step's methods (e.g. `otp`). */
  methods: AuthenticationMethod[];
  factor: SecondFactorKind;
}

interface ChallengeRow {
  id: string;
  user_id: string;
  challenge: string | null;
  attempts: number;
  expires_at: Date;
  used_at: Date | null;
  first_methods: AuthenticationMethod[] | null;
  provider_id: string | null;
  session_ends_at: Date | null;
}

function firstStepOf(row: ChallengeRow): FirstStep {
  return row.first_methods ? { methods: row.first_methods, providerId: row.provider_id, sessionEndsAt: row.session_ends_at } : PASSWORD_STEP;
}

const INVALID_TOKEN = 'This second step is unknown, used or expired: sign in again';

/**
 * The second step of every way a person signs in (`/api/v1/login`, the console's session, and the OIDC
 * provider's interaction): after the password, `challenge()` answers the `mfa-required` problem with a
 * single-use token; `verify()` takes that token and one factor. Wrong factors count towards the account
 * lockout like wrong passwords (and void the token after MFA_CHALLENGE_MAX_ATTEMPTS); the failure count
 * is cleared only by a complete sign-in, never by the password step alone.
 */
@Injectable()
export class SecondFactorService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly protection: LoginProtectionService,
    private readonly env: IdentityEnv,
    private readonly passkeys: PasskeysService,
  ) {}

  /** The factors a sign-in of this user must ask for; empty when the user has none. */
  factorsOf(userId: string, manager: EntityManager = this.dataSource.manager): Promise<SecondFactorKind[]> {
    return confirmedFactors(manager, userId);
  }

  /**
   * Starts a second step for a user whose password was right: the `mfa-required` problem to answer with
   * (with a passkey among the factors, the assertion options whose challenge this step keeps).
   */
  async challenge(userId: string, factors: SecondFactorKind[], first: FirstStep = PASSWORD_STEP): Promise<ProblemException> {
    const members = await this.start(userId, factors, 'login', first);
    return new ProblemException(401, MFA_PROBLEMS.mfaRequired, 'A second factor is required: post it with mfaToken to the second step', { ...members });
  }

  /**
   * A second step: its single-use token (stored hashed, for `purpose` only: a step-up's token never
   * completes a sign-in, nor the reverse) and, with a passkey among the factors, the assertion options.
   */
  async start(userId: string, factors: SecondFactorKind[], purpose: 'login' | 'step-up', first: FirstStep = PASSWORD_STEP): Promise<MfaRequired> {
    const token = newOpaqueToken('ghm');
    const passkeyOptions = factors.includes('passkey') ? await this.passkeys.assertionOptions(userId) : undefined;
    const federated = first !== PASSWORD_STEP;
    await this.dataSource.query(
      `INSERT INTO identity.mfa_challenges (purpose, user_id, token_hash, methods, challenge, expires_at, first_methods, provider_id, session_ends_at)
       VALUES ($6, $1, $2, $3, $4, now() + make_interval(secs => $5), $7, $8, $9)`,
      [
        userId, hashToken(token), factors, passkeyOptions?.['challenge'] ?? null, this.env.MFA_CHALLENGE_TTL_SECONDS, purpose,
        federated ? first.methods : null, first.providerId, first.sessionEndsAt,
      ],
    );
    return { mfaToken: token, expiresIn: this.env.MFA_CHALLENGE_TTL_SECONDS, factors, ...(passkeyOptions ? { passkeyOptions } : {}) };
  }

  /**
   * Checks the second step: a live token and exactly one right factor. On success the token is used up;
   * a wrong factor is a 401 naming the field (and counted), a bad token a 401 `invalid-mfa-token`.
   */
  async verify(request: CompleteMfaLoginRequest, ip: string | null, purpose: 'login' | 'step-up' = 'login'): Promise<SecondFactorOutcome> {
    const given = (['code', 'recoveryCode', 'passkey'] as const).filter((field) => request[field] !== undefined);
    if (given.length !== 1) {
      const errors: FieldError[] = [{ field: 'code', message: 'send exactly one second factor: code, recoveryCode or passkey' }];
      throw ProblemException.validation(errors);
    }
    const challenge = await this.liveChallenge(request.mfaToken, purpose);
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id: challenge.user_id });
    if (!user || user.status !== 'ACTIVE' || this.protection.isLocked(user)) {
      await this.dataSource.query(`UPDATE identity.mfa_challenges SET used_at = now() WHERE id = $1`, [challenge.id]);
      throw new ProblemException(401, MFA_PROBLEMS.invalidMfaToken, INVALID_TOKEN);
    }
    if (request.passkey) return this.verifyPasskeyStep(challenge, user, request, ip);
    const outcome = await this.dataSource.transaction(async (manager) => {
      // Locked: two requests with one token cannot both pass, nor spend more attempts than allowed.
      const [row]: ChallengeRow[] = await manager.query(`SELECT * FROM identity.mfa_challenges WHERE id = $1 FOR UPDATE`, [challenge.id]);
      if (!row || row.used_at || row.attempts >= this.env.MFA_CHALLENGE_MAX_ATTEMPTS) return 'invalid-token' as const;
      const factor = request.code !== undefined
        ? await this.checkTotp(manager, user.id, request.code)
        : await this.checkRecoveryCode(manager, user.id, request.recoveryCode as string);
      if (!factor) {
        await this.countAttempt(manager, row.id);
        return null;
      }
      await manager.query(`UPDATE identity.mfa_challenges SET used_at = now() WHERE id = $1`, [row.id]);
      return factor;
    });
    if (outcome === 'invalid-token') throw new ProblemException(401, MFA_PROBLEMS.invalidMfaToken, INVALID_TOKEN);
    if (!outcome) {
      const field = given[0];
      await this.protection.recordFailure(user, user.username, ip, 'login', 'invalid-second-factor', { factor: field === 'code' ? 'totp' : 'recovery-code' });
      throw new ProblemException(401, MFA_PROBLEMS.invalidSecondFactor, `The ${field === 'code' ? 'code' : 'recovery code'} is wrong or was already used`, {
        errors: [{ field, message: `${field} is wrong or was already used` }],
      });
    }
    return { user, first: firstStepOf(challenge), methods: ['otp'], factor: outcome };
  }

  /** A passkey as the second factor: the assertion of this step's challenge, by one of the user's passkeys. */
  private async verifyPasskeyStep(challenge: ChallengeRow, user: UserEntity, request: CompleteMfaLoginRequest, ip: string | null): Promise<SecondFactorOutcome> {
    if (!challenge.challenge) {
      throw ProblemException.validation([{ field: 'passkey', message: 'this sign-in offered no passkey: the account had none when it started' }]);
    }
    const used = await returning(
      this.dataSource.manager,
      `UPDATE identity.mfa_challenges SET used_at = now() WHERE id = $1 AND used_at IS NULL AND attempts < $2 RETURNING id`,
      [challenge.id, this.env.MFA_CHALLENGE_MAX_ATTEMPTS],
    );
    if (used.length === 0) throw new ProblemException(401, MFA_PROBLEMS.invalidMfaToken, INVALID_TOKEN);
    try {
      const assertion = await this.passkeys.verifyAssertion(request.passkey as WebAuthnCredential, challenge.challenge, user.id, 'passkey', false);
      return { user, first: firstStepOf(challenge), methods: assertion.methods, factor: 'passkey' };
    } catch (error) {
      // A malformed or refused assertion spends an attempt; the step stays open for another try.
      await this.dataSource.transaction((manager) => manager.query(
        `UPDATE identity.mfa_challenges SET used_at = NULL, attempts = attempts + 1 WHERE id = $1`, [challenge.id],
      ).then(() => this.countAttempt(manager, challenge.id, true)));
      if (error instanceof PasskeyRefused) {
        await this.protection.recordFailure(user, user.username, ip, 'login', 'invalid-second-factor', { factor: 'passkey', refusal: error.reason });
        throw this.passkeys.refusal(error, 'passkey');
      }
      await this.protection.recordFailure(user, user.username, ip, 'login', 'invalid-second-factor', { factor: 'passkey' });
      throw error;
    }
  }

  /**
   * Signing in with a passkey alone (a discoverable credential with user verification): the assertion
   * of a stored passkey-login challenge. Counts as a complete sign-in (amr hwk/swk + user + mfa).
   */
  async verifyPasskeyLogin(request: PasskeyLoginRequest, ip: string | null): Promise<SecondFactorOutcome> {
    const challenge = await this.passkeys.takeLoginChallenge(request.credential, 'credential');
    let assertion;
    try {
      assertion = await this.passkeys.verifyAssertion(request.credential, challenge, null, 'credential', true);
    } catch (error) {
      if (!(error instanceof PasskeyRefused)) throw error;
      const owner = await this.dataSource.getRepository(UserEntity).findOneBy({ id: error.userId });
      await this.protection.recordFailure(owner, owner?.username ?? '', ip, 'login', 'invalid-passkey', { refusal: error.reason });
      throw this.passkeys.refusal(error, 'credential');
    }
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id: assertion.userId });
    if (!user || user.status !== 'ACTIVE' || this.protection.isLocked(user)) {
      if (user) await this.protection.recordFailure(user, user.username, ip, 'login', user.status !== 'ACTIVE' ? 'disabled' : 'locked', { factor: 'passkey' });
      throw ProblemException.unauthorized('This account cannot sign in now');
    }
    if (user.mustChangePassword) {
      await this.protection.recordFailure(user, user.username, ip, 'login', 'password-change-required', { factor: 'passkey' });
      throw new ProblemException(403, IDENTITY_PROBLEMS.passwordChangeRequired, 'An administrator requires a new password: use the link sent by email, or request one with forgotten-password');
    }
    return { user, first: PASSWORD_STEP, methods: assertion.methods, factor: 'passkey' };
  }

  /** One wrong factor: an attempt spent, and the step void once they are all spent. */
  private async countAttempt(manager: EntityManager, id: string, alreadyCounted = false): Promise<void> {
    await manager.query(
      `UPDATE identity.mfa_challenges SET attempts = attempts + $3,
         used_at = CASE WHEN attempts + $3 >= $2 THEN now() END WHERE id = $1`,
      [id, this.env.MFA_CHALLENGE_MAX_ATTEMPTS, alreadyCounted ? 0 : 1],
    );
  }

  private async liveChallenge(token: string, purpose: 'login' | 'step-up'): Promise<ChallengeRow> {
    const [row]: ChallengeRow[] = await this.dataSource.query(
      `SELECT * FROM identity.mfa_challenges WHERE token_hash = $1 AND purpose = $2`,
      [hashToken(token), purpose],
    );
    if (!row || row.used_at || row.expires_at.getTime() <= Date.now() || row.attempts >= this.env.MFA_CHALLENGE_MAX_ATTEMPTS) {
      throw new ProblemException(401, MFA_PROBLEMS.invalidMfaToken, INVALID_TOKEN);
    }
    return row;
  }

  /** A current code of the confirmed authenticator app, newer than the last accepted one (no replay). */
  private async checkTotp(manager: EntityManager, userId: string, code: string): Promise<SecondFactorKind | null> {
    const totp = await totpOf(manager, userId, true);
    if (!totp?.confirmed_at) return null;
    const secret = this.box.open({ ciphertext: totp.secret_ciphertext, keyId: totp.key_id }, totpContext(userId));
    const step = matchTotp(secret, code, totp.last_time_step === null ? null : Number(totp.last_time_step));
    if (step === null) return null;
    // Rotation: a secret sealed with an older key is sealed again with the current one.
    const resealed = totp.key_id === this.box.currentKeyId ? null : this.box.seal(secret, totpContext(userId));
    await manager.query(
      `UPDATE identity.totp_factors SET last_time_step = $2, last_used_at = now(),
         secret_ciphertext = coalesce($3, secret_ciphertext), key_id = coalesce($4, key_id) WHERE user_id = $1`,
      [userId, step, resealed?.ciphertext ?? null, resealed?.keyId ?? null],
    );
    return 'totp';
  }

  /** One unused recovery code, used up atomically. */
  private async checkRecoveryCode(manager: EntityManager, userId: string, code: string): Promise<SecondFactorKind | null> {
    if ((await confirmedFactors(manager, userId)).length === 0) return null;
    const used = await returning(
      manager,
      `UPDATE identity.recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING id`,
      [userId, hashRecoveryCode(userId, code)],
    );
    return used.length > 0 ? 'recovery-code' : null;
  }
}
