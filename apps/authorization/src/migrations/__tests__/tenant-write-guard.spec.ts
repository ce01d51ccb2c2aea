import { randomUUID } from 'node:crypto';
import { TENANT_NOT_LIVE_SQLSTATE } from '@gatehouse/errors';
import { AuthorizationWorld, newTenantId, openAuthorization } from '../../__tests__/authorization-test-module';
import { LiveTenants } from '../../tenants/live-tenants';
import { TenantLifecycle } from '../../tenants/tenant-lifecycle';
import { AuthorizationTenantWriteGuard1764500000000 } from '../1764500000000-authorization-tenant-write-guard';

const GUARDED = ['roles', 'bindings', 'groups', 'group_members', 'invitations'];

/** The authorization migration's tenant write guard (libs/database's triggers over its assert_tenants_writable), on real Postgres. */
describe('tenant write guard: rows of a tenant are written only while it is live', () => {
  let world: AuthorizationWorld;
  let live: LiveTenants;
  const sql = (query: string, params: unknown[] = []) => world.db.dataSource.query(query, params);
  const refused = (write: Promise<unknown>, tenantKey: string) =>
    expect(write).rejects.toMatchObject({ code: TENANT_NOT_LIVE_SQLSTATE, message: `tenant "${tenantKey}" does not exist` });
  /** One write of each guarded table in the tenant (`group`: a group of it, `role`: a role to bind). */
  const writes = (tenantId: string, group: string, role: string) => [
    () => world.seed.role(tenantId, {}),
    () => world.seed.bind(role, randomUUID(), { tenantId }),
    () => world.seed.group(tenantId, []),
    () => sql(`INSERT INTO "authorization".group_members (group_id, member_type, member_id) VALUES ($1, 'USER', $2)`, [group, randomUUID()]),
    () => sql(`INSERT INTO "authorization".invitations (tenant_id, email, token_hash, expires_at) VALUES ($1, 'a@example.com', $2, now())`, [tenantId, randomUUID()]),
    () => sql(`UPDATE "authorization".roles SET description = 'renamed' WHERE tenant_id = $1`, [tenantId]),
  ];

  beforeAll(async () => {
    world = await openAuthorization();
    live = world.get(LiveTenants);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  it('every guarded table takes writes while the tenant is live, none after its retirement; the purge still deletes', async () => {
    const tenant = newTenantId();
    await world.seed.tenant(tenant);
    const group = await world.seed.group(tenant, []);
    const role = await world.seed.role(tenant, { FLOW: ['READ'] });
    for (const write of writes(tenant, group, role)) await write();
    await live.retireNow(tenant);
    const refusedWrites = writes(tenant, group, role);
    expect(refusedWrites).toHaveLength(GUARDED.length + 1);
    for (const write of refusedWrites) await refused(write(), tenant);
    const removed = await world.db.dataSource.transaction((manager) => world.get(TenantLifecycle).purge(manager, tenant));
    expect(removed).toEqual({ invitations: 1, bindings: 1, groups: 2, roles: 7 });
  });

  it('a tenant never made live is refused, the default tenant included; instance-level rows are not tenant data', async () => {
    const never = newTenantId();
    await refused(world.seed.role(never, {}), never);
    await refused(world.seed.role(null, {}), '');
    const role = await world.seed.role(null, {}, 'INSTANCE');
    await world.seed.bind(role, randomUUID(), { tenantId: null, scope: 'INSTANCE' });
  });

  it('a statement writing rows of several tenants is refused as a whole when one of them is not live', async () => {
    const [alive, gone] = [newTenantId(), newTenantId()];
    await world.seed.tenant(alive);
    await refused(
      sql(`INSERT INTO "authorization".roles (scope, tenant_id, name, permissions) VALUES ('TENANT', $1, 'first', '{}'), ('TENANT', $2, 'second', '{}')`, [alive, gone]),
      gone,
    );
    expect(await sql(`SELECT name FROM "authorization".roles WHERE tenant_id = $1 AND NOT managed`, [alive])).toEqual([]);
  });

  it('retiring a tenant waits for the writes in flight there; nothing is written after it', async () => {
    const tenant = newTenantId();
    await world.seed.tenant(tenant);
    const writer = world.db.dataSource.createQueryRunner();
    await writer.connect();
    try {
      await writer.startTransaction();
      await writer.query(`INSERT INTO "authorization".groups (tenant_id, name) VALUES ($1, 'in flight')`, [tenant]);
      let retired = false;
      const retiring = live.retireNow(tenant).then(() => void (retired = true));
      // the retirement's UPDATE of the live row waits for the writer's FOR SHARE lock on it
      await waitFor(async () => (await sql(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).length > 0);
      expect(retired).toBe(false);
      await writer.commitTransaction();
      await retiring;
    } finally {
      await writer.release();
    }
    expect(await sql(`SELECT name FROM "authorization".groups WHERE tenant_id = $1`, [tenant])).toEqual([{ name: 'in flight' }]);
    await refused(sql(`INSERT INTO "authorization".groups (tenant_id, name) VALUES ($1, 'too late')`, [tenant]), tenant);
  });

  it("the migration's down removes every trigger and function it made (dropTenantWriteGuardSql)", async () => {
    const runner = world.db.dataSource.createQueryRunner();
    await runner.connect();
    const count = async (sql: string) => (await runner.query(sql))[0].n as number;
    const triggers = `SELECT count(*)::int AS n FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace s ON s.oid = c.relnamespace
      WHERE s.nspname = 'authorization' AND t.tgname LIKE '%\\_tenant\\_live\\_%'`;
    const functions = `SELECT count(*)::int AS n FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
      WHERE s.nspname = 'authorization' AND p.proname IN ('guard_tenant_rows', 'assert_tenants_writable')`;
    try {
      await runner.startTransaction();
      expect([await count(triggers), await count(functions)]).toEqual([GUARDED.length * 2, 2]);
      await new AuthorizationTenantWriteGuard1764500000000().down(runner);
      expect([await count(triggers), await count(functions)]).toEqual([0, 0]);
      await runner.query(`INSERT INTO "authorization".groups (tenant_id, name) VALUES ($1, 'unguarded')`, [newTenantId()]);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
