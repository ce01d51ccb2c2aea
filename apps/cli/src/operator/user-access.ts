import {
  AuthorizationRpc, GroupView, IdentityRpc, RoleView, TenancyRpc, UserView,
} from '@gatehouse/contracts';
import { ApiError } from '../http-client';
import { OperatorRpc } from './operator-rpc';

export const ADMIN_ROLE = 'Admin';
export const INSTANCE_ADMIN_ROLE = 'Instance Admin';

export interface AccessRequest {
  /** null = the default tenant. */
  tenantId: string | null;
  admin: boolean;
  instanceAdmin: boolean;
  superAdmin: boolean;
  groups: string[];
}

/** What was resolved before anything is written, so that a typo fails without side effects. */
export interface AccessPlan {
  tenantId: string | null;
  adminRole: RoleView | null;
  /** The default tenant has no managed roles yet: provisioning it gives the Admin binding. */
  provisionDefaultTenant: boolean;
  instanceAdminRole: RoleView | null;
  groups: GroupView[];
  superAdmin: boolean;
}

export interface AccessOutcome {
  /** e.g. `Admin in tenant prod`. */
  granted: string[];
  /** Access the user had already. */
  unchanged: string[];
}

/** The refusal of an operator command that can be fixed by the operator. */
export class OperatorError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'OperatorError';
  }
}

export const tenantLabel = (tenantId: string | null): string => (tenantId === null ? 'the default tenant' : `tenant ${tenantId}`);

const isStatus = (error: unknown, status: number): boolean => error instanceof ApiError && error.status === status;

/** Checks the tenant, finds the roles and groups the request names. Writes nothing. */
export async function planAccess(rpc: OperatorRpc, request: AccessRequest): Promise<AccessPlan> {
  const { tenantId } = request;
  if (tenantId !== null) {
    await rpc.call(TenancyRpc.getTenant, { id: tenantId }).catch((error: unknown) => {
      if (!isStatus(error, 404)) throw error;
      throw new OperatorError(
        `tenant "${tenantId}" does not exist`,
        `create it first: gatehouse tenants create --tenant ${tenantId} --name "<name>"`,
      );
    });
  } else if (request.admin || request.groups.length > 0) {
    const settings = await rpc.call(TenancyRpc.settings, {});
    if (settings.enabled && !settings.defaultTenant) {
      throw new OperatorError('the default tenant is disabled on this instance', 'pass --tenant=<id> to say which tenant');
    }
  }

  // With a tenant, an Instance Admin also administers the tenant it was created from (seed 000).
  const wantsAdmin = request.admin || (request.instanceAdmin && tenantId !== null);
  let adminRole: RoleView | null = null;
  let provisionDefaultTenant = false;
  if (wantsAdmin) {
    adminRole = await managedRole(rpc, ADMIN_ROLE, tenantId);
    if (!adminRole) {
      if (tenantId !== null) throw new OperatorError(`${tenantLabel(tenantId)} has no managed Admin role; its provisioning is not finished`, 'try again in a moment');
      provisionDefaultTenant = true;
    }
  }
  let instanceAdminRole: RoleView | null = null;
  if (request.instanceAdmin) {
    instanceAdminRole = await managedRole(rpc, INSTANCE_ADMIN_ROLE, undefined);
    if (!instanceAdminRole) throw new OperatorError('the instance has no Instance Admin role; is the authorization service up to date?');
  }
  const groups: GroupView[] = [];
  for (const name of request.groups) {
    const page = await rpc.call(AuthorizationRpc.listGroups, { q: name, size: 500 }, tenantId);
    const group = page.results.find((g) => g.name.toLowerCase() === name.toLowerCase());
    if (!group) {
      throw new OperatorError(
        `${tenantLabel(tenantId)} has no group named "${name}"`,
        `create it first (gatehouse groups create "${name}" --tenant ${tenantId ?? 'default'} ...), or check the name`,
      );
    }
    groups.push(group);
  }
  return { tenantId, adminRole, provisionDefaultTenant, instanceAdminRole, groups, superAdmin: request.superAdmin };
}

async function managedRole(rpc: OperatorRpc, name: string, tenantId: string | null | undefined): Promise<RoleView | null> {
  const page = await rpc.call(AuthorizationRpc.listRoles, { q: name, size: 500 }, tenantId);
  return page.results.find((r) => r.managed && r.name === name) ?? null;
}

/** Applies a plan to a user; each grant the user had already is reported as unchanged, not as a failure. */
export async function applyAccess(rpc: OperatorRpc, user: UserView, plan: AccessPlan): Promise<AccessOutcome> {
  const outcome: AccessOutcome = { granted: [], unchanged: [] };
  const where = tenantLabel(plan.tenantId);
  const record = async (label: string, write: () => Promise<unknown>) => {
    try {
      await write();
      outcome.granted.push(label);
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
      outcome.unchanged.push(label);
    }
  };

  if (plan.superAdmin) {
    if (user.superAdmin) outcome.unchanged.push('Super Admin');
    else await record('Super Admin', () => rpc.call(IdentityRpc.updateUser, { id: user.id, superAdmin: true }));
  }
  if (plan.instanceAdminRole) {
    const role = plan.instanceAdminRole;
    await record(`${INSTANCE_ADMIN_ROLE} (instance level)`, () =>
      rpc.call(AuthorizationRpc.createBinding, { roleId: role.id, subjectType: 'USER', subjectId: user.id }, undefined));
  }
  if (plan.adminRole) {
    const role = plan.adminRole;
    await record(`${ADMIN_ROLE} in ${where}`, () =>
      rpc.call(AuthorizationRpc.createBinding, { roleId: role.id, subjectType: 'USER', subjectId: user.id }, plan.tenantId));
  } else if (plan.provisionDefaultTenant) {
    const result = await rpc.call(AuthorizationRpc.provisionDefaultTenant, { admin: { type: 'USER', id: user.id } });
    (result.adminBindingId ? outcome.granted : outcome.unchanged).push(`${ADMIN_ROLE} in ${where}`);
  }
  for (const group of plan.groups) {
    await record(`member of group ${group.name} in ${where}`, () =>
      rpc.call(AuthorizationRpc.addGroupMember, { id: group.id, memberType: 'USER', memberId: user.id }, plan.tenantId));
  }
  return outcome;
}
