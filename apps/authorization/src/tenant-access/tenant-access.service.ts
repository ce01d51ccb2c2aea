import { capped, cappedCount, decodeCursor, encodeCursor, Keyset, likePattern, nullSafeEquals, pageTotal } from '@gatehouse/database';
import {
  AddTenantAccessRequest, Caller, IdentityRpc, JoinDefaultTenantResult, Page, PageQuery, PasswordResetRequestResult, ReachableTenant, ResolvedPage, resolvePage, SubjectType, TenantAccessEntry, TenantUserCandidate, TOTAL_CAP, UserView,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { isUUID } from 'class-validator';
import { AuditRecorder } from '@gatehouse/durable-events';
import { RpcClient } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BindingsService } from '../bindings/bindings.service';
import { DecisionService } from '../decisions/decision.service';
import { SubjectDirectory } from '../subjects/subject-directory';
import { TenantJoin } from '../tenants/tenant-join';
import { cappedSubjectCountSql, hasAccessSql, TENANT_SUBJECT_IDS_SQL, TenantMembers, tenantSubjectsPageSql } from '../tenants/tenant-members';
import { subjectSearchSql } from '../subjects/subject-search';
import { InvalidationBus } from '../invalidation/invalidation-bus';
import { AccessGains } from '../grants/access-gains';
import { GrantGuard } from '../grants/grant-guard';
import { GroupsService } from '../groups/groups.service';
import { LiveTenants } from '../tenants/live-tenants';

/** How many of the read model's matches a big tenant's search reads to count its total (see bigTenantMatches). */
const SEARCH_READ_CAP = 2_000;

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

  /**
   * The tenant's users and service accounts, a page at a time; the total counted up to TOTAL_CAP. By subject id
   * (the default) a page is read through the indexes after the cursor's id; searched (`q`) or sorted by username
   * or email, the subject read model's names answer in SQL (a trigram index for `q`).
   */
  async list(tenantId: string | null, query: PageQuery): Promise<Page<TenantAccessEntry>> {
    const page = resolvePage(query, ['subjectId', 'username', 'email'], 'subjectId');
    if (query.q || page.sortField !== 'subjectId') return this.search(tenantId, query, page);
    const keyset: Keyset = { columns: ['subject_id'], dir: page.sortDir, sort: `subjectId:${page.sortDir}` };
    const [after] = query.cursor ? decodeCursor(keyset, query.cursor) : [null];
    const rows: SubjectRow[] = await this.dataSource.query(
      `${tenantSubjectsPageSql(page.sortDir, (query.cursor ? 0 : page.offset) + page.size + 1)} OFFSET ${query.cursor ? 0 : page.offset}`,
      [tenantId, after],
    );
    const subjects = rows.slice(0, page.size);
    const [users, total] = await Promise.all([
      this.directory.users(subjects.filter((s) => s.subject_type === 'USER').map((s) => s.subject_id)),
      pageTotal(page, rows.length, !!query.cursor, () => this.countSubjects(tenantId).then(capped)),
    ]);
    const last = subjects.at(-1);
    return {
      results: await this.entries(tenantId, subjects, users),
      ...total,
      page: page.page,
      size: page.size,
      ...(rows.length > page.size && last ? { next: encodeCursor(keyset, [last.subject_id]) } : {}),
    };
  }

  /**
   * `q` (a substring of the username, email or display name, or a whole subject id) and the sorts by username
   * or email, answered from the subject read model: its names are kept current by identity's subject events.
   * A tenant of up to TOTAL_CAP subjects is read whole (its ids, then the read model by key); a bigger one
   * is searched from the read model's side (the trigram index, or the key order), each candidate's access
   * checked through the indexes, so neither reads more than the page or the capped total needs.
   */
  private async search(tenantId: string | null, query: PageQuery, page: ResolvedPage): Promise<Page<TenantAccessEntry>> {
    const size = await this.countSubjects(tenantId);
    const params: unknown[] = [tenantId];
    const conditions: string[] = [];
    if (query.q) {
      params.push(likePattern(query.q));
      const byName = `${subjectSearchSql('f')} ILIKE $${params.length}`;
      if (isUUID(query.q)) {
        params.push(query.q.toLowerCase());
        conditions.push(`(${byName} OR f.id = $${params.length}::uuid)`);
      } else {
        conditions.push(byName);
      }
    }
    const whole = size <= TOTAL_CAP;
    const from = whole
      ? `FROM (SELECT DISTINCT subject_id FROM (${TENANT_SUBJECT_IDS_SQL}) ids) t JOIN "authorization".subject_facts f ON f.id = t.subject_id`
      : `FROM "authorization".subject_facts f`;
    const filter = (more: string[]) => (more.length ? ` WHERE ${more.join(' AND ')}` : '');
    const where = `${from}${filter(whole ? conditions : [...conditions, hasAccessSql('f.id')])}`;
    // Unsearched, the total is the tenant's (every subject bound or grouped has its facts: the guard read them first).
    const key = page.sortField === 'username' ? 'f.username' : page.sortField === 'email' ? 'f.email' : 'f.id';
    const order = key === 'f.id' ? `f.id ${page.sortDir}` : `${key} ${page.sortDir}, f.id ${page.sortDir}`;
    const rows: SubjectRow[] = await this.dataSource.query(
      `SELECT f.id AS subject_id, f.type AS subject_type ${where} ORDER BY ${order} LIMIT ${page.size + 1} OFFSET ${page.offset}`,
      params,
    );
    const subjects = rows.slice(0, page.size);
    const count = () => !query.q
      ? Promise.resolve(capped(size))
      : whole ? cappedCount(this.dataSource.manager, `SELECT 1 ${where}`, params) : this.bigTenantMatches(`${from}${filter(conditions)}`, params);
    const [users, total] = await Promise.all([
      this.directory.users(subjects.filter((s) => s.subject_type === 'USER').map((s) => s.subject_id)),
      pageTotal(page, rows.length, false, count),
    ]);
    // A lower bound is at least what the pages up to this one hold.
    if (total.totalCapped) total.total = Math.min(TOTAL_CAP, Math.max(total.total, page.offset + subjects.length));
    return { results: await this.entries(tenantId, subjects, users), ...total, page: page.page, size: page.size };
  }

  /**
   * The total of a big tenant's search: the matches with access among the first SEARCH_READ_CAP the read
   * model finds (`candidates`), a lower bound (`totalCapped`) when there were more to read: counting a common
   * substring exactly would probe a good part of the instance's users.
   */
  private async bigTenantMatches(candidates: string, params: unknown[]): Promise<{ total: number; totalCapped?: true }> {
    const [{ n, read }] = (await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE c.access)::int AS n, count(*)::int AS read
         FROM (SELECT ${hasAccessSql('f.id')} AS access ${candidates} LIMIT ${SEARCH_READ_CAP}) c`,
      params,
    )) as Array<{ n: number; read: number }>;
    return read >= SEARCH_READ_CAP ? { total: n, totalCapped: true } : { total: n };
  }

  /**
   * The tenant's users and service accounts counted up to TOTAL_CAP (TOTAL_CAP + 1: more), each half of the union
   * read in index order: the count costs the same in a tenant of 100,000 users as in one of 10,001.
   */
  private async countSubjects(tenantId: string | null): Promise<number> {
    const [{ n }] = (await this.dataSource.query(cappedSubjectCountSql(), [tenantId])) as Array<{ n: number }>;
    return n;
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

  /**
   * Users with access (a binding or a group membership) and groups, per tenant id (a page of tenants); service
   * accounts are tenancy's own count. Users are counted up to TOTAL_CAP (`usersCapped` past it): the big tenants
   * on a page cost no more than 10,000.
   */
  async countByTenant(tenantIds: string[]): Promise<Record<string, { users: number; usersCapped?: true; groups: number }>> {
    const rows: Array<{ tenant_id: string; users: number; groups: string }> = await this.dataSource.query(
      `SELECT t.tenant_id, (${cappedSubjectCountSql({ tenant: (column) => `${column} = t.tenant_id`, usersOnly: true })}) AS users,
              (SELECT count(*) FROM "authorization".groups g WHERE g.tenant_id = t.tenant_id) AS groups
         FROM unnest($1::text[]) AS t(tenant_id)`,
      [tenantIds],
    );
    return Object.fromEntries(rows.map((r) => {
      const users = capped(r.users);
      return [r.tenant_id, { users: users.total, ...(users.totalCapped ? { usersCapped: true as const } : {}), groups: Number(r.groups) }];
    }));
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
