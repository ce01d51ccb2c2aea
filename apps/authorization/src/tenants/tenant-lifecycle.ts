import { TenancyEvents } from '@gatehouse/contracts';
import { AuditRecorder, EventConsumers } from '@gatehouse/durable-events';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { InvalidationBus } from '../invalidation/invalidation-bus';
import { LiveTenants } from './live-tenants';

/**
 * Applies tenancy's lifecycle events: a created tenant becomes live; a deleted one stops being live and
 * loses its roles, groups, memberships, bindings and invitations (idempotent: a replay deletes nothing
 * more). Users and service accounts stay: they are identity's.
 */
@Injectable()
export class TenantLifecycle implements OnModuleInit {
  constructor(
    private readonly consumers: EventConsumers,
    private readonly liveTenants: LiveTenants,
    private readonly invalidation: InvalidationBus,
    private readonly audit: AuditRecorder,
  ) {}

  onModuleInit(): void {
    this.consumers.on(TenancyEvents.tenantCreated, 'live-tenants-created', async ({ tenant }, manager) => {
      const change = await this.liveTenants.mark(manager, tenant.id, true);
      return () => this.invalidation.publishAll([change]);
    });
    this.consumers.on(TenancyEvents.tenantDeleted, 'live-tenants-deleted', async ({ tenantId, deletedBy }, manager) => {
      // Committed before the purge (when tenancy's saga has not already done it): nothing written after it survives.
      await this.liveTenants.retireNow(tenantId);
      const removed = await this.purge(manager, tenantId);
      if (Object.values(removed).some((n) => n > 0)) {
        await this.audit.record(manager, null, {
          tenantId,
          type: 'DELETE',
          resourceType: 'TENANT_ACCESS',
          resourceId: tenantId,
          actor: deletedBy ? { type: 'USER', id: deletedBy } : { type: 'SERVICE', id: 'tenancy' },
          details: { reason: 'tenant deleted', removed },
        });
      }
    });
  }

  async purge(manager: EntityManager, tenantId: string): Promise<Record<string, number>> {
    const count = async (sql: string): Promise<number> => {
      const [, affected] = (await manager.query(sql, [tenantId])) as [unknown, number];
      return affected ?? 0;
    };
    const invitations = await count(`DELETE FROM "authorization".invitations WHERE tenant_id = $1`);
    const bindings = await count(`DELETE FROM "authorization".bindings WHERE scope = 'TENANT' AND tenant_id = $1`);
    const groups = await count(`DELETE FROM "authorization".groups WHERE tenant_id = $1`);
    const roles = await count(`DELETE FROM "authorization".roles WHERE scope = 'TENANT' AND tenant_id = $1`);
    return { invitations, bindings, groups, roles };
  }
}
