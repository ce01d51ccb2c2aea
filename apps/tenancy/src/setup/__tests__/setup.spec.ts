import { randomUUID } from 'node:crypto';
import { AuthorizationRpc, IdentityRpc } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { openTenancy, TenancyWorld } from '../../__tests__/tenancy-test-module';
import { MultiTenancySettingsService } from '../../settings/multi-tenancy-settings.service';
import { TenantsService } from '../../tenants/tenants.service';
import { SetupService } from '../setup.service';
import { SyncAccessService } from '../sync-access.service';
import { problemOf } from '@gatehouse/testing';

describe('tenancy settings, first-run set-up and sync-access (real Postgres)', () => {
  let world: TenancyWorld;
  let setup: SetupService;
  let settings: MultiTenancySettingsService;

  const withSettings = async (values: { MULTI_TENANCY_ENABLED: boolean; DEFAULT_TENANT_ENABLED: boolean }, run: () => Promise<void>) => {
    const saved = { MULTI_TENANCY_ENABLED: world.env.MULTI_TENANCY_ENABLED, DEFAULT_TENANT_ENABLED: world.env.DEFAULT_TENANT_ENABLED };
    Object.assign(world.env, values);
    try {
      await run();
    } finally {
      Object.assign(world.env, saved);
    }
  };

  beforeAll(async () => {
    world = await openTenancy();
    world.app.get(TenantsService).onApplicationShutdown();
    setup = world.app.get(SetupService);
    settings = world.app.get(MultiTenancySettingsService);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  beforeEach(() => world.answerAsHealthyServices());

  describe('multi-tenancy settings', () => {
    it.each([
      [false, true, { enabled: false, defaultTenant: true }],
      [false, false, { enabled: false, defaultTenant: true }], // off: the default tenant is all there is
      [true, true, { enabled: true, defaultTenant: true }],
      [true, false, { enabled: true, defaultTenant: false }],
    ])('MULTI_TENANCY_ENABLED=%s DEFAULT_TENANT_ENABLED=%s → %j', async (enabled, defaultEnabled, expected) => {
      await withSettings({ MULTI_TENANCY_ENABLED: enabled, DEFAULT_TENANT_ENABLED: defaultEnabled }, async () => {
        expect(settings.current).toEqual(expected);
      });
    });
  });

  it('reports set-up as complete once identity has a user, with the effective settings and password policy', async () => {
    let hasUsers = false;
    world.rpc.on(IdentityRpc.setupStatus, () => ({ hasUsers, passwordPolicy: { minLength: 12 } }));
    expect(await setup.status()).toEqual({ setupComplete: false, multiTenancy: { enabled: false, defaultTenant: true }, passwordPolicy: { minLength: 12 } });
    hasUsers = true;
    expect((await setup.status()).setupComplete).toBe(true);
  });

  it('makes the first user Admin of the default tenant, and never lets the request choose Super Admin by itself', async () => {
    const result = await setup.run({ username: 'admin@example.com', password: 'Change-Me-Now-42', superAdmin: false } as never);
    expect(world.rpc.callsTo(IdentityRpc.createFirstUser)).toEqual([{ username: 'admin@example.com', password: 'Change-Me-Now-42' }]);
    expect(world.rpc.callsTo(AuthorizationRpc.provisionDefaultTenant)).toEqual([{ admin: { type: 'USER', id: result.user.id } }]);
    expect(world.rpc.callsTo(AuthorizationRpc.provisionTenant)).toEqual([]);
    expect(result).toEqual({ user: { id: result.user.id, username: 'admin@example.com', superAdmin: true }, tenant: null });
  });

  it('refuses a tenant while multi-tenancy is off, and requires one when there is no default tenant', async () => {
    const named = await problemOf(setup.run({ username: 'a@example.com', password: 'Change-Me-Now-42', tenant: 'first' }));
    expect(named).toMatchObject({ status: 400, errors: [{ field: 'tenant' }] });
    await withSettings({ MULTI_TENANCY_ENABLED: true, DEFAULT_TENANT_ENABLED: false }, async () => {
      const missing = await problemOf(setup.run({ username: 'a@example.com', password: 'Change-Me-Now-42' }));
      expect(missing).toMatchObject({ status: 400, errors: [{ field: 'tenant' }] });
    });
    expect(world.rpc.callsTo(IdentityRpc.createFirstUser)).toEqual([]);
  });

  it('without a default tenant, creates the named first tenant with the first user as its Admin', async () => {
    await withSettings({ MULTI_TENANCY_ENABLED: true, DEFAULT_TENANT_ENABLED: false }, async () => {
      const result = await setup.run({ username: 'root@example.com', password: 'Change-Me-Now-42', tenant: 'first' });
      expect(result.tenant).toMatchObject({ id: 'first', status: 'ACTIVE' });
      expect(world.rpc.callsTo(AuthorizationRpc.provisionDefaultTenant)).toEqual([]);
      expect(world.rpc.callsTo(AuthorizationRpc.provisionTenant)).toEqual([{ tenantId: 'first', admin: { type: 'USER', id: result.user.id } }]);
    });
  });

  it('passes identity\'s refusal on (set-up is closed once a user exists)', async () => {
    world.rpc.on(IdentityRpc.createFirstUser, () => {
      throw ProblemException.conflict('Set-up is already complete: the instance has users');
    });
    expect((await problemOf(setup.run({ username: 'late@example.com', password: 'Change-Me-Now-42' }))).status).toBe(409);
    expect(world.rpc.callsTo(AuthorizationRpc.provisionDefaultTenant)).toEqual([]);
  });

  /** Identity's users list by cursor (the cursor here: the index of the next user). */
  const byCursor = (users: Array<{ id: string }>) => (req: { cursor?: string; size?: number }) => {
    const start = req.cursor ? Number(req.cursor) : 0;
    const size = req.size ?? 25;
    const end = start + size;
    return { results: users.slice(start, end), total: users.length, page: 1, size, ...(end < users.length ? { next: String(end) } : {}) } as never;
  };

  it('sync-access walks every page of users and reports who joined the default tenant', async () => {
    const users = Array.from({ length: 501 }, () => ({ id: randomUUID() }));
    world.rpc
      .on(IdentityRpc.listUsers, byCursor(users))
      .on(AuthorizationRpc.joinDefaultTenant, (req) => ({ defaultRole: 'Viewer', granted: req.userIds.slice(1) }));
    const result = await world.app.get(SyncAccessService).run();
    expect(result).toMatchObject({ defaultRole: 'Viewer', usersExamined: 501, usersGranted: 499 });
    expect(result.grantedUserIds).toHaveLength(499);
    expect(world.rpc.callsTo(AuthorizationRpc.joinDefaultTenant).map((c) => c.userIds.length)).toEqual([500, 1]);
  });

  it('sync-access reports every grant in its count but names at most 1000 users', async () => {
    const users = Array.from({ length: 1200 }, () => ({ id: randomUUID() }));
    world.rpc
      .on(IdentityRpc.listUsers, byCursor(users))
      .on(AuthorizationRpc.joinDefaultTenant, (req) => ({ defaultRole: 'Viewer', granted: req.userIds }));
    const result = await world.app.get(SyncAccessService).run();
    expect(result.usersGranted).toBe(1200);
    expect(result.grantedUserIds).toEqual(users.slice(0, 1000).map((u) => u.id));
  });

  it('sync-access stops at once when the default tenant has no default role', async () => {
    world.rpc
      .on(IdentityRpc.listUsers, () => ({ results: Array.from({ length: 500 }, () => ({ id: randomUUID() })), total: 2000, page: 1, size: 500 }) as never)
      .on(AuthorizationRpc.joinDefaultTenant, () => ({ defaultRole: null, granted: [] }));
    const result = await world.app.get(SyncAccessService).run();
    expect(result).toEqual({ defaultRole: null, usersExamined: 500, usersGranted: 0, grantedUserIds: [] });
    expect(world.rpc.callsTo(IdentityRpc.listUsers)).toHaveLength(1);
  });
});
