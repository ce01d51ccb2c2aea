import { randomUUID } from 'node:crypto';
import { SubjectRef } from '@gatehouse/contracts';
import { problemOf } from '@gatehouse/testing';
import { AuthorizationWorld, newTenantId, openAuthorization } from '../../__tests__/authorization-test-module';
import { MANAGED_TENANT_ROLES } from '../../catalogue/managed-roles';
import { LiveTenants } from '../../tenants/live-tenants';
import { ProvisioningService } from '../provisioning.service';

const MANAGED = MANAGED_TENANT_ROLES.map((r) => r.name).sort();

describe("ProvisioningService: a tenant's managed roles and Admin binding (real Postgres)", () => {
  let world: AuthorizationWorld;
  let provisioning: ProvisioningService;
  let live: LiveTenants;
  const newAdmin = (): SubjectRef => ({ type: 'USER', id: randomUUID() });
  const sql = <T>(query: string, params: unknown[] = []) => world.db.dataSource.query(query, params) as Promise<T[]>;
  const rolesOf = async (tenantId: string | null) =>
    (await sql<{ id: string; name: string }>(
      `SELECT id, name FROM "authorization".roles WHERE scope = 'TENANT' AND tenant_id IS NOT DISTINCT FROM $1 AND managed ORDER BY name`, [tenantId],
    ));
  const bindingsOf = (tenantId: string | null) =>
    sql<{ id: string; role_name: string; subject_id: string; namespaces: string[] | null }>(
      `SELECT b.id, r.name AS role_name, b.subject_id, b.namespaces FROM "authorization".bindings b JOIN "authorization".roles r ON r.id = b.role_id
        WHERE b.scope = 'TENANT' AND b.tenant_id IS NOT DISTINCT FROM $1`, [tenantId],
    );
  const liveRow = async (tenantId: string) => (await sql<{ live: boolean }>(`SELECT live FROM "authorization".live_tenants WHERE tenant_key = $1`, [tenantId]))[0];

  beforeAll(async () => {
    world = await openAuthorization();
    provisioning = world.get(ProvisioningService);
    live = world.get(LiveTenants);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  beforeEach(() => {
    world.nats.published.length = 0;
  });

  it('creates the managed roles and binds the admin to Admin tenant-wide; the tenant is live at once, here and everywhere', async () => {
    const [tenant, admin] = [newTenantId(), newAdmin()];
    const result = await provisioning.provisionTenant(tenant, admin);
    expect(result).toEqual({ tenantId: tenant, roles: MANAGED.length, adminBindingId: expect.any(String) });
    expect((await rolesOf(tenant)).map((r) => r.name)).toEqual(MANAGED);
    expect(await bindingsOf(tenant)).toEqual([{ id: result.adminBindingId, role_name: 'Admin', subject_id: admin.id, namespaces: null }]);
    expect(await liveRow(tenant)).toEqual({ live: true });
    expect(live.isLive(tenant)).toBe(true);
    expect(world.invalidations()).toEqual([{ subjectIds: [], tenants: [{ tenantId: tenant, live: true }] }, { subjectIds: [admin.id] }]);
  });

  it('is idempotent: a retry (the saga retries) creates nothing more and answers the same binding', async () => {
    const [tenant, admin] = [newTenantId(), newAdmin()];
    const first = await provisioning.provisionTenant(tenant, admin);
    const roles = await rolesOf(tenant);
    world.nats.published.length = 0;
    expect(await provisioning.provisionTenant(tenant, admin)).toEqual(first);
    expect(await rolesOf(tenant)).toEqual(roles);
    expect(await bindingsOf(tenant)).toHaveLength(1);
    // already live here: only the admin's grants are invalidated again
    expect(world.invalidations()).toEqual([{ subjectIds: [admin.id] }]);
  });

  it('adds only what is missing: a managed role absent from the tenant is created, the others keep their ids', async () => {
    const tenant = newTenantId();
    await provisioning.provisionTenant(tenant);
    const before = await rolesOf(tenant);
    await sql(`DELETE FROM "authorization".roles WHERE tenant_id = $1 AND name = 'Viewer'`, [tenant]);
    expect(await provisioning.provisionTenant(tenant)).toEqual({ tenantId: tenant, roles: MANAGED.length, adminBindingId: null });
    const after = await rolesOf(tenant);
    expect(after.map((r) => r.name)).toEqual(MANAGED);
    expect(after.filter((r) => r.name !== 'Viewer')).toEqual(before.filter((r) => r.name !== 'Viewer'));
  });

  it('concurrent provisionings of one tenant (a retry racing the first call) add each missing row once', async () => {
    const [tenant, admin] = [newTenantId(), newAdmin()];
    await provisioning.provisionTenant(tenant);
    await sql(`DELETE FROM "authorization".roles WHERE tenant_id = $1 AND name = 'Viewer'`, [tenant]);
    const results = await Promise.all([1, 2, 3].map(() => provisioning.provisionTenant(tenant, admin)));
    expect(new Set(results.map((r) => r.adminBindingId)).size).toBe(1);
    expect((await rolesOf(tenant)).map((r) => r.name)).toEqual(MANAGED);
    expect(await bindingsOf(tenant)).toHaveLength(1);
  });

  it('without an admin: roles only, no binding and no subject invalidated', async () => {
    const tenant = newTenantId();
    expect(await provisioning.provisionTenant(tenant)).toMatchObject({ adminBindingId: null });
    expect(await bindingsOf(tenant)).toEqual([]);
    expect(world.invalidations()).toEqual([{ subjectIds: [], tenants: [{ tenantId: tenant, live: true }] }]);
  });

  it('the default tenant (null) is provisioned like any other', async () => {
    const admin = newAdmin();
    const result = await provisioning.provisionTenant(null, admin);
    expect(result).toMatchObject({ tenantId: null, roles: MANAGED.length });
    expect((await rolesOf(null)).map((r) => r.name)).toEqual(MANAGED);
    expect(await bindingsOf(null)).toEqual([expect.objectContaining({ role_name: 'Admin', subject_id: admin.id })]);
    expect(live.isLive(null)).toBe(true);
  });

  it('a deleted tenant stays deleted: provisioning it again is 404 and writes nothing', async () => {
    const tenant = newTenantId();
    await provisioning.provisionTenant(tenant);
    await live.retireNow(tenant);
    world.nats.published.length = 0;
    expect(await problemOf(provisioning.provisionTenant(tenant, newAdmin()))).toMatchObject({ status: 404 });
    expect(await bindingsOf(tenant)).toEqual([]);
    expect(live.isLive(tenant)).toBe(false);
    expect(world.invalidations()).toEqual([]);
    // retired before it was ever provisioned (tenancy's saga compensating a creation): never becomes live
    const never = newTenantId();
    await live.retireNow(never);
    expect(await problemOf(provisioning.provisionTenant(never))).toMatchObject({ status: 404 });
    expect(await rolesOf(never)).toEqual([]);
    expect(await liveRow(never)).toEqual({ live: false });
  });

  it('a failure part-way leaves nothing behind (no roles, not live, nothing broadcast), and the retry completes it', async () => {
    const tenant = newTenantId();
    const unbindable = { type: 'NOT_A_SUBJECT_TYPE', id: randomUUID() } as unknown as SubjectRef;
    await expect(provisioning.provisionTenant(tenant, unbindable)).rejects.toMatchObject({ code: '23514' });
    expect(await rolesOf(tenant)).toEqual([]);
    expect(await liveRow(tenant)).toBeUndefined();
    expect(live.isLive(tenant)).toBe(false);
    expect(world.invalidations()).toEqual([]);
    const admin = newAdmin();
    expect(await provisioning.provisionTenant(tenant, admin)).toMatchObject({ roles: MANAGED.length, adminBindingId: expect.any(String) });
    expect(live.isLive(tenant)).toBe(true);
  });

  it('the Instance Admin role exists once, however often the service starts', async () => {
    await provisioning.onModuleInit();
    await provisioning.onModuleInit();
    expect(await sql(`SELECT name, tenant_id FROM "authorization".roles WHERE scope = 'INSTANCE' AND managed`)).toEqual([{ name: 'Instance Admin', tenant_id: null }]);
  });
});
