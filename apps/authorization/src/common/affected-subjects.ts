import { EntityManager } from 'typeorm';

/** Users and service accounts whose grants change when a role changes (direct and group bindings). */
export async function subjectsOfRole(manager: EntityManager, roleId: string): Promise<string[]> {
  const rows: Array<{ id: string }> = await manager.query(
    `SELECT subject_id AS id FROM "authorization".bindings WHERE role_id = $1 AND subject_type <> 'GROUP'
     UNION
     SELECT gm.member_id FROM "authorization".bindings b
       JOIN "authorization".group_members gm ON gm.group_id = b.subject_id
      WHERE b.role_id = $1 AND b.subject_type = 'GROUP'`,
    [roleId],
  );
  return rows.map((r) => r.id);
}

export async function membersOfGroup(manager: EntityManager, groupId: string): Promise<string[]> {
  const rows: Array<{ id: string }> = await manager.query(
    `SELECT member_id AS id FROM "authorization".group_members WHERE group_id = $1`,
    [groupId],
  );
  return rows.map((r) => r.id);
}

/** Whose grants a binding affects: its user/service account, or its group's members. */
export async function subjectsOfBinding(manager: EntityManager, binding: { subjectType: string; subjectId: string }): Promise<string[]> {
  return binding.subjectType === 'GROUP' ? membersOfGroup(manager, binding.subjectId) : [binding.subjectId];
}
