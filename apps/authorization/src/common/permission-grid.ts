import { Action, ACTIONS, FieldError, INSTANCE_PERMISSIONS, PermissionGrid, PERMISSIONS, Scope, TENANT_PERMISSIONS } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';

/**
 * Checks a role's permission x action grid against the catalogue and returns it normalised (actions
 * de-duplicated in catalogue order, empty entries dropped). Tenant roles may not hold instance-level
 * permissions. Field paths name the offending entry, e.g. `permissions.FLOW[1]`.
 */
export function validateGrid(raw: Record<string, unknown>, scope: Scope): PermissionGrid {
  const errors: FieldError[] = [];
  const grid: PermissionGrid = {};
  const allowed: readonly string[] = scope === 'TENANT' ? TENANT_PERMISSIONS : PERMISSIONS;
  for (const [permission, actions] of Object.entries(raw)) {
    const field = `permissions.${permission}`;
    if (!(PERMISSIONS as readonly string[]).includes(permission)) {
      errors.push({ field, message: `unknown permission ${permission}` });
      continue;
    }
    if (!allowed.includes(permission)) {
      errors.push({ field, message: `${permission} is an instance-level permission (${INSTANCE_PERMISSIONS.join(', ')}) and cannot be part of a tenant role` });
      continue;
    }
    if (!Array.isArray(actions)) {
      errors.push({ field, message: 'must be an array of actions' });
      continue;
    }
    actions.forEach((action, i) => {
      if (!(ACTIONS as readonly unknown[]).includes(action)) errors.push({ field: `${field}[${i}]`, message: `must be one of ${ACTIONS.join(', ')}` });
    });
    const normalised = ACTIONS.filter((a) => actions.includes(a));
    if (normalised.length > 0) grid[permission as keyof PermissionGrid] = normalised as Action[];
  }
  if (errors.length > 0) throw ProblemException.validation(errors);
  return grid;
}

/** Every (permission, action) pair of a grid. */
export function pairsOf(grid: PermissionGrid): Array<[keyof PermissionGrid, Action]> {
  return Object.entries(grid).flatMap(([p, actions]) => (actions ?? []).map((a) => [p as keyof PermissionGrid, a] as [keyof PermissionGrid, Action]));
}
