import { IdentityEvents, TenancyEvents } from '@gatehouse/contracts';
import { EventConsumers, Outbox } from '@gatehouse/durable-events';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returning } from '../common/sql';
import { mergeRevoked, Revocations } from '../revocation/revocations';
import { ServiceAccountEntity } from '../service-accounts/service-account.entity';
import { toServiceAccountFacts } from '../service-accounts/service-account.mapper';

/**
 * A deleted tenant takes its service accounts (and their API tokens), its OAuth clients, its MFA policy, its provisioning integrations and SCIM records, its identity providers (with their links), and every user's settings for it
 * with it. Idempotent: a redelivered event finds nothing left to delete.
 */
@Injectable()
export class TenantCleanupService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly consumers: EventConsumers,
    private readonly outbox: Outbox,
    private readonly revocations: Revocations,
  ) {}

  onModuleInit(): void {
    this.consumers.on(TenancyEvents.tenantDeleted, 'tenant-cleanup', async ({ tenantId }, manager) => {
      // Committed before the purge (when tenancy's saga has not already done it): nothing written after it survives.
      await this.retire(tenantId);
      const revoked = await this.purge(manager, tenantId);
      return async () => {
        void this.outbox.flush();
        await this.revocations.publish(revoked);
      };
    });
  }

  /** From the commit on, Postgres refuses every write of the tenant's rows (the tenant write guard). */
  async retire(tenantId: string): Promise<void> {
    await this.dataSource.transaction((manager) => manager.query(`SELECT identity.retire_tenant($1)`, [tenantId]));
  }

  async purge(manager: EntityManager, tenantId: string) {
    const accounts = await manager.getRepository(ServiceAccountEntity).findBy({ tenantKey: tenantId });
    const tokens = await returning<{ id: string }>(
      manager,
      `DELETE FROM identity.api_tokens WHERE sa_tenant_key = $1 RETURNING id`,
      [tenantId],
    );
    await manager.query(`DELETE FROM identity.oauth_clients WHERE tenant_key = $1`, [tenantId]);
    const integrations = await returning<{ id: string }>(manager, `DELETE FROM identity.integrations WHERE tenant_key = $1 RETURNING id`, [tenantId]);
    await manager.query(`DELETE FROM identity.scim_users WHERE tenant_key = $1`, [tenantId]);
    await manager.query(`DELETE FROM identity.identity_providers WHERE tenant_key = $1`, [tenantId]);
    await manager.query(`DELETE FROM identity.service_accounts WHERE tenant_key = $1`, [tenantId]);
    await manager.query(`DELETE FROM identity.user_settings WHERE tenant_key = $1`, [tenantId]);
    await manager.query(`DELETE FROM identity.mfa_policies WHERE tenant_key = $1`, [tenantId]);
    for (const account of accounts) await this.outbox.add(manager, IdentityEvents.subjectChanged, toServiceAccountFacts(account, true));
    return mergeRevoked({ subjectIds: accounts.map((a) => a.id), tokenIds: [...tokens.map((t) => t.id), ...integrations.map((i) => i.id)] });
  }
}
