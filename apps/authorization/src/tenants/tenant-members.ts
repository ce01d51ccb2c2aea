import { TOTAL_CAP } from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import { cappedCountSql, nullSafeEquals } from '@gatehouse/database';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** The tenant `$1` (null = default tenant) as a condition on a column. */
const IN_TENANT = (column: string) => nullSafeEquals(column, '$1');

/**
 * "The users of a tenant": subjects with a binding or a group membership there (DESIGN §2). Their ids
 * (`$1` the tenant, null = default tenant), repeated when several bindings or groups give access: for `IN (...)`.
 */
export const TENANT_SUBJECT_IDS_SQL = `
  SELECT b.subject_id FROM "authorization".bindings b
   WHERE b.scope = 'TENANT' AND ${IN_TENANT('b.tenant_id')} AND b.subject_type <> 'GROUP'
  UNION ALL
  SELECT gm.member_id FROM "authorization".group_members gm JOIN "authorization".groups g ON g.id = gm.group_id
   WHERE ${IN_TENANT('g.tenant_id')}`;

/**
 * `subject` (a column or parameter, a user's or service account's id) has access to the tenant `$1`: probes of the
 * subject's bindings and group memberships by index, row by row (scalar subqueries: the planner cannot swap them for
 * hashes of the tenant's every subject, which a big tenant's walk in key order would build before returning its first rows).
 */
export function hasAccessSql(subject: string): string {
  return `coalesce(
    (SELECT true FROM "authorization".bindings b
      WHERE b.subject_id = ${subject} AND b.scope = 'TENANT' AND ${IN_TENANT('b.tenant_id')} LIMIT 1),
    (SELECT true FROM "authorization".group_members gm JOIN "authorization".groups g ON g.id = gm.group_id
      WHERE gm.member_id = ${subject} AND ${IN_TENANT('g.tenant_id')} LIMIT 1),
    false)`;
}

/** Which of a tenant's subjects a statement reads, and from where. */
export interface TenantSubjects {
  /** The tenant condition on a column: `$1` by default; a correlated one counts several tenants in one statement. */
  tenant?: (column: string) => string;
  /** The parameter of the id to continue after (`$2` by default; null in it: from the start); null: from the start. */
  after?: string | null;
  /** Users only (the tenant's user count, service accounts being counted apart); else users and service accounts. */
  usersOnly?: boolean;
}

/**
 * One page of the tenant's subjects by id: each half stops at `limit` distinct ids read in index order (the bindings
 * by tenant and subject, each group's members by the group's key), so a page costs the same at any depth and in a
 * tenant of 100,000 users instead of sorting every subject of the tenant.
 */
export function tenantSubjectsPageSql(dir: 'ASC' | 'DESC', limit: number, subjects: TenantSubjects = {}): string {
  const { tenant = IN_TENANT, after = '$2', usersOnly = false } = subjects;
  return `
  SELECT subject_id, subject_type FROM (
    (${boundSubjectsSql(dir, limit, { tenant, after, usersOnly })})
    UNION
    (SELECT DISTINCT ON (m.member_id) m.member_id, m.member_type
       FROM "authorization".groups g
       CROSS JOIN LATERAL (
         SELECT gm.member_id, gm.member_type FROM "authorization".group_members gm
          WHERE gm.group_id = g.id${usersOnly ? ` AND gm.member_type = 'USER'` : ''}${continuing(dir, 'gm.member_id', after)}
          ORDER BY gm.member_id ${dir} LIMIT ${limit}) m
      WHERE ${tenant('g.tenant_id')}
      ORDER BY 1 ${dir} LIMIT ${limit})
  ) s ORDER BY 1 ${dir} LIMIT ${limit}`;
}

function continuing(dir: 'ASC' | 'DESC', column: string, after: string | null): string {
  return after ? ` AND (${after}::uuid IS NULL OR ${column} ${dir === 'ASC' ? '>' : '<'} ${after}::uuid)` : '';
}

/** The first `limit` distinct subjects bound directly in the tenant, in id order (an index range). */
function boundSubjectsSql(dir: 'ASC' | 'DESC', limit: number, { tenant, after, usersOnly }: Required<TenantSubjects>): string {
  // DISTINCT ON the id alone: the index's order gives it as the rows stream, where DISTINCT on (id, type)
  // makes a generic plan (GET /tenants' correlated count) sort every binding of a 100,000-user tenant.
  return `SELECT DISTINCT ON (b.subject_id) b.subject_id AS subject_id, b.subject_type AS subject_type
       FROM "authorization".bindings b
      WHERE b.scope = 'TENANT' AND ${tenant('b.tenant_id')} AND b.subject_type ${usersOnly ? `= 'USER'` : `<> 'GROUP'`}${continuing(dir, 'b.subject_id', after)}
      ORDER BY 1 ${dir} LIMIT ${limit}`;
}

/**
 * The tenant's subjects counted up to TOTAL_CAP, as `n` (cappedCountSql: TOTAL_CAP + 1 means more; `capped` reads it).
 * When its direct bindings alone pass the cap, its groups are not read.
 */
export function cappedSubjectCountSql(subjects: Omit<TenantSubjects, 'after'> = {}): string {
  const every: Required<TenantSubjects> = { tenant: IN_TENANT, usersOnly: false, ...subjects, after: null };
  const cap = TOTAL_CAP + 1;
  return `SELECT CASE WHEN (${cappedCountSql(boundSubjectsSql('ASC', cap, every))}) > ${TOTAL_CAP} THEN ${cap}
                 ELSE (${cappedCountSql(tenantSubjectsPageSql('ASC', cap, every))}) END AS n`;
}

@Injectable()
export class TenantMembers {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async hasAccess(tenantId: string | null, subjectId: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const [{ access }] = (await manager.query(`SELECT ${hasAccessSql('$2::uuid')} AS access`, [tenantId, subjectId])) as Array<{ access: boolean }>;
    return access;
  }

  /** Which of these subjects have access to the tenant (`hasAccess` for many, in one query). */
  async withAccess(tenantId: string | null, subjectIds: string[], manager: EntityManager = this.dataSource.manager): Promise<Set<string>> {
    if (subjectIds.length === 0) return new Set();
    const rows: Array<{ subject_id: string }> = await manager.query(
      `SELECT subject_id FROM "authorization".bindings
        WHERE scope = 'TENANT' AND ${nullSafeEquals('tenant_id', '$1')} AND subject_id = ANY($2::uuid[])
       UNION
       SELECT gm.member_id FROM "authorization".group_members gm JOIN "authorization".groups g ON g.id = gm.group_id
        WHERE ${nullSafeEquals('g.tenant_id', '$1')} AND gm.member_id = ANY($2::uuid[])`,
      [tenantId, subjectIds],
    );
    return new Set(rows.map((r) => r.subject_id));
  }

  /** The names of the subject's roles in the tenant (direct bindings and its groups' bindings) and of its groups there. */
  async claims(tenantId: string | null, subjectId: string): Promise<{ roles: string[]; groups: string[] }> {
    const rows: Array<{ kind: 'role' | 'group'; name: string }> = await this.dataSource.query(
      `WITH my_groups AS (
         SELECT g.id, g.name FROM "authorization".group_members gm JOIN "authorization".groups g ON g.id = gm.group_id
          WHERE ${nullSafeEquals('g.tenant_id', '$1')} AND gm.member_id = $2)
       SELECT DISTINCT 'role' AS kind, r.name FROM "authorization".bindings b JOIN "authorization".roles r ON r.id = b.role_id
        WHERE b.scope = 'TENANT' AND ${nullSafeEquals('b.tenant_id', '$1')}
          AND (b.subject_id = $2 OR (b.subject_type = 'GROUP' AND b.subject_id IN (SELECT id FROM my_groups)))
       UNION
       SELECT 'group', name FROM my_groups`,
      [tenantId, subjectId],
    );
    const names = (kind: 'role' | 'group') => rows.filter((r) => r.kind === kind).map((r) => r.name).sort((a, b) => a.localeCompare(b));
    return { roles: names('role'), groups: names('group') };
  }

  /**
   * For MFA policies: every tenant the user is in (a binding or a group membership), whether they hold the
   * managed Admin role there (directly or through a group), and whether they hold Instance Admin.
   */
  async mfaFacts(userId: string): Promise<{ tenants: Array<{ tenantId: string | null; admin: boolean }>; instanceAdmin: boolean }> {
    const rows: Array<{ scope: string; tenant_id: string | null; admin: boolean }> = await this.dataSource.query(
      `WITH my_groups AS (
         SELECT g.id, g.tenant_id FROM "authorization".group_members gm JOIN "authorization".groups g ON g.id = gm.group_id WHERE gm.member_id = $1)
       SELECT b.scope, b.tenant_id, bool_or(r.managed AND r.name IN ('Admin', 'Instance Admin')) AS admin
         FROM "authorization".bindings b JOIN "authorization".roles r ON r.id = b.role_id
        WHERE b.subject_id = $1 OR (b.subject_type = 'GROUP' AND b.subject_id IN (SELECT id FROM my_groups))
        GROUP BY b.scope, b.tenant_id
       UNION ALL
       SELECT 'TENANT', tenant_id, false FROM my_groups`,
      [userId],
    );
    const tenants = new Map<string | null, boolean>();
    let instanceAdmin = false;
    for (const row of rows) {
      if (row.scope === 'INSTANCE') {
        instanceAdmin ||= row.admin;
        continue;
      }
      tenants.set(row.tenant_id, (tenants.get(row.tenant_id) ?? false) || row.admin);
    }
    return { tenants: [...tenants].map(([tenantId, admin]) => ({ tenantId, admin })), instanceAdmin };
  }

  /** Users holding the managed Admin role in the tenant, bound directly or through a group, not disabled. */
  async adminUserIds(tenantId: string | null): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `WITH admin_bindings AS (
         SELECT b.subject_type, b.subject_id FROM "authorization".bindings b JOIN "authorization".roles r ON r.id = b.role_id
          WHERE b.scope = 'TENANT' AND ${nullSafeEquals('b.tenant_id', '$1')} AND r.managed AND r.name = 'Admin' AND b.namespaces IS NULL)
       SELECT DISTINCT u.id FROM (
         SELECT subject_id AS id FROM admin_bindings WHERE subject_type = 'USER'
         UNION
         SELECT gm.member_id FROM admin_bindings ab JOIN "authorization".group_members gm ON gm.group_id = ab.subject_id
          WHERE ab.subject_type = 'GROUP' AND gm.member_type = 'USER') u
       LEFT JOIN "authorization".subject_facts f ON f.id = u.id
       WHERE f.disabled IS NOT TRUE
       ORDER BY u.id`,
      [tenantId],
    );
    return rows.map((r) => r.id);
  }

  async superAdminIds(): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM "authorization".subject_facts WHERE super_admin AND NOT disabled AND type = 'USER' ORDER BY id`,
    );
    return rows.map((r) => r.id);
  }
}
