import { AuthorizationRpc, TenancyRpc } from '@gatehouse/contracts';
import { NatsClient, RpcClient } from '@gatehouse/messaging';
import { TestSystem } from '@gatehouse/testing';
import request from 'supertest';

const OPERATOR = { type: 'SERVICE' as const, id: 'e2e-operator', via: 'internal' as const };
const OWNER = { username: 'sync-owner@gatehouse.test', password: 'Sync-Owner-2024' };

/**
 * An instance used without multi-tenancy (users, a default role) is switched to multi-tenancy; the
 * sync-access operator command then makes the users' access to the default tenant explicit.
 */
describe('sync-access on an instance that had data', () => {
  let system: TestSystem;
  let nats: NatsClient;
  let rpc: RpcClient;

  beforeAll(async () => {
    system = await TestSystem.start({ name: 'sync-access', env: { MULTI_TENANCY_ENABLED: 'false' } });
  }, 120_000);
  afterAll(async () => {
    await nats?.onApplicationShutdown();
    await system?.stop();
  }, 60_000);

  const http = () => request(system.gatewayUrl);
  const login = async (username: string, password: string) =>
    (await http().post('/api/v1/login').send({ username, password }).expect(200)).body.accessToken as string;
  const mayReadFlows = async (token: string) =>
    (await http().post('/api/v1/default/acls/check').set('authorization', `Bearer ${token}`).send({ checks: [{ permission: 'FLOW', action: 'READ' }] }).expect(200))
      .body[0].allowed as boolean;

  it('gives every user without access the default role in the default tenant, once', async () => {
    await http().post('/api/v1/setup').send(OWNER).expect(201);
    const root = await login(OWNER.username, OWNER.password);
    const users = [];
    for (const name of ['ana', 'bo', 'cy']) {
      const username = `${name}@sync.test`;
      const created = await http().post('/api/v1/users').set('authorization', `Bearer ${root}`).send({ username, password: 'Sync-User-Pass-1' }).expect(201);
      users.push({ id: created.body.id as string, username });
    }
    const roles = (await http().get('/api/v1/default/roles').query({ size: 50 }).set('authorization', `Bearer ${root}`).expect(200)).body.results as Array<{ id: string; name: string }>;
    const roleId = (name: string) => roles.find((r) => r.name === name)?.id;
    const viewer = { id: roleId('Viewer') };
    const editor = { id: roleId('Editor') };
    expect(viewer.id && editor.id).toBeTruthy();
    await http().post('/api/v1/default/bindings').set('authorization', `Bearer ${root}`).send({ roleId: editor.id, subjectType: 'USER', subjectId: users[2].id }).expect(201);
    await http().patch(`/api/v1/default/roles/${viewer.id}`).set('authorization', `Bearer ${root}`).send({ isDefault: true }).expect(200);
    const anaBefore = await login(users[0].username, 'Sync-User-Pass-1');
    expect(await mayReadFlows(anaBefore)).toBe(false);

    await system.restart({ MULTI_TENANCY_ENABLED: 'true', DEFAULT_TENANT_ENABLED: 'true' });
    nats = new NatsClient();
    await nats.connect({ servers: system.nats.url, name: 'e2e-operator' });
    rpc = new RpcClient(nats);

    const first = await rpc.request(TenancyRpc.syncAccess, { caller: OPERATOR, data: {} });
    expect(first).toMatchObject({ defaultRole: 'Viewer', usersGranted: 2 });
    expect(first.usersExamined).toBe(4);
    expect(first.grantedUserIds.sort()).toEqual([users[0].id, users[1].id].sort());

    const ana = await login(users[0].username, 'Sync-User-Pass-1');
    expect(await mayReadFlows(ana)).toBe(true);
    const cy = await login(users[2].username, 'Sync-User-Pass-1');
    const cyChecks = await http().post('/api/v1/default/acls/check').set('authorization', `Bearer ${cy}`).send({ checks: [{ permission: 'FLOW', action: 'UPDATE' }] }).expect(200);
    expect(cyChecks.body[0].allowed).toBe(true);
    const rootAfter = await login(OWNER.username, OWNER.password);
    const access = (await http().get('/api/v1/default/tenant-access').query({ size: 50 }).set('authorization', `Bearer ${rootAfter}`).expect(200)).body.results as Array<{ subjectId: string }>;
    expect(access.map((a) => a.subjectId)).toEqual(expect.arrayContaining(users.map((u) => u.id)));

    const again = await rpc.request(TenancyRpc.syncAccess, { caller: OPERATOR, data: {} });
    expect(again).toMatchObject({ defaultRole: 'Viewer', usersExamined: 4, usersGranted: 0, grantedUserIds: [] });
  }, 120_000);

  it('refuses sync-access to anyone but an operator (internal caller)', async () => {
    await expect(
      rpc.request(TenancyRpc.syncAccess, { caller: { type: 'USER', id: '00000000-0000-4000-8000-000000000000' }, data: {} }),
    ).rejects.toMatchObject({ problem: { status: 403 } });
    await expect(
      rpc.request(AuthorizationRpc.joinDefaultTenant, { caller: { type: 'USER', id: '00000000-0000-4000-8000-000000000000' }, data: { userIds: [] } }),
    ).rejects.toMatchObject({ problem: { status: 403 } });
  });
});
