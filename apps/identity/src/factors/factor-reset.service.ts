import { Caller, IdentityNotificationEvents, MfaResetResult } from '@gatehouse/contracts';
import { AuditRecorder, Outbox } from '@gatehouse/durable-events';
import { ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GrantGuardClient } from '../common/grant-guard.client';
import { returning } from '../common/sql';
import { SuperAdminGuard } from '../users/super-admin.guard';
import { UserEntity } from '../users/user.entity';

/**
 * Admin recovery (docs/mfa.md): an administrator resets a user who lost their factors. Within authorization's
 * tenant boundary (`RESET_FACTORS`: every tenant the user is in within the caller's reach; in a tenant, a user
 * there), a Super Admin's factors by a Super Admin only, never one's own (that is /me/mfa). Removes the
 * authenticator app, the passkeys, the recovery codes and any second step under way; audited on the user
 * (`mfa-reset`, with what was removed), and the user is emailed at a verified address.
 */
@Injectable()
export class FactorResetService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly grantGuard: GrantGuardClient,
    private readonly superAdmins: SuperAdminGuard,
    private readonly audit: AuditRecorder,
    private readonly outbox: Outbox,
  ) {}

  async reset(caller: Caller | null, tenantId: string | null | undefined, userId: string): Promise<MfaResetResult> {
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id: userId });
    if (!user) throw ProblemException.notFound(`User ${userId} does not exist`);
    if (caller?.id === userId) {
      throw ProblemException.validation([{ field: 'id', message: 'Your own factors are managed under /api/v1/me/mfa, not reset by an administrator' }]);
    }
    await this.grantGuard.assertAccountWithinReach(caller, userId, 'RESET_FACTORS', tenantId);
    if (user.superAdmin) await this.superAdmins.assertCaller(this.dataSource.manager, caller, "reset a Super Admin's second factors");
    const notify = !!user.email && user.emailVerified;
    const result = await this.dataSource.transaction(async (manager) => {
      const totp = await returning(manager, `DELETE FROM identity.totp_factors WHERE user_id = $1 RETURNING user_id`, [userId]);
      const passkeys = await returning(manager, `DELETE FROM identity.passkeys WHERE user_id = $1 RETURNING id`, [userId]);
      const codes = await returning<{ used: boolean }>(manager, `DELETE FROM identity.recovery_codes WHERE user_id = $1 RETURNING used_at IS NOT NULL AS used`, [userId]);
      // A second step already under way (its password step passed) cannot finish with a removed factor.
      await manager.query(`UPDATE identity.mfa_challenges SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, [userId]);
      const removed = { totp: totp.length > 0, passkeys: passkeys.length, recoveryCodes: codes.filter((c) => !c.used).length };
      await this.audit.record(manager, caller, {
        tenantId,
        type: 'DELETE',
        resourceType: 'USER',
        resourceId: userId,
        details: { action: 'mfa-reset', ...removed, notified: notify },
      });
      if (notify) {
        const by = caller?.type === 'USER' ? await manager.getRepository(UserEntity).findOneBy({ id: caller.id }) : null;
        await this.outbox.add(manager, IdentityNotificationEvents.mfaReset, { userId, username: user.username, email: user.email as string, resetBy: by?.username ?? null });
      }
      return removed;
    });
    void this.outbox.flush();
    return { userId, removed: result, notified: notify };
  }
}
