import { IDENTITY_PROBLEMS, IdentityNotificationEvents } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { AuditRecorder, Outbox } from '@gatehouse/durable-events';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ANONYMOUS_ACTOR, anonymousCaller } from '../common/callers';
import { returning } from '../common/sql';
import { IdentityEnv } from '../identity.env';
import { UserEntity } from '../users/user.entity';

export type SignInChannel = 'login' | 'basic';

/** Failures that count towards the lockout (a locked or disabled account's attempts are only audited). */
const COUNTED_FAILURES = new Set(['invalid-credentials', 'invalid-second-factor']);

/**
 * DESIGN §3 login protection: LOGIN_MAX_FAILURES failed sign-ins within the window lock the account
 * for LOGIN_LOCK_SECONDS; failures per source address are counted too and throttle that address (429).
 * Failures and lockouts are audited (instance level) in their own transaction, since the sign-in fails.
 */
@Injectable()
export class LoginProtectionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly env: IdentityEnv,
    private readonly audit: AuditRecorder,
    private readonly outbox: Outbox,
  ) {}

  /**
   * The address's throttle as a scalar subquery, for the statement that reads it with the user (the password
   * step): the seconds until the address may try again, null while it may (or without an address). `ip`
   * names the statement's parameter of the address; `window` and `max` those of `addressLimitParameters()`.
   * LOGIN_IP_MAX_FAILURES failures in the window: the one whose leaving it brings the count under the limit,
   * the max-th most recent, says when.
   */
  addressLimitSql(ip: string, window: string, max: string): string {
    return `(SELECT extract(epoch FROM at + make_interval(secs => ${window}) - now())::float FROM identity.login_failures
              WHERE ip = ${ip} AND at > now() - make_interval(secs => ${window}) ORDER BY at DESC OFFSET ${max}::int - 1 LIMIT 1)`;
  }

  addressLimitParameters(): [number, number] {
    return [this.env.LOGIN_FAILURE_WINDOW_SECONDS, this.env.LOGIN_IP_MAX_FAILURES];
  }

  /** 429 once the address has LOGIN_IP_MAX_FAILURES failures in the window (`secondsLeft`, addressLimitSql's), until enough of them leave it. */
  assertAddressAllowed(secondsLeft: number | null): void {
    if (secondsLeft === null) return;
    throw ProblemException.tooManyRequests(IDENTITY_PROBLEMS.tooManyAttempts, 'Too many failed sign-ins from this address; try again later', secondsLeft);
  }

  isLocked(user: UserEntity): boolean {
    return !!user.lockedUntil && user.lockedUntil.getTime() > Date.now();
  }

  /**
   * Counts a failed sign-in (per account and per address) and locks the account at the threshold: a
   * wrong password, or a wrong second factor after a right password.
   */
  async recordFailure(
    user: UserEntity | null, login: string, ip: string | null, channel: SignInChannel, reason: string, details: Record<string, unknown> = {},
  ): Promise<void> {
    const counted = COUNTED_FAILURES.has(reason);
    await this.dataSource.transaction(async (manager) => {
      if (counted) {
        await manager.query(`DELETE FROM identity.login_failures WHERE at < now() - make_interval(secs => $1)`, [
          this.env.LOGIN_FAILURE_WINDOW_SECONDS,
        ]);
        await manager.query(`INSERT INTO identity.login_failures (user_id, ip) VALUES ($1, $2)`, [user?.id ?? null, ip]);
      }
      await this.audit.record(manager, anonymousCaller(ip), {
        tenantId: undefined,
        type: 'LOGIN_FAILURE',
        resourceType: 'USER',
        resourceId: user?.id ?? null,
        actor: ANONYMOUS_ACTOR,
        details: { login, reason, channel, ...details },
      });
      if (user && counted) await this.countTowardsLockout(manager, user, ip);
    });
    void this.outbox.flush();
  }

  /** A successful sign-in clears the account's failure count. */
  async recordSuccess(manager: EntityManager, userId: string): Promise<void> {
    await manager.query(
      `UPDATE identity.users SET failed_login_count = 0, failed_login_window_start = NULL
       WHERE id = $1 AND (failed_login_count <> 0 OR locked_until IS NOT NULL)`,
      [userId],
    );
  }

  /** Super Admin unlock or a completed password reset. */
  async clear(manager: EntityManager, userId: string): Promise<void> {
    await manager.query(
      `UPDATE identity.users SET failed_login_count = 0, failed_login_window_start = NULL, locked_until = NULL WHERE id = $1`,
      [userId],
    );
  }

  private async countTowardsLockout(manager: EntityManager, user: UserEntity, ip: string | null): Promise<void> {
    const [row] = await returning<{ failed_login_count: number }>(
      manager,
      `UPDATE identity.users SET
         failed_login_count = CASE WHEN failed_login_window_start IS NULL
           OR failed_login_window_start < now() - make_interval(secs => $2) THEN 1 ELSE failed_login_count + 1 END,
         failed_login_window_start = CASE WHEN failed_login_window_start IS NULL
           OR failed_login_window_start < now() - make_interval(secs => $2) THEN now() ELSE failed_login_window_start END
       WHERE id = $1 RETURNING failed_login_count`,
      [user.id, this.env.LOGIN_FAILURE_WINDOW_SECONDS],
    );
    if (!row || row.failed_login_count < this.env.LOGIN_MAX_FAILURES) return;
    const [locked] = await returning<{ locked_until: Date }>(
      manager,
      `UPDATE identity.users SET locked_until = now() + make_interval(secs => $2), failed_login_count = 0,
         failed_login_window_start = NULL
       WHERE id = $1 AND (locked_until IS NULL OR locked_until <= now()) RETURNING locked_until`,
      [user.id, this.env.LOGIN_LOCK_SECONDS],
    );
    if (!locked) return;
    const lockedUntil = new Date(locked.locked_until).toISOString();
    await this.audit.record(manager, anonymousCaller(ip), {
      tenantId: undefined,
      type: 'ACCOUNT_LOCKED',
      resourceType: 'USER',
      resourceId: user.id,
      actor: ANONYMOUS_ACTOR,
      details: { lockedUntil, failures: this.env.LOGIN_MAX_FAILURES, windowSeconds: this.env.LOGIN_FAILURE_WINDOW_SECONDS },
    });
    await this.outbox.add(manager, IdentityNotificationEvents.accountLocked, {
      userId: user.id,
      email: user.email ?? '',
      username: user.username,
      lockedUntil,
    });
  }
}
