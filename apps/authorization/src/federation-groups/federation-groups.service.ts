import { nullSafeEquals } from '@gatehouse/database';
import { Caller, FederationMembershipSyncRequest, FederationMembershipSyncResult } from '@gatehouse/contracts';
import { AuditRecorder } from '@gatehouse/durable-events';
import { ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccessGains } from '../grants/access-gains';
import { GrantGuard } from '../grants/grant-guard';
import { GroupsService } from '../groups/groups.service';
import { InvalidationBus } from '../invalidation/invalidation-bus';
import { LiveTenants } from '../tenants/live-tenants';

/**
 * Group mappings of identity providers (docs/federation.md), judged by the grant guard like every membership:
 * saving a mapping asks whether its admin may add anyone to each group (the group's future members, who hold
 * nothing yet); each sign-in re-syncs the user's memberships of the mapped groups as that admin (the
 * provider's owner): additions through GroupsService's guarded path, removals with GROUP_MEMBERSHIP:DELETE,
 * every change audited with the provider named, and a refusal leaves the memberships as they were.
 */
@Injectable()
export class FederationGroupsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly groups: GroupsService,
    private readonly guard: GrantGuard,
    private readonly gains: AccessGains,
    private readonly audit: AuditRecorder,
    private readonly invalidation: InvalidationBus,
    private readonly liveTenants: LiveTenants,
  ) {}

  async checkMapping(caller: Caller | null, tenantId: string | null, groupIds: string[]): Promise<void> {
    if (!this.liveTenants.isLive(tenantId)) throw ProblemException.validation([{ field: 'groupMappings', message: `tenant ${tenantId ?? 'default'} does not exist` }]);
    await this.dataSource.transaction(async (manager) => {
      for (const groupId of [...new Set(groupIds)]) {
        const found: unknown[] = await manager.query(`SELECT 1 FROM "authorization".groups WHERE id = $1 AND ${nullSafeEquals('tenant_id', '$2')}`, [groupId, tenantId]);
        if (found.length === 0) {
          throw ProblemException.validation([{ field: 'groupMappings', message: `group ${groupId} does not exist in tenant ${tenantId ?? 'default'}` }]);
        }
        await this.guard.assertMayChange(caller, {
          scope: 'TENANT',
          tenantId,
          requires: [['GROUP_MEMBERSHIP', 'CREATE'], ['GROUP_MEMBERSHIP', 'DELETE']],
          gains: [...(await this.gains.ofGroup(manager, groupId, [], true)), ...(await this.gains.ofDefaultRole(manager, tenantId, [], true))],
        }, manager);
      }
    });
  }

  async sync(caller: Caller | null, tenantId: string | null, request: FederationMembershipSyncRequest): Promise<FederationMembershipSyncResult> {
    if (!this.liveTenants.isLive(tenantId)) return { added: [], removed: [] };
    const managed = [...new Set(request.managedGroupIds)];
    const wanted = new Set(request.wantedGroupIds.filter((g) => managed.includes(g)));
    const result = await this.dataSource.transaction(async (manager) => {
      // Groups deleted since the mapping was saved are skipped.
      const rows: Array<{ group_id: string; member: boolean }> = await manager.query(
        `SELECT g.id AS group_id, EXISTS (SELECT 1 FROM "authorization".group_members m WHERE m.group_id = g.id AND m.member_id = $3) AS member
           FROM "authorization".groups g WHERE g.id = ANY($1::uuid[]) AND ${nullSafeEquals('g.tenant_id', '$2')} ORDER BY g.id`,
        [managed, tenantId, request.userId],
      );
      const removed = rows.filter((r) => r.member && !wanted.has(r.group_id)).map((r) => r.group_id);
      const toAdd = rows.filter((r) => !r.member && wanted.has(r.group_id)).map((r) => r.group_id);
      const details = { via: 'federation', providerId: request.providerId };
      if (removed.length > 0) {
        await this.guard.assertMayChange(caller, { scope: 'TENANT', tenantId, requires: [['GROUP_MEMBERSHIP', 'DELETE']], gains: [] }, manager);
        await manager.query(`DELETE FROM "authorization".group_members WHERE member_id = $1 AND group_id = ANY($2::uuid[])`, [request.userId, removed]);
        for (const groupId of removed) {
          await this.audit.record(manager, caller, {
            tenantId, type: 'DELETE', resourceType: 'GROUP_MEMBERSHIP', resourceId: groupId,
            before: { groupId, memberType: 'USER', memberId: request.userId }, after: null, details,
          });
        }
      }
      const added: string[] = [];
      for (const groupId of toAdd) {
        const rows = await this.groups.addMembersIn(manager, caller, tenantId, groupId, 'USER', [request.userId]);
        if (rows.length > 0) added.push(groupId);
      }
      return { added, removed };
    });
    if (result.added.length + result.removed.length > 0) await this.invalidation.publish([request.userId]);
    return result;
  }
}
