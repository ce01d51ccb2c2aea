import { Injectable } from '@nestjs/common';
import { nullSafeEquals } from '@gatehouse/database';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/**
 * "The users of a tenant": subjects with a binding or a group membership there (DESIGN §2).
 * `$1` is the tenant id (null = default tenant).
 */
export const TENANT_SUBJECTS_SQL = `
  SELECT b.subject_id AS subject_id, b.subject_type AS subject_type
    FROM "authorization".bindings b
   WHERE b.scope = 'TENANT' AND ${nullSafeEquals('b.tenant_id', '$1')} AND b.subject_type <> 'GROUP'
  UNION
  SELECT gm.member_id, gm.member_type
    FROM "authorization".group_members gm JOIN "authorization".groups g ON g.id = gm.group_id
   WHERE ${nullSafeEquals('g.tenant_id', '$1')}`;

/**
 * One page of the tenant's subjects by id (`$1` the tenant, `$2` the id to continue after, or null from
 * the start): each half stops at `limit` distinct ids read in index order, so a page costs the same at
 * any depth instead of sorting every subject of the tenant.
 */
export function tenantSubjectsPageSql(dir: 'ASC' | 'DESC', limit: number): string {
  const after = (column: string) => `($2::uuid IS NULL OR ${column} ${dir === 'ASC' ? '>' : '<'} $2::uuid)`;
  return `
  SELECT subject_id, subject_type FROM (
    (SELECT DISTINCT b.subject_id AS subject_id, b.subject_type AS subject_type
       FROM "authorization".bindings b
      WHERE b.scope = 'TENANT' AND ${nullSafeEquals('b.tenant_id', '$1')} AND b.subject_type <> 'GROUP' AND ${after('b.subject_id')}
      ORDER BY 1 ${dir} LIMIT ${limit})
    UNION
    (SELECT DISTINCT gm.member_id, gm.member_type
       FROM "authorization".group_members gm JOIN "authorization".groups g ON g.id = gm.group_id
      WHERE ${nullSafeEquals('g.tenant_id', '$1')} AND ${after('gm.member_id')}
      ORDER BY 1 ${dir} LIMIT ${limit})
  ) s ORDER BY 1 ${dir} LIMIT ${limit}`;
}

@Injectable()
export class TenantMembers {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async hasAccess(tenantId: string | null, subjectId: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM "authorization".bindings
        WHERE scope = 'TENANT' AND ${nullSafeEquals('tenant_id', '$1')} AND subject_id = $2
       UNION ALL
       SELECT 1 FROM "authorization".group_members gm JOIN "authorization".groups g ON g.id = gm.group_id
        WHERE ${nullSafeEquals('g.tenant_id', '$1')} AND gm.member_id = $2
       LIMIT 1`,
      [tenantId, subjectId],
    );
    return rows.length > 0;
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
