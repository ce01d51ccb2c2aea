import { TenantView, UserView } from '@gatehouse/contracts';
import { api, bearer, login, SUPER_ADMIN, unique } from './api';
import { testDb, TestDbClient } from './test-database';

/**
 * The Super Admin's access token. The set-up suite runs first in a full run and creates the Super
 * Admin; when a suite runs alone, this performs the set-up itself.
 */
export async function superAdminToken(): Promise<string> {
  const status = await api().get('/api/v1/setup');
  if (status.body?.setupComplete === false) await api().post('/api/v1/setup').send(SUPER_ADMIN);
  return login(SUPER_ADMIN.username, SUPER_ADMIN.password);
}

export interface SuperAdminSuite {
  /** The test database. */
  readonly db: TestDbClient;
  /** The Super Admin's access token. */
  readonly admin: string;
}

/**
 * For a describe block whose tests act as the Super Admin and read the test database: its beforeAll opens
 * the database and signs in (setting the system up when the suite runs alone), its afterAll closes the
 * database. Read `db` and `admin` inside the tests; they are set once the block has started.
 */
export function superAdminSuite(): SuperAdminSuite {
  const suite = {} as { db: TestDbClient; admin: string };
  beforeAll(async () => {
    suite.db = await testDb();
    suite.admin = await superAdminToken();
  });
  afterAll(() => suite.db?.end());
  return suite;
}

export interface TestUser {
  user: UserView;
  username: string;
  password: string;
  token: string;
}

/**
 * Creates a user (as the Super Admin, who vouches for the address: `emailVerified: true` unless the
 * overrides say otherwise, so forgotten-password links reach it) and signs them in.
 */
export async function createUser(adminToken: string, overrides: Record<string, unknown> = {}): Promise<TestUser> {
  const username = (overrides.username as string | undefined) ?? `${unique('user')}@gatehouse.test`;
  const password = (overrides.password as string | undefined) ?? 'Test-User-Pass-1';
  const response = await api().post('/api/v1/users').set(...bearer(adminToken)).send({ emailVerified: true, ...overrides, username, password });
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
