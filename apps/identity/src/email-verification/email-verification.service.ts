import {
  Caller, ChangeOwnEmailRequest, EmailVerificationResult, EmailVerificationSent, IDENTITY_PROBLEMS, IdentityEvents, IdentityNotificationEvents,
  UserView,
} from '@gatehouse/contracts';
import { hashToken } from '@gatehouse/database';
import { AuditRecorder, Outbox } from '@gatehouse/durable-events';
import { ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { requireUserCaller } from '../common/callers';
import { returning } from '../common/sql';
import { IdentityEnv } from '../identity.env';
import { LoginProtectionService } from '../login-protection/login-protection.service';
import { PasswordHasher } from '../passwords/password-hasher';
import { assertEmailFree } from '../users/email-free';
import { UserEntity } from '../users/user.entity';
import { toSubjectFacts, toUserView } from '../users/user.mapper';
import { EmailLinkPurpose, EmailLinks } from './email-links';

const INVALID_LINK = 'This email confirmation link is invalid, expired or already used; ask for a new one';

/**
 * Email verification and change (docs/accounts.md). A user's own change needs the current password and
 * applies only when the new address confirms it (the pending email sits beside the current one); the
 * current address is told of the request and of the change. Every request and confirmation is audited.
 */
@Injectable()
export class EmailVerificationService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly links: EmailLinks,
    private readonly hasher: PasswordHasher,
    private readonly protection: LoginProtectionService,
    private readonly audit: AuditRecorder,
    private readonly outbox: Outbox,
    private readonly env: IdentityEnv,
  ) {}

  async changeOwn(caller: Caller | null, request: ChangeOwnEmailRequest): Promise<EmailVerificationSent> {
    const self = requireUserCaller(caller);
    const user = await this.dataSource.getRepository(UserEntity).createQueryBuilder('u').addSelect('u.passwordHash').where('u.id = :id', { id: self.id }).getOne();
    if (!user || user.status !== 'ACTIVE') throw ProblemException.unauthorized();
    if (!user.passwordHash || !(await this.hasher.verify(user.passwordHash, request.password))) {
      // A stolen session must not become a way to guess the password: it counts like a failed sign-in.
      await this.protection.recordFailure(user, user.username, self.ip ?? null, 'login', 'invalid-credentials');
      throw ProblemException.validation([{ field: 'password', message: 'password is not the current password' }]);
    }
    const email = request.email.trim();
    if (email.toLowerCase() === (user.email ?? '').toLowerCase()) {
      throw ProblemException.validation([{ field: 'email', message: 'email is already the address of this account' }]);
    }
    const sent = await this.dataSource.transaction(async (manager) => {
      await assertEmailFree(manager, email, user.id);
      await manager.query(`UPDATE identity.users SET pending_email = $2, updated_at = now() WHERE id = $1`, [user.id, email]);
      const link = await this.links.issue(manager, user, email, 'CHANGE', 'EMAIL_CHANGE', user.email);
      await this.audit.record(manager, self, {
        tenantId: undefined, type: 'UPDATE', resourceType: 'USER', resourceId: user.id,
        before: { pendingEmail: user.pendingEmail }, after: { pendingEmail: email }, details: { action: 'email-change-requested' },
      });
      return link;
    });
    void this.outbox.flush();
    return sent;
  }

  /** The pending change's link again, else the unverified address's; at most once per EMAIL_VERIFICATION_RESEND_INTERVAL_SECONDS. */
  async resend(caller: Caller | null): Promise<EmailVerificationSent> {
    const self = requireUserCaller(caller);
    const sent = await this.dataSource.transaction(async (manager) => {
      const user = await manager.getRepository(UserEntity).createQueryBuilder('u').setLock('pessimistic_write').where('u.id = :id', { id: self.id }).getOne();
      if (!user || user.status !== 'ACTIVE') throw ProblemException.unauthorized();
      const [purpose, email]: [EmailLinkPurpose, string | null] = user.pendingEmail ? ['CHANGE', user.pendingEmail] : ['VERIFY', user.email];
      if (!email || (purpose === 'VERIFY' && user.emailVerified)) throw ProblemException.conflict('Your email address is already verified and no change is pending');
      const [last] = await manager.query(
        `SELECT extract(epoch FROM now() - max(created_at))::float AS age FROM identity.email_verification_tokens WHERE user_id = $1`, [user.id],
      ) as Array<{ age: number | null }>;
      const wait = last.age === null ? 0 : Math.ceil(this.env.EMAIL_VERIFICATION_RESEND_INTERVAL_SECONDS - last.age);
      if (wait > 0) throw ProblemException.tooManyRequests('email-verification-resend', `A confirmation link was sent moments ago; ask again in ${wait} seconds`, wait);
      return this.links.issue(manager, user, email, purpose, purpose === 'CHANGE' ? 'EMAIL_CHANGE' : 'RESEND', purpose === 'CHANGE' ? user.email : null);
    });
    void this.outbox.flush();
    return sent;
  }

  async cancelChange(caller: Caller | null): Promise<UserView> {
    const self = requireUserCaller(caller);
    const user = await this.dataSource.transaction(async (manager) => {
      const user = await manager.getRepository(UserEntity).createQueryBuilder('u').setLock('pessimistic_write').where('u.id = :id', { id: self.id }).getOne();
      if (!user) throw ProblemException.unauthorized();
      if (!user.pendingEmail) return user;
      await manager.query(`UPDATE identity.users SET pending_email = NULL, updated_at = now() WHERE id = $1`, [user.id]);
      await manager.query(`UPDATE identity.email_verification_tokens SET used_at = now() WHERE user_id = $1 AND purpose = 'CHANGE' AND used_at IS NULL`, [user.id]);
      await this.audit.record(manager, self, {
        tenantId: undefined, type: 'UPDATE', resourceType: 'USER', resourceId: user.id,
        before: { pendingEmail: user.pendingEmail }, after: { pendingEmail: null }, details: { action: 'email-change-cancelled' },
      });
      return { ...user, pendingEmail: null };
    });
    void this.outbox.flush();
    return toUserView(user);
  }

  /** Public: uses a link. A change applies only if the address is still free and still the pending one. */
  async verify(token: string, ip: string | null): Promise<EmailVerificationResult> {
    const result = await this.dataSource.transaction(async (manager) => {
      const [link] = await returning<{ user_id: string; email: string; purpose: EmailLinkPurpose }>(
        manager,
        `UPDATE identity.email_verification_tokens SET used_at = now()
          WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id, email, purpose`,
        [hashToken(token)],
      );
      if (!link) throw invalidLink();
      const user = await manager.getRepository(UserEntity).createQueryBuilder('u').setLock('pessimistic_write').where('u.id = :id', { id: link.user_id }).getOne();
      if (!user || user.status !== 'ACTIVE') throw invalidLink();
      const actor: Caller = { type: 'USER', id: user.id, via: 'internal', ...(ip ? { ip } : {}) };
      if (link.purpose === 'VERIFY') {
        if ((user.email ?? '').toLowerCase() !== link.email.toLowerCase()) throw invalidLink();
        if (!user.emailVerified) {
          await manager.query(`UPDATE identity.users SET email_verified = true, updated_at = now() WHERE id = $1`, [user.id]);
          await this.audit.record(manager, actor, {
            tenantId: undefined, type: 'UPDATE', resourceType: 'USER', resourceId: user.id,
            before: { emailVerified: false }, after: { emailVerified: true }, details: { action: 'email-verified', email: link.email },
          });
        }
        return { outcome: 'VERIFIED' as const, email: link.email };
      }
      if ((user.pendingEmail ?? '').toLowerCase() !== link.email.toLowerCase()) throw invalidLink();
      await assertEmailFree(manager, link.email, user.id);
      const previous = user.email;
      await manager.query(
        `UPDATE identity.users SET email = $2, pending_email = NULL, email_verified = true, updated_at = now(), version = version + 1 WHERE id = $1`,
        [user.id, link.email],
      );
      await this.outbox.add(manager, IdentityEvents.subjectChanged, toSubjectFacts({ ...user, email: link.email, version: user.version + 1 }));
      if (previous) {
        await this.outbox.add(manager, IdentityNotificationEvents.emailChanged, {
          userId: user.id, username: user.username, previousEmail: previous, email: link.email, by: 'CONFIRMED',
        });
      }
      await this.audit.record(manager, actor, {
        tenantId: undefined, type: 'UPDATE', resourceType: 'USER', resourceId: user.id,
        before: { email: previous, emailVerified: user.emailVerified, pendingEmail: user.pendingEmail },
        after: { email: link.email, emailVerified: true, pendingEmail: null },
        details: { action: 'email-change-confirmed' },
      });
      return { outcome: 'CHANGED' as const, email: link.email };
    });
    void this.outbox.flush();
    return result;
  }

  /** Internal (authorization): an accepted invitation sent to `email` proves the address, while it is still the user's. */
  async markVerified(caller: Caller | null, userId: string, email: string): Promise<void> {
    if (caller?.type !== 'SERVICE') throw ProblemException.forbidden('Only an internal service marks an address verified');
    await this.dataSource.transaction(async (manager) => {
      const [row] = await returning<{ id: string }>(
        manager,
        `UPDATE identity.users SET email_verified = true, updated_at = now()
          WHERE id = $1 AND lower(email) = lower($2) AND NOT email_verified RETURNING id`,
        [userId, email],
      );
      if (!row) return;
      await this.audit.record(manager, caller, {
        tenantId: undefined, type: 'UPDATE', resourceType: 'USER', resourceId: userId,
        before: { emailVerified: false }, after: { emailVerified: true }, details: { action: 'email-verified', by: 'invitation' },
      });
    });
    void this.outbox.flush();
  }
}

function invalidLink(): ProblemException {
  return new ProblemException(400, IDENTITY_PROBLEMS.invalidEmailVerificationToken, INVALID_LINK);
}
