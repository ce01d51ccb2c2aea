import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/**
 * "The users of a tenant": subjects with a binding or a group membership there (DESIGN §2).
 * `$1` is the tenant id (null = default tenant).
 */
export const TENANT_SUBJECTS_SQL = `
  SELECT b.subject_id AS subject_id, b.subject_type AS subject_type
    FROM "authorization".bindings b
   WHERE b.scope = 'TENANT' AND b.tenant_id IS NOT DISTINCT FROM $1 AND b.subject_type <> 'GROUP'
  UNION
  SELECT gm.member_id, gm.member_type
    FROM "authorization".group_members gm JOIN "authorization".groups g ON g.id = gm.group_id
   WHERE g.tenant_id IS NOT DISTINCT FROM $1`;

@Injectable()
export class TenantMembers {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async hasAccess(tenantId: string | null, subjectId: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM "authorization".bindings
        WHERE scope = 'TENANT' AND tenant_id IS NOT DISTINCT FROM $1 AND subject_id = $2
       UNION ALL
       SELECT 1 FROM "authorization".group_members gm JOIN "authorization".groups g ON g.id = gm.group_id
        WHERE g.tenant_id IS NOT DISTINCT FROM $1 AND gm.member_id = $2
       LIMIT 1`,
      [tenantId, subjectId],
    );
    return rows.length > 0;
  }
}
