import {
  Caller, MfaFactorsView, PasskeyView, RecoveryCodes, TotpConfirmation, TotpEnrolment,
} from '@gatehouse/contracts';
import { AuditRecorder, Outbox } from '@gatehouse/durable-events';
import { ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { toDataURL } from 'qrcode';
import { DataSource, EntityManager } from 'typeorm';
import { returning } from '../common/sql';
import { IdentityEnv } from '../identity.env';
import { UserEntity } from '../users/user.entity';
import { confirmedFactors, totpOf } from './factor-store';
import { hashRecoveryCode, newRecoveryCodes } from './recovery-codes';
import { SecretBox } from './secret-box';
import { matchTotp, newTotpSecret, totpUri } from './totp';

/** The additional data a TOTP secret is sealed with: the secret of one user opens for that user only. */
export const totpContext = (userId: string) => `totp:${userId}`;

/**
 * A user's own second factors: TOTP enrolment (a secret shown once with its QR code, confirmed by a
 * code), removal, and recovery codes (issued with the first factor, regenerated on demand, stored
 * hashed). Every change is audited on the user.
 */
@Injectable()
export class FactorsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly audit: AuditRecorder,
    private readonly outbox: Outbox,
    private readonly env: IdentityEnv,
  ) {}

  async listMine(caller: Caller): Promise<MfaFactorsView> {
    const manager = this.dataSource.manager;
    const totp = await totpOf(manager, caller.id);
    const [codes]: Array<{ remaining: string; created_at: Date | null }> = await manager.query(
      `SELECT count(*) FILTER (WHERE used_at IS NULL) AS remaining, min(created_at) AS created_at FROM identity.recovery_codes WHERE user_id = $1`,
      [caller.id],
    );
    return {
      enabled: (await confirmedFactors(manager, caller.id)).length > 0,
      totp: totp
        ? {
            confirmed: totp.confirmed_at !== null,
            createdAt: totp.created_at.toISOString(),
            confirmedAt: totp.confirmed_at?.toISOString() ?? null,
            lastUsedAt: totp.last_used_at?.toISOString() ?? null,
          }
        : null,
      passkeys: await this.passkeysOf(manager, caller.id),
      recoveryCodes: codes.created_at ? { remaining: Number(codes.remaining), createdAt: codes.created_at.toISOString() } : null,
    };
  }

  /** A new secret, unconfirmed (a sign-in does not ask for it) until `confirmTotp`; an unconfirmed one is replaced. */
  async enrolTotp(caller: Caller): Promise<TotpEnrolment> {
    const user = await this.userOf(caller);
    const secret = newTotpSecret();
    const sealed = this.box.seal(secret, totpContext(user.id));
    await this.dataSource.transaction(async (manager) => {
      const existing = await totpOf(manager, user.id, true);
      if (existing?.confirmed_at) throw ProblemException.conflict('An authenticator app is already set up: remove it first to set up another');
      await manager.query(
        `INSERT INTO identity.totp_factors (user_id, secret_ciphertext, key_id) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = $2, key_id = $3, created_at = now(), last_time_step = NULL`,
        [user.id, sealed.ciphertext, sealed.keyId],
      );
      await this.record(manager, caller, user.id, 'totp-enrolment-started');
    });
    void this.outbox.flush();
    const otpauthUri = totpUri(this.env.MFA_TOTP_ISSUER, user.email ?? user.username, secret);
    return { secret, otpauthUri, qrCode: await toDataURL(otpauthUri, { errorCorrectionLevel: 'M', margin: 2, width: 240 }) };
  }

  /** Confirms the pending enrolment with a current code; the first factor of a user comes with its recovery codes. */
  async confirmTotp(caller: Caller, code: string): Promise<TotpConfirmation> {
    const user = await this.userOf(caller);
    const result = await this.dataSource.transaction(async (manager) => {
      const totp = await totpOf(manager, user.id, true);
      if (!totp) throw ProblemException.conflict('No authenticator app is being set up: start with POST /api/v1/me/mfa/totp');
      if (totp.confirmed_at) throw ProblemException.conflict('The authenticator app is already confirmed');
      const step = matchTotp(this.box.open({ ciphertext: totp.secret_ciphertext, keyId: totp.key_id }, totpContext(user.id)), code, null);
      if (step === null) return null;
      const hadFactors = (await confirmedFactors(manager, user.id)).length > 0;
      await manager.query(
        `UPDATE identity.totp_factors SET confirmed_at = now(), last_time_step = $2 WHERE user_id = $1`,
        [user.id, step],
      );
      await this.record(manager, caller, user.id, 'totp-enrolled');
      if (hadFactors) return {};
      return { recoveryCodes: await this.issueRecoveryCodes(manager, caller, user.id) };
    });
    void this.outbox.flush();
    if (!result) {
      throw ProblemException.validation([{ field: 'code', message: 'code does not match: enter the code the authenticator app shows now' }]);
    }
    return result;
  }

  /** Removes the authenticator app; recovery codes go with the last factor. */
  async removeTotp(caller: Caller): Promise<void> {
    const user = await this.userOf(caller);
    await this.dataSource.transaction(async (manager) => {
      const deleted = await returning(manager, `DELETE FROM identity.totp_factors WHERE user_id = $1 RETURNING user_id`, [user.id]);
      if (deleted.length === 0) throw ProblemException.notFound('No authenticator app is set up');
      await this.record(manager, caller, user.id, 'totp-removed');
      await this.dropCodesWithoutFactor(manager, caller, user.id);
    });
    void this.outbox.flush();
  }

  /** A new set of recovery codes (shown once); the previous set stops working. Needs a second factor. */
  async regenerateRecoveryCodes(caller: Caller): Promise<RecoveryCodes> {
    const user = await this.userOf(caller);
    const codes = await this.dataSource.transaction(async (manager) => {
      if ((await confirmedFactors(manager, user.id)).filter((f) => f !== 'recovery-code').length === 0) {
        throw ProblemException.conflict('Recovery codes stand in for a second factor: set up an authenticator app or a passkey first');
      }
      return this.issueRecoveryCodes(manager, caller, user.id);
    });
    void this.outbox.flush();
    return { codes };
  }

  /** Deletes the recovery codes of a user left without a factor (they never work alone). */
  async dropCodesWithoutFactor(manager: EntityManager, caller: Caller, userId: string): Promise<void> {
    if ((await confirmedFactors(manager, userId)).length > 0) return;
    const dropped = await returning(manager, `DELETE FROM identity.recovery_codes WHERE user_id = $1 RETURNING id`, [userId]);
    if (dropped.length > 0) await this.record(manager, caller, userId, 'recovery-codes-removed');
  }

  /** A new set of recovery codes in the caller's transaction (the previous set is deleted); the codes in clear, once. */
  async issueRecoveryCodes(manager: EntityManager, caller: Caller, userId: string): Promise<string[]> {
    const codes = newRecoveryCodes();
    await manager.query(`DELETE FROM identity.recovery_codes WHERE user_id = $1`, [userId]);
    await manager.query(
      `INSERT INTO identity.recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])`,
      [userId, codes.map((code) => hashRecoveryCode(userId, code))],
    );
    await this.record(manager, caller, userId, 'recovery-codes-generated', { count: codes.length });
    return codes;
  }

  private async passkeysOf(manager: EntityManager, userId: string): Promise<PasskeyView[]> {
    const rows: Array<{ id: string; name: string; device_type: PasskeyView['deviceType']; backed_up: boolean; created_at: Date; last_used_at: Date | null }> =
      await manager.query(`SELECT id, name, device_type, backed_up, created_at, last_used_at FROM identity.passkeys WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
    return rows.map((r) => ({
      id: r.id, name: r.name, deviceType: r.device_type, backedUp: r.backed_up, createdAt: r.created_at.toISOString(), lastUsedAt: r.last_used_at?.toISOString() ?? null,
    }));
  }

  private async userOf(caller: Caller): Promise<UserEntity> {
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id: caller.id });
    if (!user) throw ProblemException.notFound('User not found');
    return user;
  }

  async record(manager: EntityManager, caller: Caller, userId: string, action: string, details: Record<string, unknown> = {}): Promise<void> {
    await this.audit.record(manager, caller, {
      tenantId: undefined,
      type: action.endsWith('removed') ? 'DELETE' : action.endsWith('started') || action.endsWith('generated') || action.endsWith('enrolled') ? 'CREATE' : 'UPDATE',
      resourceType: 'USER',
      resourceId: userId,
      details: { action, ...details },
    });
  }
}
