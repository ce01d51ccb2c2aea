import { Caller, MFA_PROBLEMS } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { EntityManager } from 'typeorm';

/** The managed roles whose grant asks a recent second factor of a caller who has one (docs/mfa.md, step-up). */
export const STEP_UP_ROLES = ['Admin', 'Instance Admin'];

export const asksStepUp = (role: { managed: boolean; name: string }): boolean => role.managed && STEP_UP_ROLES.includes(role.name);

/** 401 step-up-required, the same for a direct binding and for joining a group that holds one. */
export function stepUpRequired(roleName: string, through?: string): ProblemException {
  const how = through ? ` through group "${through}"` : '';
  return new ProblemException(401, MFA_PROBLEMS.stepUpRequired, `Confirm it is you before granting ${roleName}${how}: present a second factor (POST /api/v1/me/mfa/step-up), then retry`);
}

/**
 * Joining a group passes its bindings on: when the group holds the managed Admin or Instance Admin role,
 * adding a member is granting it, and asks the same step-up as the direct binding. Read only for a
 * caller the gateway marked (stepUpRequired).
 */
export async function assertGroupStepUp(manager: EntityManager, caller: Caller | null, groupId: string): Promise<void> {
  if (!caller?.stepUpRequired) return;
  const rows: Array<{ role_name: string; group_name: string }> = await manager.query(
    `SELECT r.name AS role_name, g.name AS group_name
       FROM "authorization".bindings b
       JOIN "authorization".roles r ON r.id = b.role_id
       JOIN "authorization".groups g ON g.id = b.subject_id
      WHERE b.subject_type = 'GROUP' AND b.subject_id = $1 AND r.managed AND r.name = ANY($2)
      ORDER BY r.name LIMIT 1`,
    [groupId, STEP_UP_ROLES],
  );
  if (rows.length > 0) throw stepUpRequired(rows[0].role_name, rows[0].group_name);
}
