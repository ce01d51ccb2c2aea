import { Caller } from '@gatehouse/contracts';
import { nullSafeEquals } from '@gatehouse/database';
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

  /** `isNewcomer` for several subjects of one type, in one query. */
  async newcomersAmong(manager: EntityManager, tenantId: string | null, type: string, ids: string[]): Promise<string[]> {
    if (type !== 'USER') return [];
    const members = await this.members.withAccess(tenantId, ids, manager);
    return ids.filter((id) => !members.has(id));
  }

  /** Binds the tenant's default role (tenant-wide), if there is one; returns the new binding id. */
  async welcome(manager: EntityManager, caller: Caller | null, tenantId: string | null, userId: string): Promise<string | null> {
    return (await this.welcomeAll(manager, caller, tenantId, [userId])).get(userId) ?? null;
  }

  /** `welcome` for several users, in one statement; answers the new binding id of each user who got one. */
  async welcomeAll(manager: EntityManager, caller: Caller | null, tenantId: string | null, userIds: string[]): Promise<Map<string, string>> {
    if (userIds.length === 0) return new Map();
    const rows: Array<{ id: string; role_id: string; subject_id: string }> = await manager.query(
      `INSERT INTO "authorization".bindings (scope, tenant_id, role_id, subject_type, subject_id, namespaces)
       SELECT 'TENANT', r.tenant_id, r.id, 'USER', u.id, NULL FROM "authorization".roles r, unnest($2::uuid[]) WITH ORDINALITY AS u(id, n)
        WHERE r.scope = 'TENANT' AND ${nullSafeEquals('r.tenant_id', '$1')} AND r.is_default
        ORDER BY u.n
       ON CONFLICT DO NOTHING RETURNING id, role_id, subject_id`,
      [tenantId, userIds],
    );
    await this.audit.recordAll(manager, caller, rows.map((row) => ({
      tenantId, type: 'CREATE', resourceType: 'BINDING', resourceId: row.id, before: null,
      after: { roleId: row.role_id, subjectType: 'USER', subjectId: row.subject_id, namespaces: null },
      details: { reason: 'default role of a user joining the tenant' },
    })));
    return new Map(rows.map((row) => [row.subject_id, row.id]));
  }
}
