import { AuthorizationRpc, FederationGroupsRpc, RpcDefinition, ScimGroupsRpc } from '@gatehouse/contracts';

/** The target is a subject, a user or a service account: its type is read from the subject facts. */
export const SUBJECT_TARGET = 'SUBJECT';

/** What an operation that the grant guard can refuse aims at: a resource type, and the request's field naming it (none: one to be created). */
const TARGETS: Array<[RpcDefinition<unknown, unknown>, string, string?]> = [
  [AuthorizationRpc.createRole, 'ROLE'],
  [AuthorizationRpc.updateRole, 'ROLE', 'id'],
  [AuthorizationRpc.deleteRole, 'ROLE', 'id'],
  [AuthorizationRpc.createGroup, 'GROUP'],
  [AuthorizationRpc.updateGroup, 'GROUP', 'id'],
  [AuthorizationRpc.deleteGroup, 'GROUP', 'id'],
  [AuthorizationRpc.requestGroupPasswordReset, 'GROUP', 'id'],
  // As the memberships' own entries: the group's id.
  [AuthorizationRpc.addGroupMember, 'GROUP_MEMBERSHIP', 'id'],
  [AuthorizationRpc.removeGroupMember, 'GROUP_MEMBERSHIP', 'id'],
  [AuthorizationRpc.addUserToGroup, 'GROUP_MEMBERSHIP', 'groupId'],
  [AuthorizationRpc.removeUserFromGroup, 'GROUP_MEMBERSHIP', 'groupId'],
  [AuthorizationRpc.createBinding, 'BINDING'],
  [AuthorizationRpc.createBindings, 'BINDING'],
  [AuthorizationRpc.deleteBinding, 'BINDING', 'id'],
  [AuthorizationRpc.addTenantAccess, 'TENANT_ACCESS'],
  [AuthorizationRpc.removeTenantAccess, 'TENANT_ACCESS', 'userId'],
  [AuthorizationRpc.requestTenantUserPasswordReset, 'USER', 'id'],
  [AuthorizationRpc.createInvitation, 'INVITATION'],
  [AuthorizationRpc.deleteInvitation, 'INVITATION', 'id'],
  [AuthorizationRpc.acceptInvitation, 'INVITATION'],
  [AuthorizationRpc.assertMayActFor, SUBJECT_TARGET, 'subjectId'],
  [AuthorizationRpc.assertAccountWithinReach, 'USER', 'subjectId'],
  [AuthorizationRpc.assertMayImpersonate, 'USER', 'userId'],
  [AuthorizationRpc.assertMayFollowAudit, 'WEBHOOK'],
  [FederationGroupsRpc.checkMapping, 'IDENTITY_PROVIDER'],
  [FederationGroupsRpc.syncMemberships, 'USER', 'userId'],
  [ScimGroupsRpc.create, 'GROUP'],
  [ScimGroupsRpc.replace, 'GROUP', 'id'],
  [ScimGroupsRpc.delete, 'GROUP', 'id'],
];

const BY_SUBJECT = new Map(TARGETS.map(([definition, resourceType, field]) => [definition.subject, { resourceType, field }]));

/** The resource a refused operation (its NATS subject) aimed at, from its request; `ACCESS` for an operation not listed. */
export function refusalTarget(operation: string, data: unknown): { resourceType: string; resourceId: string | null } {
  const target = BY_SUBJECT.get(operation);
  if (!target) return { resourceType: 'ACCESS', resourceId: null };
  const value = target.field && typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[target.field] : undefined;
  return { resourceType: target.resourceType, resourceId: typeof value === 'string' ? value.slice(0, 200) : null };
}
