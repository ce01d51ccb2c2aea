import { Caller } from '@gatehouse/contracts';
import { AuditRecorder } from '@gatehouse/durable-events';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { TenantMembers } from './tenant-members';

/**
 * "One role per tenant may be marked isDefault and is bound to users who join the tenant": a user joins
 * when they get their first binding or group membership there. Call `isNewcomer` before granting and
 * `welcome` after, in the same transaction.
 */
@Injectable()
export class TenantJoin {
  constructor(private readonly members: TenantMembers, private readonly audit: AuditRecorder) {}

  async isNewcomer(manager: EntityManager, tenantId: string | null, subject: { type: string; id: string }): Promise<boolean> {
    return subject.type === 'USER' && !(await this.members.hasAccess(tenantId, subject.id, manager));
  }

  /** Binds the tenant's default role (tenant-wide), if there is one; returns the new binding id. */
  async welcome(manager: EntityManager, caller: Caller | null, tenantId: string | null, userId: string): Promise<string | null> {
    const rows: Array<{ id: string; role_id: string }> = await manager.query(
      `INSERT INTO "authorization".bindings (scope, tenant_id, role_id, subject_type, subject_id, namespaces)
       SELECT 'TENANT', r.tenant_id, r.id, 'USER', $2, NULL FROM "authorization".roles r
        WHERE r.scope = 'TENANT' AND r.tenant_id IS NOT DISTINCT FROM $1 AND r.is_default
       ON CONFLICT DO NOTHING RETURNING id, role_id`,
      [tenantId, userId],
    );
    if (rows.length === 0) return null;
    await this.audit.record(manager, caller, {
      tenantId, type: 'CREATE', resourceType: 'BINDING', resourceId: rows[0].id, before: null,
      after: { roleId: rows[0].role_id, subjectType: 'USER', subjectId: userId, namespaces: null },
      details: { reason: 'default role of a user joining the tenant' },
    });
    return rows[0].id;
  }
}
