import { TenantView, UserView } from '@gatehouse/contracts';
import { api, bearer, login, SUPER_ADMIN, unique } from './api';

/**
 * The Super Admin's access token. The set-up suite runs first in a full run and creates the Super
 * Admin; when a suite runs alone, this performs the set-up itself.
 */
export async function superAdminToken(): Promise<string> {
  const status = await api().get('/api/v1/setup');
  if (status.body?.setupComplete === false) await api().post('/api/v1/setup').send(SUPER_ADMIN);
  return login(SUPER_ADMIN.username, SUPER_ADMIN.password);
}

export interface TestUser {
  user: UserView;
  username: string;
  password: string;
  token: string;
}

/** Creates a user (as the Super Admin) and signs them in. */
export async function createUser(adminToken: string, overrides: Record<string, unknown> = {}): Promise<TestUser> {
  const username = (overrides.username as string | undefined) ?? `${unique('user')}@gatehouse.test`;
  const password = (overrides.password as string | undefined) ?? 'Test-User-Pass-1';
  const response = await api().post('/api/v1/users').set(...bearer(adminToken)).send({ ...overrides, username, password });
  if (response.status !== 201) throw new Error(`creating ${username} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return { user: response.body as UserView, username, password, token: await login(username, password) };
}

/** Creates a tenant (as the given token's subject) whose Admin is `adminUser` or the creator. */
export async function createTenant(token: string, overrides: { id?: string; name?: string; adminUser?: string } = {}): Promise<TenantView> {
  const id = overrides.id ?? unique('t').slice(0, 40);
  const response = await api()
    .post('/api/v1/tenants')
    .set(...bearer(token))
    .send({ name: `Tenant ${id}`, ...overrides, id });
  if (response.status !== 201) throw new Error(`creating tenant ${id} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as TenantView;
}
