import {
  AuditEntry, Caller, ChangeOwnPasswordRequest, IDENTITY_PROBLEMS, IdentityNotificationEvents, PasswordResetRequested,
  PasswordResetRequestResult,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { AuditRecorder, Outbox } from '@gatehouse/durable-events';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { anonymousCaller, ANONYMOUS_ACTOR } from '../common/callers';
import { returning } from '../common/sql';
import { IdentityEnv } from '../identity.env';
import { LoginProtectionService } from '../login-protection/login-protection.service';
import { PasswordHasher } from '../passwords/password-hasher';
import { PasswordPolicyService } from '../passwords/password-policy';
import { NOTHING_REVOKED, Revocations } from '../revocation/revocations';
import { hashToken, LinkTokenSealer, newOpaqueToken } from '@gatehouse/database';
import { SuperAdminGuard } from '../users/super-admin.guard';
import { UserEntity } from '../users/user.entity';
import { GrantGuardClient } from '../common/grant-guard.client';

type ResetReason = PasswordResetRequested['reason'];

const INVALID_RESET = 'This password reset link is invalid, expired or already used; request a new one';

/**
 * Change own password, forgotten password, reset by link, a password reset required by an administrator
 * and a Super Admin setting a password. A forgotten password and an administrator's request both issue a
 * password reset link (reason FORGOTTEN_PASSWORD or ADMIN_REQUEST): 256 random bits, stored as SHA-256,
 * single use, reaching the user through `passwordResetRequested` events (outbox → notification's email),
 * which carry it sealed with LINK_TOKEN_ENCRYPTION_KEYS.
 */
@Injectable()
export class PasswordFlowsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicyService,
    private readonly protection: LoginProtectionService,
    private readonly revocations: Revocations,
    private readonly superAdmins: SuperAdminGuard,
    private readonly audit: AuditRecorder,
    private readonly outbox: Outbox,
    private readonly env: IdentityEnv,
    private readonly grantGuard: GrantGuardClient,
    private readonly linkTokens: LinkTokenSealer,
  ) {}

  async changeOwn(caller: Caller, request: ChangeOwnPasswordRequest): Promise<void> {
    this.assertPolicy(request.newPassword, 'newPassword');
    const user = await this.dataSource
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.id = :id', { id: caller.id })
      .getOne();
    if (!user || user.status !== 'ACTIVE') throw ProblemException.unauthorized();
    if (!(await this.hasher.verify(user.passwordHash, request.oldPassword))) {
      // A stolen session must not become a way to guess the password: it counts like a failed sign-in.
      await this.protection.recordFailure(user, user.username, caller.ip ?? null, 'login', 'invalid-credentials');
      throw ProblemException.validation([{ field: 'oldPassword', message: 'oldPassword is not the current password' }]);
    }
    const passwordHash = await this.hasher.hash(request.newPassword);
    const revoked = await this.dataSource.transaction(async (manager) => {
      await manager.query(`UPDATE identity.users SET password_hash = $2, updated_at = now() WHERE id = $1`, [user.id, passwordHash]);
      // ASVS V3.3.3: ending the others is the default; `endOtherSessions: false` keeps them.
      const endOthers = request.endOtherSessions !== false;
      const ended = endOthers
        ? await this.revocations.endSessions(manager, user.id, caller.sessionId)
        : { ...NOTHING_REVOKED, subjectIds: [user.id] };
      await this.auditPassword(manager, caller, user.id, 'change-password', { endOtherSessions: endOthers });
      return ended;
    });
    void this.outbox.flush();
    await this.revocations.publish(revoked);
  }

  /**
   * Answers the same, in about the same time, whether or not an account has this email. Only a verified
   * address gets a link: an unverified one is treated as unknown (docs/accounts.md).
   */
  async forgottenPassword(email: string, ip: string | null): Promise<void> {
    // The floor on the answer time comes first: once the transaction commits, the answer (and the
    // idempotency record of a keyed request) follows at once, so a crash cannot land in between.
    await new Promise((r) => setTimeout(r, this.env.FORGOTTEN_PASSWORD_MIN_RESPONSE_MS));
    const secret = newOpaqueToken();
    const tokenHash = hashToken(secret);
    await this.dataSource.transaction(async (manager) => {
      const user = await manager
        .getRepository(UserEntity)
        .createQueryBuilder('u')
        .where('lower(u.email) = lower(:email)', { email })
        .getOne();
      // A federated-only user has no password to reset (docs/federation.md): answered alike, nothing sent.
      if (user && user.status === 'ACTIVE' && user.emailVerified && user.passwordSignIn) {
        await this.issueResetToken(manager, user, secret, tokenHash, 'FORGOTTEN_PASSWORD', null);
        await this.auditPassword(manager, anonymousCaller(ip), user.id, 'forgotten-password', {}, ANONYMOUS_ACTOR);
      } else {
        // The same statements' cost without a trace: a look-up by hash that finds nothing.
        await manager.query(`SELECT 1 FROM identity.password_reset_tokens WHERE token_hash = $1`, [tokenHash]);
        await manager.query(`SELECT 1 FROM identity.outbox WHERE id = gen_random_uuid()`);
      }
    });
    void this.outbox.flush();
  }

  /** Sets the new password, clears the must-change flag and any lockout, and ends every session. */
  async reset(secret: string, password: string, ip: string | null): Promise<void> {
    this.assertPolicy(password, 'password');
    const passwordHash = await this.hasher.hash(password);
    const revoked = await this.dataSource.transaction(async (manager) => {
      const [token] = await returning<{ user_id: string }>(
        manager,
        `UPDATE identity.password_reset_tokens SET used_at = now()
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id`,
        [hashToken(secret)],
      );
      if (!token) throw new ProblemException(400, IDENTITY_PROBLEMS.invalidResetToken, INVALID_RESET);
      const user = await manager.getRepository(UserEntity).findOneBy({ id: token.user_id });
      if (!user || user.status !== 'ACTIVE') throw new ProblemException(400, IDENTITY_PROBLEMS.invalidResetToken, INVALID_RESET);
      // Every other outstanding link of this user dies with this one.
      await manager.query(`UPDATE identity.password_reset_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, [user.id]);
      await this.setPassword(manager, user.id, passwordHash);
      // The link reached the account's address: it is verified (as the migration judged existing users).
      if (!user.emailVerified) await manager.query(`UPDATE identity.users SET email_verified = true WHERE id = $1`, [user.id]);
      await this.auditPassword(manager, { type: 'USER', id: user.id, via: 'internal', ...(ip ? { ip } : {}) }, user.id, 'reset-password', {});
      return this.revocations.endSessions(manager, user.id);
    });
    void this.outbox.flush();
    await this.revocations.publish(revoked);
  }

  /** A password reset required by an administrator: must-change flag plus an emailed link (ADMIN_REQUEST). */
  async requestReset(caller: Caller | null, tenantId: string | null | undefined, userIds: string[]): Promise<PasswordResetRequestResult> {
    if (userIds.length === 0) return { requested: 0 };
    const requested = await this.dataSource.transaction(async (manager) => {
      const requestedBy = caller?.type === 'USER' ? (await manager.getRepository(UserEntity).findOneBy({ id: caller.id }))?.username ?? null : null;
      const users = await manager.getRepository(UserEntity).findBy({ id: In([...new Set(userIds)]), status: 'ACTIVE' });
      for (const user of users) {
        if (user.superAdmin && caller?.id !== user.id) await this.superAdmins.assertCaller(manager, caller, 'request a reset for a Super Admin');
        await manager.query(`UPDATE identity.users SET must_change_password = true, updated_at = now() WHERE id = $1`, [user.id]);
        const secret = newOpaqueToken();
        await this.issueResetToken(manager, user, secret, hashToken(secret), 'ADMIN_REQUEST', requestedBy);
        await this.audit.record(manager, caller, {
          tenantId,
          type: 'UPDATE',
          resourceType: 'USER',
          resourceId: user.id,
          before: { passwordChangeRequired: user.mustChangePassword },
          after: { passwordChangeRequired: true },
          details: { action: 'password-reset-requested' },
        });
      }
      return users.length;
    });
    void this.outbox.flush();
    return { requested };
  }

  /** Only a Super Admin sets another user's password; it ends that user's sessions. */
  async setByAdmin(caller: Caller | null, userId: string, password: string): Promise<void> {
    this.assertPolicy(password, 'password');
    const passwordHash = await this.hasher.hash(password);
    const revoked = await this.dataSource.transaction(async (manager) => {
      await this.superAdmins.assertCaller(manager, caller, "set another user's password");
      await this.grantGuard.assertMayActFor(caller, userId, 'PASSWORD');
      const user = await manager.getRepository(UserEntity).findOneBy({ id: userId });
      if (!user) throw ProblemException.notFound(`User ${userId} does not exist`);
      await this.setPassword(manager, userId, passwordHash);
      await this.auditPassword(manager, caller, userId, 'set-password', {});
      return user.id === caller?.id ? { ...NOTHING_REVOKED, subjectIds: [userId] } : this.revocations.endSessions(manager, userId);
    });
    void this.outbox.flush();
    await this.revocations.publish(revoked);
  }

  private async setPassword(manager: EntityManager, userId: string, passwordHash: string): Promise<void> {
    await manager.query(`UPDATE identity.users SET password_hash = $2, must_change_password = false, updated_at = now() WHERE id = $1`, [
      userId,
      passwordHash,
    ]);
    await this.protection.clear(manager, userId);
  }

  private async issueResetToken(
    manager: EntityManager,
    user: UserEntity,
    secret: string,
    tokenHash: string,
    reason: ResetReason,
    requestedBy: string | null,
  ): Promise<void> {
    const ttl = reason === 'ADMIN_REQUEST' ? this.env.ADMIN_PASSWORD_RESET_TOKEN_TTL_SECONDS : this.env.PASSWORD_RESET_TOKEN_TTL_SECONDS;
    const expiresAt = new Date(Date.now() + ttl * 1000);
    await manager.query(
      `INSERT INTO identity.password_reset_tokens (user_id, token_hash, reason, expires_at) VALUES ($1, $2, $3, $4)`,
      [user.id, tokenHash, reason, expiresAt],
    );
    await this.outbox.add(manager, IdentityNotificationEvents.passwordResetRequested, {
      userId: user.id,
      email: user.email ?? '',
      username: user.username,
      sealedToken: this.linkTokens.seal(secret, 'password-reset', user.id),
      expiresAt: expiresAt.toISOString(),
      reason,
      requestedBy,
    });
  }

  private assertPolicy(password: string, field: string): void {
    const check = this.policy.validate(password);
    if (!check.valid) throw ProblemException.validation(check.errors.map((message) => ({ field, message: message.replace(/^password/, field) })));
  }

  private async auditPassword(
    manager: EntityManager,
    caller: Caller | null,
    userId: string,
    action: string,
    details: Record<string, unknown>,
    actor?: AuditEntry['actor'],
  ): Promise<void> {
    await this.audit.record(manager, caller, {
      tenantId: undefined,
      type: 'UPDATE',
      resourceType: 'USER',
      resourceId: userId,
      ...(actor ? { actor } : {}),
      details: { action, ...details },
    });
  }
}
