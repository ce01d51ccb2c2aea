import { cappedCount, decodeCursor, encodeCursor, Keyset, nullSafeEquals } from '@gatehouse/database';
import {
  AddTenantAccessRequest, Caller, IdentityRpc, JoinDefaultTenantResult, Page, PageQuery, PasswordResetRequestResult, ReachableTenant, resolvePage, SubjectType, TenantAccessEntry, TenantUserCandidate, UserView,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { AuditRecorder } from '@gatehouse/durable-events';
import { RpcClient } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BindingsService } from '../bindings/bindings.service';
import { DecisionService } from '../decisions/decision.service';
import { SubjectDirectory } from '../subjects/subject-directory';
import { TenantJoin } from '../tenants/tenant-join';
import { TENANT_SUBJECTS_SQL, TenantMembers, tenantSubjectsPageSql } from '../tenants/tenant-members';
import { InvalidationBus } from '../invalidation/invalidation-bus';
import { AccessGains } from '../grants/access-gains';
import { GrantGuard } from '../grants/grant-guard';
import { GroupsService } from '../groups/groups.service';
import { LiveTenants } from '../tenants/live-tenants';

interface SubjectRow {
  subject_id: string;
  subject_type: SubjectType;
}

/**
 * The users (and service accounts) of a tenant: those with a binding or a group membership there. An
 * admin cannot list the instance's users, but finds one by exact email and adds them by group or role.
 */
@Injectable()
export class TenantAccessService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly directory: SubjectDirectory,
    private readonly members: TenantMembers,
    private readonly groups: GroupsService,
    private readonly bindings: BindingsService,
    private readonly join: TenantJoin,
    private readonly invalidation: InvalidationBus,
    private readonly audit: AuditRecorder,
    private readonly liveTenants: LiveTenants,
    private readonly guard: GrantGuard,
    private readonly gains: AccessGains,
    private readonly rpc: RpcClient,
    private readonly decisions: DecisionService,
  ) {}

  /**
   * The live tenants the caller can reach: where it has access (a binding or a group membership), or
   * every one for a Super Admin or a holder of TENANT at instance level. Never another subject's.
   */
  async reachable(caller: Caller | null): Promise<{ results: ReachableTenant[] }> {
    if (!caller) throw ProblemException.unauthorized();
    if (caller.type === 'SERVICE') throw ProblemException.forbidden('Only a user or a service account has tenants it can reach');
    const index = await this.decisions.freshIndex(caller.id);
    if (!index || index.state.disabled) return { results: [] };
    const everywhere = index.state.superAdmin || index.decide({ scope: 'INSTANCE', permission: 'TENANT', action: 'READ' }).allowed;
    const rows: Array<{ tenant_key: string }> = everywhere
      ? await this.dataSource.query(`SELECT tenant_key FROM "authorization".live_tenants WHERE live`)
      : await this.dataSource.query(
          `SELECT coalesce(tenant_id, '') AS tenant_key FROM "authorization".bindings WHERE scope = 'TENANT' AND subject_id = $1
           UNION
           SELECT coalesce(g.tenant_id, '') FROM "authorization".group_members gm JOIN "authorization".groups g ON g.id = gm.group_id
            WHERE gm.member_id = $1`,
          [caller.id],
        );
    const ids = rows.map((r) => (r.tenant_key === '' ? null : r.tenant_key)).filter((id) => this.liveTenants.isLive(id));
    ids.sort((a, b) => (a ?? '').localeCompare(b ?? ''));
    return { results: ids.map((id) => ({ id, via: everywhere ? 'instance' : 'access' })) };
  }

  async list(tenantId: string | null, query: PageQuery): Promise<Page<TenantAccessEntry>> {
    const page = resolvePage(query, ['subjectId', 'username', 'email'], 'subjectId');
    let subjects: SubjectRow[];
    let total: number;
    let users: Map<string, UserView>;
    const byIdentity = !!query.q || page.sortField !== 'subjectId';
    if (byIdentity) {
      // Filtering or sorting on identity's fields: join every subject of the tenant, then page in memory.
      const all: SubjectRow[] = await this.dataSource.query(`${TENANT_SUBJECTS_SQL} ORDER BY 1`, [tenantId]);
      users = await this.directory.users(all.filter((s) => s.subject_type === 'USER').map((s) => s.subject_id));
      const q = query.q?.toLowerCase();
      const field = (s: SubjectRow) => {
        const u = users.get(s.subject_id);
        return (page.sortField === 'email' ? u?.email : page.sortField === 'username' ? u?.username : s.subject_id) ?? '';
      };
      const matching = q
        ? all.filter((s) => {
            const u = users.get(s.subject_id);
            return [s.subject_id, u?.username, u?.email, u?.firstName, u?.lastName].some((v) => v?.toLowerCase().includes(q));
          })
        : all;
      matching.sort((a, b) => field(a).localeCompare(field(b)) * (page.sortDir === 'DESC' ? -1 : 1));
      total = matching.length;
      subjects = matching.slice(page.offset, page.offset + page.size);
    } else {
      // By subject id: a page through the indexes, after the cursor's id (any depth) or at a small offset.
      const keyset: Keyset = { columns: ['subject_id'], dir: page.sortDir, sort: `subjectId:${page.sortDir}` };
      const [after] = query.cursor ? decodeCursor(keyset, query.cursor) : [null];
      const counted = cappedCount(this.dataSource.manager, `SELECT 1 FROM (${TENANT_SUBJECTS_SQL}) s`, [tenantId]);
      const rows: SubjectRow[] = await this.dataSource.query(
        `${tenantSubjectsPageSql(page.sortDir, (query.cursor ? 0 : page.offset) + page.size + 1)} OFFSET ${query.cursor ? 0 : page.offset}`,
        [tenantId, after],
      );
      subjects = rows.slice(0, page.size);
      users = await this.directory.users(subjects.filter((s) => s.subject_type === 'USER').map((s) => s.subject_id));
      const last = subjects.at(-1);
      return {
        results: await this.entries(tenantId, subjects, users),
        ...(await counted),
        page: page.page,
        size: page.size,
        ...(rows.length > page.size && last ? { next: encodeCursor(keyset, [last.subject_id]) } : {}),
      };
    }
    return { results: await this.entries(tenantId, subjects, users), total, page: page.page, size: page.size };
  }

  async find(tenantId: string | null, email: string): Promise<TenantUserCandidate> {
    const user = await this.directory.findUserByEmail(email);
    if (!user) throw ProblemException.notFound(`No user with email ${email}`);
    return {
      id: user.id, username: user.username, email: user.email, firstName: user.firstName, lastName: user.lastName,
      member: await this.members.hasAccess(tenantId, user.id),
    };
  }

  /** Adds an existing user (found by exact email) to groups and/or roles of this tenant, all or nothing. */
  async add(caller: Caller | null, tenantId: string | null, request: AddTenantAccessRequest): Promise<TenantAccessEntry> {
    if (!this.liveTenants.isLive(tenantId)) throw ProblemException.notFound('This tenant does not exist');
    if (!request.roles?.length && !request.groupIds?.length) {
      throw ProblemException.validation([{ field: 'roles', message: 'give roles and/or groupIds to add the user with' }]);
    }
    const user = await this.directory.findUserByEmail(request.email);
    if (!user) throw ProblemException.notFound(`No user with email ${request.email}`);
    const affected = await this.dataSource.transaction(async (manager) => {
      for (const groupId of request.groupIds ?? []) await this.groups.addMemberIn(manager, caller, tenantId, groupId, 'USER', user.id);
      for (const role of request.roles ?? []) {
        await this.bindings.grant(manager, caller, tenantId, { roleId: role.roleId, subjectType: 'USER', subjectId: user.id, namespaces: role.namespaces });
      }
      return [user.id];
    });
    await this.invalidation.publish(affected);
    const [entry] = await this.entries(tenantId, [{ subject_id: user.id, subject_type: 'USER' }], new Map([[user.id, user]]));
    return entry;
  }

  /** Users with access (a binding or a group membership) and groups, per tenant id. */
  async countByTenant(tenantIds: string[]): Promise<Record<string, { users: number; groups: number }>> {
    const rows: Array<{ tenant_id: string; users: string; groups: string }> = await this.dataSource.query(
      `SELECT t.tenant_id,
              (SELECT count(*) FROM (
                 SELECT b.subject_id FROM "authorization".bindings b
                  WHERE b.scope = 'TENANT' AND b.tenant_id = t.tenant_id AND b.subject_type = 'USER'
                 UNION
                 SELECT gm.member_id FROM "authorization".group_members gm JOIN "authorization".groups g ON g.id = gm.group_id
                  WHERE g.tenant_id = t.tenant_id AND gm.member_type = 'USER') members) AS users,
              (SELECT count(*) FROM "authorization".groups g WHERE g.tenant_id = t.tenant_id) AS groups
         FROM unnest($1::text[]) AS t(tenant_id)`,
      [tenantIds],
    );
    return Object.fromEntries(rows.map((r) => [r.tenant_id, { users: Number(r.users), groups: Number(r.groups) }]));
  }

  /**
   * sync-access: users who had access before multi-tenancy was switched on (every user lived in the
   * default tenant) become explicit members of the default tenant with its default role. Users who
   * already have access there are left alone, so running it again changes nothing.
   */
  async joinDefaultTenant(caller: Caller | null, userIds: string[]): Promise<JoinDefaultTenantResult> {
    const result = await this.dataSource.transaction(async (manager) => {
      const role: Array<{ name: string }> = await manager.query(
        `SELECT name FROM "authorization".roles WHERE scope = 'TENANT' AND tenant_id IS NULL AND is_default`,
      );
      if (role.length === 0) return { defaultRole: null, granted: [] };
      const granted: string[] = [];
      for (const userId of userIds) {
        if (!(await this.join.isNewcomer(manager, null, { type: 'USER', id: userId }))) continue;
        await this.guard.assertMayChange(caller, { scope: 'TENANT', tenantId: null, gains: await this.gains.ofDefaultRole(manager, null, [userId]) }, manager);
        if (await this.join.welcome(manager, caller, null, userId)) granted.push(userId);
      }
      return { defaultRole: role[0].name, granted };
    });
    if (result.granted.length > 0) await this.invalidation.publish(result.granted);
    return result;
  }

  /** Admin-requested mandatory reset of one user of this tenant, within the tenant boundary (identity sends the email). */
  async requestPasswordReset(caller: Caller | null, tenantId: string | null, userId: string): Promise<PasswordResetRequestResult> {
    if ((await this.directory.typeOf(userId).catch(() => null)) !== 'USER' || !(await this.members.hasAccess(tenantId, userId))) {
      throw ProblemException.notFound(`User ${userId} has no access to this tenant`);
    }
    await this.guard.assertAccountsWithinReach(caller, [userId], 'require a password reset of');
    return this.rpc.request(IdentityRpc.requestPasswordReset, { caller, tenantId, data: { userIds: [userId] } });
  }

  /** Removes every binding and group membership of the subject in this tenant (the account stays). */
  async remove(caller: Caller | null, tenantId: string | null, subjectId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [, bindings] = (await manager.query(
        `DELETE FROM "authorization".bindings WHERE scope = 'TENANT' AND ${nullSafeEquals('tenant_id', '$1')} AND subject_id = $2`,
        [tenantId, subjectId],
      )) as [unknown, number];
      const [, memberships] = (await manager.query(
        `DELETE FROM "authorization".group_members gm USING "authorization".groups g
          WHERE g.id = gm.group_id AND ${nullSafeEquals('g.tenant_id', '$1')} AND gm.member_id = $2`,
        [tenantId, subjectId],
      )) as [unknown, number];
      if (bindings + memberships === 0) throw ProblemException.notFound(`${subjectId} has no access to this tenant`);
      await this.audit.record(manager, caller, {
        tenantId, type: 'DELETE', resourceType: 'TENANT_ACCESS', resourceId: subjectId, before: { bindings, memberships }, after: null,
      });
    });
    await this.invalidation.publish([subjectId]);
  }

  private async entries(tenantId: string | null, subjects: SubjectRow[], users: Map<string, UserView>): Promise<TenantAccessEntry[]> {
    if (subjects.length === 0) return [];
    const ids = subjects.map((s) => s.subject_id);
    const groups: Array<{ member_id: string; id: string; name: string }> = await this.dataSource.query(
      `SELECT gm.member_id, g.id, g.name FROM "authorization".group_members gm JOIN "authorization".groups g ON g.id = gm.group_id
        WHERE ${nullSafeEquals('g.tenant_id', '$1')} AND gm.member_id = ANY($2::uuid[]) ORDER BY g.name`,
      [tenantId, ids],
    );
    const counts: Array<{ subject_id: string; n: number }> = await this.dataSource.query(
      `SELECT subject_id, count(*)::int AS n FROM "authorization".bindings
        WHERE scope = 'TENANT' AND ${nullSafeEquals('tenant_id', '$1')} AND subject_id = ANY($2::uuid[]) GROUP BY subject_id`,
      [tenantId, ids],
    );
    return subjects.map((s) => {
      const u = users.get(s.subject_id);
      return {
        subjectType: s.subject_type,
        subjectId: s.subject_id,
        user: u ? { id: u.id, username: u.username, email: u.email, emailVerified: u.emailVerified ?? false, firstName: u.firstName, lastName: u.lastName, status: u.status } : null,
        groups: groups.filter((g) => g.member_id === s.subject_id).map((g) => ({ id: g.id, name: g.name })),
        bindings: counts.find((c) => c.subject_id === s.subject_id)?.n ?? 0,
      };
    });
  }
}
