import { BindingView, Decision, GroupView, RoleView } from '@gatehouse/contracts';
import { api, bearer } from './api';

/** `default` addresses the default tenant. */
const base = (tenant: string | null) => `/api/v1/${tenant ?? 'default'}`;

function expectStatus(response: { status: number; body: unknown }, status: number, what: string): void {
  if (response.status !== status) throw new Error(`${what} failed: ${response.status} ${JSON.stringify(response.body)}`);
}

/** The tenant's roles by name (managed and custom). */
export async function rolesByName(token: string, tenant: string | null): Promise<Record<string, RoleView>> {
  const response = await api().get(`${base(tenant)}/roles`).query({ size: 500 }).set(...bearer(token));
  expectStatus(response, 200, 'listing roles');
  return Object.fromEntries((response.body.results as RoleView[]).map((r) => [r.name, r]));
}

export async function createRole(token: string, tenant: string | null, body: Record<string, unknown>): Promise<RoleView> {
  const response = await api().post(`${base(tenant)}/roles`).set(...bearer(token)).send(body);
  expectStatus(response, 201, `creating role ${String(body.name)}`);
  return response.body as RoleView;
}

export async function bindRole(
  token: string,
  tenant: string | null,
  binding: { roleId: string; subjectType?: 'USER' | 'SERVICE_ACCOUNT' | 'GROUP'; subjectId: string; namespaces?: string[] },
): Promise<BindingView> {
  const response = await api().post(`${base(tenant)}/bindings`).set(...bearer(token)).send({ subjectType: 'USER', ...binding });
  expectStatus(response, 201, 'creating a binding');
  return response.body as BindingView;
}

/** Binds an instance-level role (e.g. Instance Admin) to a user; needs a Super Admin or Instance Admin token. */
export async function bindInstanceRole(token: string, roleName: string, userId: string): Promise<BindingView> {
  const roles = await api().get('/api/v1/roles').set(...bearer(token));
  expectStatus(roles, 200, 'listing instance roles');
  const role = (roles.body.results as RoleView[]).find((r) => r.name === roleName);
  if (!role) throw new Error(`no instance role ${roleName}`);
  const response = await api().post('/api/v1/bindings').set(...bearer(token)).send({ roleId: role.id, subjectType: 'USER', subjectId: userId });
  expectStatus(response, 201, `binding ${roleName}`);
  return response.body as BindingView;
}

export async function createGroup(token: string, tenant: string | null, name: string, memberIds: string[] = []): Promise<GroupView> {
  const response = await api().post(`${base(tenant)}/groups`).set(...bearer(token)).send({ name });
  expectStatus(response, 201, `creating group ${name}`);
  for (const memberId of memberIds) {
    const added = await api().post(`${base(tenant)}/groups/${response.body.id}/members`).set(...bearer(token)).send({ memberType: 'USER', memberId });
    expectStatus(added, 201, `adding ${memberId} to ${name}`);
  }
  return response.body as GroupView;
}

export interface SelfCheck {
  permission: string;
  action: string;
  namespace?: string;
}

/** Decisions for the token's own subject, through the gateway (`POST /{tenant}/acls/check`). */
export async function checkSelf(token: string, tenant: string | null, checks: SelfCheck[]): Promise<Decision[]> {
  const response = await api().post(`${base(tenant)}/acls/check`).set(...bearer(token)).send({ checks });
  expectStatus(response, 200, 'checking own permissions');
  return response.body as Decision[];
}
