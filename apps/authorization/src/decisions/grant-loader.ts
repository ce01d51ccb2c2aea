import { PermissionGrid, Scope } from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { GrantSource } from './grant-index';

interface Row {
  binding_id: string;
  scope: Scope;
  tenant_id: string | null;
  namespaces: string[] | null;
  permissions: PermissionGrid;
  group_id: string | null;
  role_id: string;
  role_name: string;
  group_name: string | null;
}

/** Loads every binding that applies to a subject: its own and those of the groups it belongs to. */
@Injectable()
export class GrantLoader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async load(subjectId: string, manager: EntityManager = this.dataSource.manager): Promise<GrantSource[]> {
    const rows: Row[] = await manager.query(
      `SELECT b.id AS binding_id, b.scope, b.tenant_id, b.namespaces, r.permissions, NULL::uuid AS group_id,
              r.id AS role_id, r.name AS role_name, NULL::text AS group_name
         FROM "authorization".bindings b JOIN "authorization".roles r ON r.id = b.role_id
        WHERE b.subject_id = $1 AND b.subject_type <> 'GROUP'
       UNION ALL
       SELECT b.id, b.scope, b.tenant_id, b.namespaces, r.permissions, gm.group_id, r.id, r.name, g.name
         FROM "authorization".group_members gm
         JOIN "authorization".groups g ON g.id = gm.group_id
         JOIN "authorization".bindings b ON b.subject_type = 'GROUP' AND b.subject_id = gm.group_id
         JOIN "authorization".roles r ON r.id = b.role_id
        WHERE gm.member_id = $1`,
      [subjectId],
    );
    return rows.map((r) => ({
      bindingId: r.binding_id,
      scope: r.scope,
      tenantId: r.tenant_id,
      namespaces: r.namespaces,
      permissions: r.permissions,
      groupId: r.group_id,
      roleId: r.role_id,
      roleName: r.role_name,
      groupName: r.group_name,
    }));
  }
}
