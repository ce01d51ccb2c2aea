import { Caller, ScimGroupListRequest, ScimGroupRecord, ScimGroupWriteRequest } from '@gatehouse/contracts';
import { nullSafeEquals } from '@gatehouse/database';
import { AuditRecorder, auditDiff } from '@gatehouse/durable-events';
import { isUniqueViolation, ProblemException } from '@gatehouse/errors';
import { ScimAttributeMap, scimError, scimFilterSql, scimSortSql, SqlParameters } from '@gatehouse/scim';
import { ConcurrencyGate } from '@gatehouse/service-runtime';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { GrantGuard } from '../grants/grant-guard';
import { GroupEntity } from '../groups/group.entity';
import { GroupsService } from '../groups/groups.service';
import { InvalidationBus } from '../invalidation/invalidation-bus';
import { SubjectDirectory } from '../subjects/subject-directory';
import { LiveTenants } from '../tenants/live-tenants';

const USER_MEMBERS = `SELECT m.member_id::text AS value FROM "authorization".group_members m WHERE m.group_id = g.id AND m.member_type = 'USER'`;

/** A group as SCIM filters and sorts it (RFC 7643 §4.2): members are its user members. */
const GROUP_ATTRIBUTES: ScimAttributeMap = {
  id: { sql: 'g.id::text', type: 'string', caseExact: true },
  externalid: { sql: 'g.external_id', type: 'string', caseExact: true },
  displayname: { sql: 'g.name', type: 'string' },
  members: { elements: `(${USER_MEMBERS}) e`, sub: { value: { sql: 'e.value', type: 'string', caseExact: true } } },
  // Compared at the millisecond, the precision the resources show.
  'meta.created': { sql: `date_trunc('milliseconds', g.created_at)`, type: 'dateTime' },
  'meta.lastmodified': { sql: `date_trunc('milliseconds', g.updated_at)`, type: 'dateTime' },
};

/** The version changes with the name, the externalId or any user member: meta.version and the ETag. */
const GROUP_SELECT = `SELECT g.id, g.name, g.external_id, g.created_at, g.updated_at,
    md5(g.name || '|' || coalesce(g.external_id, '') || '|' || coalesce((SELECT string_agg(x.value, ',' ORDER BY x.value) FROM (${USER_MEMBERS}) x), '')) AS version
  FROM "authorization".groups g`;

/**
 * SCIM group writes one instance runs at once: a directory's first full push sends dozens of group writes
 * together, each a long transaction (every member judged and inserted); beyond the pool's size they would
 * wait for a connection past its acquisition timeout and answer 503 (bench:scim on an idle machine without
 * this limit: 416 of 500 groups refused).
 */
const CONCURRENT_WRITES = 3;

interface GroupRow {
  id: string;
  name: string;
  external_id: string | null;
  created_at: Date;
  updated_at: Date;
  version: string;
}

/**
 * A tenant's groups as a SCIM directory sees and changes them (identity's provisioning context speaks
 * SCIM and asks here). Filters are translated to SQL. A write sets the whole state (name, externalId, user
 * members) in one transaction: every member added goes through the grant guard as GroupsService's own
 * additions do (the caller is the integration's owner), removals need GROUP_MEMBERSHIP:DELETE, and any
 * refusal leaves the group as it was.
 */
@Injectable()
export class ScimGroupsService {
  private readonly writes = new ConcurrencyGate(CONCURRENT_WRITES);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly groups: GroupsService,
    private readonly guard: GrantGuard,
    private readonly audit: AuditRecorder,
    private readonly invalidation: InvalidationBus,
    private readonly liveTenants: LiveTenants,
    private readonly directory: SubjectDirectory,
  ) {}

  async list(tenantId: string | null, request: ScimGroupListRequest): Promise<{ total: number; results: ScimGroupRecord[] }> {
    const params = new SqlParameters([tenantId]);
    let where = nullSafeEquals('g.tenant_id', '$1');
    if (request.filter !== undefined) where += ` AND ${scimFilterSql(request.filter, GROUP_ATTRIBUTES, params)}`;
    const order = request.sortBy ? `${scimSortSql(request.sortBy, request.sortOrder, GROUP_ATTRIBUTES)}, g.id` : 'g.created_at, g.id';
    const [{ total }] = await this.dataSource.query(`SELECT count(*)::int AS total FROM "authorization".groups g WHERE ${where}`, params.values);
    if (request.count === 0) return { total, results: [] };
    const rows: GroupRow[] = await this.dataSource.query(
      `${GROUP_SELECT} WHERE ${where} ORDER BY ${order} LIMIT ${request.count} OFFSET ${request.startIndex - 1}`,
      params.values,
    );
    return { total, results: await this.records(this.dataSource.manager, rows, request.withMembers) };
  }

  async get(tenantId: string | null, id: string, withMembers: boolean, manager: EntityManager = this.dataSource.manager): Promise<ScimGroupRecord> {
    const rows: GroupRow[] = await manager.query(`${GROUP_SELECT} WHERE g.id = $1 AND ${nullSafeEquals('g.tenant_id', '$2')}`, [id, tenantId]);
    if (rows.length === 0) throw scimError(404, undefined, `Group ${id} does not exist in this tenant`);
    return (await this.records(manager, rows, withMembers))[0];
  }

  async create(caller: Caller | null, tenantId: string | null, request: ScimGroupWriteRequest): Promise<ScimGroupRecord> {
    if (!this.liveTenants.isLive(tenantId)) throw ProblemException.notFound('This tenant does not exist');
    const members = unique(request.memberIds);
    await this.assertUsers(members);
    const record = await this.named(request.displayName, () =>
      this.writes.run(() => this.dataSource.transaction(async (manager) => {
        const repo = manager.getRepository(GroupEntity);
        const group = await repo.save(repo.create({ tenantId, name: request.displayName.trim(), description: null, externalId: request.externalId ?? null }));
        await this.audit.record(manager, caller, {
          tenantId, type: 'CREATE', resourceType: 'GROUP', resourceId: group.id, before: null,
          after: { name: group.name, externalId: group.externalId }, details: { via: 'scim' },
        });
        await this.groups.addMembersIn(manager, caller, tenantId, group.id, 'USER', members);
        return this.get(tenantId, group.id, true, manager);
      })),
    );
    await this.invalidation.publish(members);
    return record;
  }

  /** PUT, and PATCH once identity applied it: the group becomes exactly this (412 if it moved past ifVersion). */
  async replace(caller: Caller | null, tenantId: string | null, request: ScimGroupWriteRequest): Promise<ScimGroupRecord> {
    const id = request.id as string;
    let touched: string[] = [];
    await this.assertUsers(unique(request.memberIds));
    const record = await this.named(request.displayName, () =>
      this.writes.run(() => this.dataSource.transaction(async (manager) => {
        const group = await this.groups.lock(manager, tenantId, id);
        const current = await this.get(tenantId, id, true, manager);
        if (request.ifVersion !== undefined && request.ifVersion !== current.version) {
          throw scimError(412, undefined, `Group ${id} has changed (version ${current.version}); read it again`);
        }
        const wanted = new Set(unique(request.memberIds));
        const had = new Set(current.memberIds);
        const removed = [...had].filter((m) => !wanted.has(m));
        const added = [...wanted].filter((m) => !had.has(m));
        const before = { name: group.name, externalId: group.externalId };
        group.name = request.displayName.trim();
        if (request.externalId !== undefined) group.externalId = request.externalId;
        if (removed.length > 0) {
          await this.guard.assertMayChange(caller, { scope: 'TENANT', tenantId, requires: [['GROUP_MEMBERSHIP', 'DELETE']], gains: [] }, manager);
          await manager.query(
            `DELETE FROM "authorization".group_members WHERE group_id = $1 AND member_type = 'USER' AND member_id = ANY($2::uuid[])`,
            [id, removed],
          );
          await this.audit.recordAll(manager, caller, removed.map((memberId) => ({
            tenantId, type: 'DELETE', resourceType: 'GROUP_MEMBERSHIP', resourceId: id, before: { groupId: id, memberType: 'USER', memberId }, after: null,
          })));
        }
        await this.groups.addMembersIn(manager, caller, tenantId, id, 'USER', added);
        const diff = auditDiff(before, { name: group.name, externalId: group.externalId });
        // The version and lastModified follow membership changes too.
        group.updatedAt = new Date();
        await manager.getRepository(GroupEntity).save(group);
        if (Object.keys(diff.after ?? {}).length > 0) {
          await this.audit.record(manager, caller, { tenantId, type: 'UPDATE', resourceType: 'GROUP', resourceId: id, ...diff, details: { via: 'scim' } });
        }
        touched = [...removed, ...added];
        return this.get(tenantId, id, true, manager);
      })),
    );
    await this.invalidation.publish(touched);
    return record;
  }

  async delete(caller: Caller | null, tenantId: string | null, id: string, ifVersion: string | undefined): Promise<void> {
    if (ifVersion !== undefined) {
      const current = await this.get(tenantId, id, false);
      if (current.version !== ifVersion) throw scimError(412, undefined, `Group ${id} has changed (version ${current.version}); read it again`);
    }
    await this.groups.delete(caller, tenantId, id);
  }

  /** Each user's groups in the tenant (a SCIM user's readOnly `groups`). */
  async groupsOfUsers(tenantId: string | null, userIds: string[]): Promise<Record<string, Array<{ id: string; displayName: string }>>> {
    const rows: Array<{ member_id: string; id: string; name: string }> = await this.dataSource.query(
      `SELECT gm.member_id, g.id, g.name FROM "authorization".group_members gm JOIN "authorization".groups g ON g.id = gm.group_id
        WHERE ${nullSafeEquals('g.tenant_id', '$1')} AND gm.member_id = ANY($2::uuid[]) ORDER BY g.name, g.id`,
      [tenantId, userIds],
    );
    const result: Record<string, Array<{ id: string; displayName: string }>> = Object.fromEntries(userIds.map((id) => [id, []]));
    for (const row of rows) result[row.member_id].push({ id: row.id, displayName: row.name });
    return result;
  }

  /**
   * Members are users (SCIM's to add), checked before the write's transaction: a user authorization has not
   * heard of yet is asked of identity, which takes a connection of its own.
   */
  private async assertUsers(memberIds: string[]): Promise<void> {
    const types = await this.directory.typesOf(memberIds);
    const other = memberIds.find((memberId) => types.get(memberId) !== 'USER');
    if (other !== undefined) throw scimError(400, 'invalidValue', `members: ${other} is not a user`);
  }

  private async records(manager: EntityManager, rows: GroupRow[], withMembers: boolean): Promise<ScimGroupRecord[]> {
    const members = new Map<string, string[]>();
    if (withMembers && rows.length > 0) {
      const found: Array<{ group_id: string; member_id: string }> = await manager.query(
        `SELECT group_id, member_id FROM "authorization".group_members WHERE group_id = ANY($1::uuid[]) AND member_type = 'USER' ORDER BY created_at, member_id`,
        [rows.map((r) => r.id)],
      );
      for (const row of found) members.set(row.group_id, [...(members.get(row.group_id) ?? []), row.member_id]);
    }
    return rows.map((r) => ({
      id: r.id,
      displayName: r.name,
      externalId: r.external_id,
      ...(withMembers ? { memberIds: members.get(r.id) ?? [] } : {}),
      created: new Date(r.created_at).toISOString(),
      lastModified: new Date(r.updated_at).toISOString(),
      version: r.version,
    }));
  }

  private async named<T>(name: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isUniqueViolation(error)) throw scimError(409, 'uniqueness', `A group named "${name}" already exists in this tenant`);
      throw error;
    }
  }
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}
