import { PermissionGrid } from '@gatehouse/contracts';
import { nullSafeEquals } from '@gatehouse/database';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AccessGain } from './grant-guard';

interface BindingOfRole {
  namespaces: string[] | null;
  subject_type: string;
  subject_id: string;
  recipients: string[];
}

/**
 * What a change would give, read inside the change's transaction: the grants a group passes to its
 * members, the default role a newcomer receives, the holders a role edit reaches.
 */
@Injectable()
export class AccessGains {
  /** Joining a group: each of the group's bindings, to the new member. */
  async ofGroup(manager: EntityManager, groupId: string, recipients: string[], newcomers = false): Promise<AccessGain[]> {
    const rows: Array<{ namespaces: string[] | null; role_name: string; permissions: PermissionGrid; group_name: string }> = await manager.query(
      `SELECT b.namespaces, r.name AS role_name, r.permissions, g.name AS group_name
         FROM "authorization".bindings b
         JOIN "authorization".roles r ON r.id = b.role_id
         JOIN "authorization".groups g ON g.id = b.subject_id
        WHERE b.subject_type = 'GROUP' AND b.subject_id = $1`,
      [groupId],
    );
    return rows.map((r) => ({
      source: `group "${r.group_name}" (role "${r.role_name}")`, grid: r.permissions, namespaces: r.namespaces, recipients, newcomers,
    }));
  }

  /** The tenant's default role, bound tenant-wide to a user joining it. */
  async ofDefaultRole(manager: EntityManager, tenantId: string | null, recipients: string[], newcomers = false): Promise<AccessGain[]> {
    const rows: Array<{ name: string; permissions: PermissionGrid }> = await manager.query(
      `SELECT name, permissions FROM "authorization".roles WHERE scope = 'TENANT' AND ${nullSafeEquals('tenant_id', '$1')} AND is_default`,
      [tenantId],
    );
    return rows.map((r) => ({ source: `the default role "${r.name}"`, grid: r.permissions, namespaces: null, recipients, newcomers }));
  }

  /** The bindings of a role, each with the users and service accounts it reaches (a group's members). */
  async bindingsOfRole(manager: EntityManager, roleId: string): Promise<BindingOfRole[]> {
    return manager.query(
      `SELECT b.namespaces, b.subject_type, b.subject_id,
              CASE WHEN b.subject_type = 'GROUP'
                   THEN ARRAY(SELECT gm.member_id::text FROM "authorization".group_members gm WHERE gm.group_id = b.subject_id)
                   ELSE ARRAY[b.subject_id::text] END AS recipients
         FROM "authorization".bindings b WHERE b.role_id = $1`,
      [roleId],
    );
  }
}
