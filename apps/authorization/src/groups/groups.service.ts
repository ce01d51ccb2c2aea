import { likePattern, nullSafeEquals } from '@gatehouse/database';
import {
  Caller, CreateGroupRequest, GroupMemberView, GroupView, IdentityRpc, ListGroupMembersRequest,
  ListGroupsRequest, MemberType, Page, PageQuery, PasswordResetRequestResult, UpdateGroupRequest,
} from '@gatehouse/contracts';
import { isUniqueViolation, ProblemException } from '@gatehouse/errors';
import { auditDiff, AuditRecorder } from '@gatehouse/durable-events';
import { RpcClient } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { membersOfGroup } from '../common/affected-subjects';
import { pageOf } from '../common/sql';
import { assertGroupStepUp } from '../common/step-up';
import { SubjectDirectory, userSummary } from '../subjects/subject-directory';
import { TenantJoin } from '../tenants/tenant-join';
import { InvalidationBus } from '../invalidation/invalidation-bus';
import { AccessGains } from '../grants/access-gains';
import { GrantGuard } from '../grants/grant-guard';
import { LiveTenants } from '../tenants/live-tenants';
import { GroupEntity } from './group.entity';

const SORTABLE = { name: 'g.name', createdAt: 'g.created_at', updatedAt: 'g.updated_at' };
const MEMBER_SORTABLE = { createdAt: 'gm.created_at', memberId: 'gm.member_id', memberType: 'gm.member_type' };

interface MemberRow {
  group_id: string;
  member_type: MemberType;
  member_id: string;
  created_at: Date;
}

interface GroupRow {
  id: string;
  tenant_id: string | null;
  name: string;
  description: string | null;
  member_count: string;
  created_at: Date;
  updated_at: Date;
}

const toView = (r: GroupRow): GroupView => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  description: r.description,
  memberCount: Number(r.member_count),
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

const GROUP_SELECT = `SELECT g.*, (SELECT count(*) FROM "authorization".group_members m WHERE m.group_id = g.id) AS member_count
  FROM "authorization".groups g`;

/**
 * Groups of a tenant and their members (users and service accounts, added from either side). Deleting a
 * group removes its memberships and its bindings; the users stay. Every change invalidates the
 * members' compiled grants everywhere.
 */
@Injectable()
export class GroupsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditRecorder,
    private readonly invalidation: InvalidationBus,
    private readonly directory: SubjectDirectory,
    private readonly join: TenantJoin,
    private readonly liveTenants: LiveTenants,
    private readonly rpc: RpcClient,
    private readonly guard: GrantGuard,
    private readonly gains: AccessGains,
  ) {}

  async list(tenantId: string | null, query: ListGroupsRequest, memberId?: string): Promise<Page<GroupView>> {
    const page = pageOf(query, SORTABLE, 'name');
    const params: unknown[] = [tenantId];
    let where = nullSafeEquals('g.tenant_id', '$1');
    if (query.q) {
      params.push(likePattern(query.q));
      where += ` AND (g.name ILIKE $${params.length} OR g.description ILIKE $${params.length})`;
    }
    if (memberId) {
      params.push(memberId);
      where += ` AND EXISTS (SELECT 1 FROM "authorization".group_members x WHERE x.group_id = g.id AND x.member_id = $${params.length})`;
    }
    const [{ total }] = await this.dataSource.query(`SELECT count(*)::int AS total FROM "authorization".groups g WHERE ${where}`, params);
    const rows: GroupRow[] = await this.dataSource.query(
      `${GROUP_SELECT} WHERE ${where} ORDER BY ${page.orderBy}, g.id LIMIT ${page.size} OFFSET ${page.offset}`,
      params,
    );
    return { results: rows.map(toView), total, page: page.page, size: page.size };
  }

  async get(tenantId: string | null, id: string, manager: EntityManager = this.dataSource.manager): Promise<GroupView> {
    const rows: GroupRow[] = await manager.query(`${GROUP_SELECT} WHERE g.id = $1 AND ${nullSafeEquals('g.tenant_id', '$2')}`, [id, tenantId]);
    if (rows.length === 0) throw ProblemException.notFound(`Group ${id} does not exist in this tenant`);
    return toView(rows[0]);
  }

  async create(caller: Caller | null, tenantId: string | null, request: CreateGroupRequest): Promise<GroupView> {
    if (!this.liveTenants.isLive(tenantId)) throw ProblemException.notFound('This tenant does not exist');
    try {
      return await this.dataSource.transaction(async (manager) => {
        const repo = manager.getRepository(GroupEntity);
        const group = await repo.save(repo.create({ tenantId, name: request.name.trim(), description: request.description ?? null }));
        await this.audit.record(manager, caller, {
          tenantId, type: 'CREATE', resourceType: 'GROUP', resourceId: group.id, before: null,
          after: { name: group.name, description: group.description },
        });
        return this.get(tenantId, group.id, manager);
      });
    } catch (error) {
      throw this.nameConflict(error, request.name);
    }
  }

  async update(caller: Caller | null, tenantId: string | null, request: UpdateGroupRequest): Promise<GroupView> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const group = await this.lock(manager, tenantId, request.id);
        const before = { name: group.name, description: group.description };
        if (request.name !== undefined) group.name = request.name.trim();
        if (request.description !== undefined) group.description = request.description;
        await manager.getRepository(GroupEntity).save(group);
        const diff = auditDiff(before, { name: group.name, description: group.description });
        await this.audit.record(manager, caller, { tenantId, type: 'UPDATE', resourceType: 'GROUP', resourceId: group.id, ...diff });
        return this.get(tenantId, group.id, manager);
      });
    } catch (error) {
      throw this.nameConflict(error, request.name ?? '');
    }
  }

  async delete(caller: Caller | null, tenantId: string | null, id: string): Promise<void> {
    const affected = await this.dataSource.transaction(async (manager) => {
      const group = await this.lock(manager, tenantId, id);
      const members = await membersOfGroup(manager, group.id);
      const [, bindings] = (await manager.query(
        `DELETE FROM "authorization".bindings WHERE subject_type = 'GROUP' AND subject_id = $1`,
        [group.id],
      )) as [unknown, number];
      await manager.getRepository(GroupEntity).delete({ id: group.id });
      await this.audit.record(manager, caller, {
        tenantId, type: 'DELETE', resourceType: 'GROUP', resourceId: group.id,
        before: { name: group.name, description: group.description }, after: null,
        details: { membersRemoved: members.length, bindingsRemoved: bindings },
      });
      return members;
    });
    await this.invalidation.publish(affected);
  }

  async members(tenantId: string | null, request: ListGroupMembersRequest): Promise<Page<GroupMemberView>> {
    await this.get(tenantId, request.id);
    const page = pageOf(request, MEMBER_SORTABLE, 'createdAt');
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM "authorization".group_members gm WHERE gm.group_id = $1`,
      [request.id],
    );
    const rows: MemberRow[] = await this.dataSource.query(
      `SELECT * FROM "authorization".group_members gm WHERE gm.group_id = $1
        ORDER BY ${page.orderBy}, gm.member_id LIMIT ${page.size} OFFSET ${page.offset}`,
      [request.id],
    );
    const users = await this.directory.users(rows.filter((r) => r.member_type === 'USER').map((r) => r.member_id));
    let results = rows.map((r) => this.memberView(r, users));
    if (request.q) {
      const q = request.q.toLowerCase();
      results = results.filter((m) => [m.memberId, m.user?.username, m.user?.email].some((v) => v?.toLowerCase().includes(q)));
    }
    return { results, total, page: page.page, size: page.size };
  }

  async addMember(caller: Caller | null, tenantId: string | null, groupId: string, memberType: MemberType, memberId: string): Promise<GroupMemberView> {
    const view = await this.dataSource.transaction(async (manager) => {
      const row = await this.addMemberIn(manager, caller, tenantId, groupId, memberType, memberId);
      if (!row) throw ProblemException.conflict(`${memberId} is already a member of group ${groupId}`);
      return this.memberView(row, new Map());
    });
    await this.invalidation.publish([memberId]);
    const users = memberType === 'USER' ? await this.directory.users([memberId]) : new Map();
    return { ...view, user: userSummary(users.get(memberId)) };
  }

  /** Adds a member in the caller's transaction (null if already a member); binds the default role to newcomers. */
  async addMemberIn(
    manager: EntityManager, caller: Caller | null, tenantId: string | null, groupId: string, memberType: MemberType, memberId: string,
  ): Promise<MemberRow | null> {
    return (await this.addMembersIn(manager, caller, tenantId, groupId, memberType, [memberId]))[0] ?? null;
  }

  /**
   * Adds members of one type in the caller's transaction, judged together by one grant guard call (what the
   * group's bindings give each of them, and the default role to newcomers), audited one by one; answers the
   * rows added (existing members are left alone). Provisioning adds a group's members this way.
   */
  async addMembersIn(
    manager: EntityManager, caller: Caller | null, tenantId: string | null, groupId: string, memberType: MemberType, memberIds: string[],
  ): Promise<MemberRow[]> {
    await this.lock(manager, tenantId, groupId);
    if (memberIds.length === 0) return [];
    // Step-up (docs/mfa.md): a group bound to Admin or Instance Admin grants it to the member, as a direct binding would.
    await assertGroupStepUp(manager, caller, groupId);
    await this.directory.assertAllExist(manager, tenantId, memberType, memberIds);
    const newcomers = await this.join.newcomersAmong(manager, tenantId, memberType, memberIds);
    await this.guard.assertMayChange(caller, {
      scope: 'TENANT',
      tenantId,
      requires: [['GROUP_MEMBERSHIP', 'CREATE']],
      gains: [
        ...(await this.gains.ofGroup(manager, groupId, memberIds)),
        ...(newcomers.length > 0 ? await this.gains.ofDefaultRole(manager, tenantId, newcomers) : []),
      ],
    }, manager);
    const rows: MemberRow[] = await manager.query(
      `INSERT INTO "authorization".group_members (group_id, member_type, member_id) SELECT $1, $2, unnest($3::uuid[])
       ON CONFLICT (group_id, member_id) DO NOTHING RETURNING *`,
      [groupId, memberType, memberIds],
    );
    await this.audit.recordAll(manager, caller, rows.map((row) => ({
      tenantId, type: 'CREATE', resourceType: 'GROUP_MEMBERSHIP', resourceId: groupId, before: null,
      after: { groupId, memberType, memberId: row.member_id },
    })));
    const added = new Set(rows.map((r) => r.member_id));
    await this.join.welcomeAll(manager, caller, tenantId, newcomers.filter((m) => added.has(m)));
    return rows;
  }

  /** From the user (or service account) side: the member type is identity's. */
  async addSubject(caller: Caller | null, tenantId: string | null, groupId: string, subjectId: string): Promise<GroupMemberView> {
    const type = await this.directory.typeOf(subjectId);
    return this.addMember(caller, tenantId, groupId, type, subjectId);
  }

  async removeMember(caller: Caller | null, tenantId: string | null, groupId: string, memberId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.lock(manager, tenantId, groupId);
      // TypeORM answers a DELETE ... RETURNING on Postgres with [rows, affected].
      const [rows]: [Array<{ member_type: string }>, number] = await manager.query(
        `DELETE FROM "authorization".group_members WHERE group_id = $1 AND member_id = $2 RETURNING member_type`,
        [groupId, memberId],
      );
      if (rows.length === 0) throw ProblemException.notFound(`${memberId} is not a member of group ${groupId}`);
      await this.audit.record(manager, caller, {
        tenantId, type: 'DELETE', resourceType: 'GROUP_MEMBERSHIP', resourceId: groupId,
        before: { groupId, memberType: rows[0].member_type, memberId }, after: null,
      });
    });
    await this.invalidation.publish([memberId]);
  }

  /** Groups of one user or service account in this tenant (the other side of membership). */
  userGroups(tenantId: string | null, userId: string, query: PageQuery): Promise<Page<GroupView>> {
    return this.list(tenantId, query, userId);
  }

  /** Admin-requested mandatory password reset for every user of the group (identity sends the emails). */
  async requestPasswordReset(caller: Caller | null, tenantId: string | null, groupId: string): Promise<PasswordResetRequestResult> {
    await this.get(tenantId, groupId);
    const rows: Array<{ member_id: string }> = await this.dataSource.query(
      `SELECT member_id FROM "authorization".group_members WHERE group_id = $1 AND member_type = 'USER'`,
      [groupId],
    );
    if (rows.length === 0) return { requested: 0 };
    await this.guard.assertAccountsWithinReach(caller, rows.map((r) => r.member_id), 'require a password reset of');
    const result = await this.rpc.request(IdentityRpc.requestPasswordReset, {
      caller, tenantId, data: { userIds: rows.map((r) => r.member_id) },
    });
    await this.dataSource.transaction((manager) =>
      this.audit.record(manager, caller, {
        tenantId, type: 'UPDATE', resourceType: 'GROUP', resourceId: groupId,
        details: { passwordResetRequested: result.requested },
      }),
    );
    return result;
  }

  /** The group under a row lock for the caller's transaction (404 when it is not this tenant's). */
  async lock(manager: EntityManager, tenantId: string | null, id: string): Promise<GroupEntity> {
    const group = await manager
      .getRepository(GroupEntity)
      .createQueryBuilder('g')
      .setLock('pessimistic_write')
      .where(`g.id = :id AND ${nullSafeEquals('g.tenantId', ':tenantId')}`, { id, tenantId })
      .getOne();
    if (!group) throw ProblemException.notFound(`Group ${id} does not exist in this tenant`);
    return group;
  }

  private memberView(
    r: MemberRow,
    users: Map<string, Parameters<typeof userSummary>[0] & object>,
  ): GroupMemberView {
    return {
      groupId: r.group_id,
      memberType: r.member_type,
      memberId: r.member_id,
      user: r.member_type === 'USER' ? userSummary(users.get(r.member_id)) : null,
      createdAt: new Date(r.created_at).toISOString(),
    };
  }

  private nameConflict(error: unknown, name: string): unknown {
    return isUniqueViolation(error) ? ProblemException.conflict(`A group named "${name}" already exists in this tenant`) : error;
  }
}
