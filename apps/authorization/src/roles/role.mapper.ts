import { RoleView } from '@gatehouse/contracts';
import { RoleEntity } from './role.entity';

export function toRoleView(role: RoleEntity): RoleView {
  return {
    id: role.id,
    tenantId: role.tenantId,
    scope: role.scope,
    name: role.name,
    description: role.description,
    permissions: role.permissions,
    managed: role.managed,
    isDefault: role.isDefault,
    createdAt: role.createdAt.toISOString(),
    updatedAt: role.updatedAt.toISOString(),
  };
}

/** Audited fields of a role. */
export const roleAudit = (role: RoleEntity) => ({
  name: role.name,
  description: role.description,
  permissions: role.permissions,
  isDefault: role.isDefault,
});
