import { randomUUID } from 'node:crypto';
import { AuditEntry, auditEvent, AuthorizationRpc, Caller, IdentityRpc, TenancyEvents, TenantView } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { openTenancy, TenancyWorld } from '../../__tests__/tenancy-test-module';
import { TenantsService } from '../tenants.service';
import { problemOf } from '@gatehouse/testing';

const alice: Caller = { type: 'USER', id: randomUUID(), via: 'jwt' } as Caller;
const bob: Caller = { type: 'USER', id: randomUUID(), via: 'jwt' } as Caller;

describe('TenantsService: the tenant-creation saga and the tenant lifecycle (real Postgres)', () => {
  let world: TenancyWorld;
  let tenants: TenantsService;
  let n = 0;
  const newId = () => `t${++n}-${randomUUID().slice(0, 6)}`;

  beforeAll(async () => {
    world = await openTenancy({ MULTI_TENANCY_ENABLED: true });
    tenants = world.app.get(TenantsService);
    // its background retry (every few seconds) would race the assertions: the spec runs it itself
    tenants.onApplicationShutdown();
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  beforeEach(() => world.answerAsHealthyServices());

  const createdEvents = async (id: string) =>
    (await world.outboxEvents<{ tenant: TenantView }>(TenancyEvents.tenantCreated.subject)).filter((e) => e.tenant.id === id);
  const auditOf = async (id: string) => (await world.outboxEvents<AuditEntry>(auditEvent('tenancy').subject)).filter((e) => e.resourceId === id);

  it('creates a tenant: authorization provisions it with the caller as Admin, then it is ACTIVE, announced and audited', async () => {
    const id = newId();
    const view = await tenants.create(alice, { id, name: 'Development' });
    expect(view).toMatchObject({ id, name: 'Development', status: 'ACTIVE', workerGroup: null });
    expect(world.rpc.callsTo(AuthorizationRpc.provisionTenant)).toEqual([{ tenantId: id, admin: { type: 'USER', id: alice.id } }]);
    expect(await createdEvents(id)).toEqual([{ tenant: expect.objectContaining({ id, status: 'ACTIVE' }) }]);
    expect(await auditOf(id)).toEqual([expect.objectContaining({ type: 'CREATE', resourceType: 'TENANT', actor: { type: 'USER', id: alice.id } })]);
    expect(await tenants.get(id)).toMatchObject({ id, status: 'ACTIVE', counts: { users: 2, groups: 1, serviceAccounts: 3 } });
  });

  it('leaves a tenant whose provisioning failed invisible (never half created), and a repeated create completes it once', async () => {
    const id = newId();
    world.rpc.off(AuthorizationRpc.provisionTenant);
    expect((await problemOf(tenants.create(alice, { id, name: 'Half' }))).status).toBe(503);
    expect((await problemOf(tenants.get(id))).status).toBe(404);
    expect((await tenants.list({ q: id })).results).toEqual([]);
    expect(await createdEvents(id)).toEqual([]);

    world.rpc.on(AuthorizationRpc.provisionTenant, (req) => ({ tenantId: req.tenantId, roles: 5, adminBindingId: null }));
    // a retry by someone else still makes the original creator Admin
    const view = await tenants.create(bob, { id, name: 'Renamed on retry' });
    expect(view).toMatchObject({ id, name: 'Half', status: 'ACTIVE' });
    expect(world.rpc.callsTo(AuthorizationRpc.provisionTenant).map((c) => c.admin)).toEqual([
      { type: 'USER', id: alice.id },
      { type: 'USER', id: alice.id },
    ]);
    expect(await createdEvents(id)).toHaveLength(1);
    expect((await problemOf(tenants.create(alice, { id, name: 'Again' }))).status).toBe(409);
    expect(await createdEvents(id)).toHaveLength(1);
  });

  it('announces a tenant once when two creations of the same id race', async () => {
    const id = newId();
    const raced = await Promise.allSettled([tenants.create(alice, { id, name: 'one' }), tenants.create(bob, { id, name: 'two' })]);
    expect(raced.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    for (const r of raced) {
      // the loser's insert hits the primary key: a unique violation, 409 at the edge
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: '23505' });
    }
    expect(await createdEvents(id)).toHaveLength(1);
    expect((await tenants.get(id)).status).toBe('ACTIVE');
  });

  it('finishes an abandoned provisioning in the background, but leaves a recent one to its client', async () => {
    const [stale, recent] = [newId(), newId()];
    world.rpc.off(AuthorizationRpc.provisionTenant);
    for (const id of [stale, recent]) await problemOf(tenants.create(alice, { id, name: id }));
    await world.db.dataSource.query(`UPDATE tenancy.tenants SET created_at = now() - interval '2 minutes' WHERE id = $1`, [stale]);
    world.rpc.on(AuthorizationRpc.provisionTenant, (req) => ({ tenantId: req.tenantId, roles: 5, adminBindingId: null }));

    // what the service's timer runs every few seconds
    await (tenants as unknown as { resumeStuckProvisioning(): Promise<void> }).resumeStuckProvisioning();

    expect((await tenants.get(stale)).status).toBe('ACTIVE');
    expect((await problemOf(tenants.get(recent))).status).toBe(404);
    expect(await createdEvents(stale)).toHaveLength(1);
  });

  it('does not activate a tenant deleted while authorization was provisioning it', async () => {
    const id = newId();
    world.rpc.on(AuthorizationRpc.provisionTenant, async (req) => {
      if (req.tenantId === id) await world.db.dataSource.query(`UPDATE tenancy.tenants SET status = 'DELETED', deleted_at = now() WHERE id = $1`, [id]);
      return { tenantId: req.tenantId, roles: 5, adminBindingId: null };
    });
    expect((await problemOf(tenants.create(alice, { id, name: id }))).status).toBe(404);
    expect(await createdEvents(id)).toEqual([]);
    expect((await problemOf(tenants.create(alice, { id, name: id }))).status).toBe(409);
  });

  it('refuses reserved ids, and every creation while multi-tenancy is off', async () => {
    const reserved = await problemOf(tenants.create(alice, { id: 'default', name: 'x' }));
    expect(reserved).toMatchObject({ status: 400, errors: [{ field: 'id', message: expect.stringContaining('reserved') }] });
    world.env.MULTI_TENANCY_ENABLED = false;
    try {
      expect((await problemOf(tenants.create(alice, { id: newId(), name: 'x' }))).status).toBe(409);
    } finally {
      world.env.MULTI_TENANCY_ENABLED = true;
    }
    expect(world.rpc.callsTo(AuthorizationRpc.provisionTenant)).toEqual([]);
  });

  it('makes the named adminUser Admin, and answers 400 naming the field when identity knows no such user', async () => {
    const carol = randomUUID();
    world.rpc.on(IdentityRpc.findUserByUsername, (req) => {
      if (req.username === 'carol@example.com') return { id: carol } as never;
      throw ProblemException.notFound('no such user');
    });
    const id = newId();
    await tenants.create(alice, { id, name: id, adminUser: 'carol@example.com' });
    expect(world.rpc.callsTo(AuthorizationRpc.provisionTenant)).toEqual([{ tenantId: id, admin: { type: 'USER', id: carol } }]);

    const missing = await problemOf(tenants.create(alice, { id: newId(), name: 'x', adminUser: 'nobody@example.com' }));
    expect(missing).toMatchObject({ status: 400, errors: [{ field: 'adminUser', message: expect.stringContaining('nobody@example.com') }] });
  });

  it('deletes a tenant at once: gone from reads, retired by authorization and identity, announced durably, id never reused', async () => {
    const id = newId();
    await tenants.create(alice, { id, name: id });
    await tenants.delete(bob, id);
    expect((await problemOf(tenants.get(id))).status).toBe(404);
    expect(world.rpc.callsTo(AuthorizationRpc.retireTenant)).toEqual([{ tenantId: id }]);
    expect(world.rpc.callsTo(IdentityRpc.retireTenant)).toEqual([{ tenantId: id }]);
    expect((await world.outboxEvents<{ tenantId: string }>(TenancyEvents.tenantDeleted.subject)).filter((e) => e.tenantId === id)).toEqual([
      { tenantId: id, deletedBy: bob.id },
    ]);
    expect((await problemOf(tenants.delete(bob, id))).status).toBe(404);
    expect((await problemOf(tenants.create(alice, { id, name: id }))).status).toBe(409);
    expect((await problemOf(tenants.update(alice, { id, name: 'zombie' }))).status).toBe(404);
  });

  it('keeps a deletion when a service does not confirm the retirement, and answers with its error', async () => {
    const id = newId();
    await tenants.create(alice, { id, name: id });
    world.rpc.off(IdentityRpc.retireTenant);
    expect((await problemOf(tenants.delete(alice, id))).status).toBe(503);
    expect((await problemOf(tenants.get(id))).status).toBe(404);
    expect((await world.outboxEvents<{ tenantId: string }>(TenancyEvents.tenantDeleted.subject)).some((e) => e.tenantId === id)).toBe(true);
  });

  it('updates name and worker group, auditing only what changed', async () => {
    const id = newId();
    await tenants.create(alice, { id, name: 'Before' });
    const updated = await tenants.update(alice, { id, name: 'After' });
    expect(updated).toMatchObject({ id, name: 'After', workerGroup: null });
    const cleared = await tenants.update(alice, { id, workerGroup: 'gpu' });
    expect(cleared.workerGroup).toBe('gpu');
    const updates = (await auditOf(id)).filter((e) => e.type === 'UPDATE');
    expect(updates.map((e) => [e.before, e.after])).toEqual([
      [{ name: 'Before' }, { name: 'After' }],
      [{ workerGroup: null }, { workerGroup: 'gpu' }],
    ]);
  });

  it('lists active tenants only, searching id and name with LIKE wildcards taken literally', async () => {
    const prefix = `lst${randomUUID().slice(0, 4)}`;
    await tenants.create(alice, { id: `${prefix}-a`, name: 'Alpha 100%' });
    await tenants.create(alice, { id: `${prefix}-b`, name: 'Beta' });
    await tenants.create(alice, { id: `${prefix}-c`, name: 'Gone' });
    await tenants.delete(alice, `${prefix}-c`);
    world.rpc.off(AuthorizationRpc.provisionTenant);
    await problemOf(tenants.create(alice, { id: `${prefix}-d`, name: 'Provisioning' }));

    const page = await tenants.list({ q: prefix, sort: 'id' });
    expect(page.results.map((t) => t.id)).toEqual([`${prefix}-a`, `${prefix}-b`]);
    expect(page.total).toBe(2);
    expect((await tenants.list({ q: '100%' })).results.map((t) => t.id)).toEqual([`${prefix}-a`]);
    expect((await tenants.list({ q: `${prefix.slice(0, 3)}_` })).results).toEqual([]);
  });

  it('sorts by each sortable field in both directions', async () => {
    const prefix = `srt${randomUUID().slice(0, 4)}`;
    for (const [suffix, name] of [['b', 'Zed'], ['a', 'Yak'], ['c', 'Xu']]) await tenants.create(alice, { id: `${prefix}-${suffix}`, name });
    const ids = async (sort: string) => (await tenants.list({ q: prefix, sort })).results.map((t) => t.id.slice(-1));
    expect(await ids('id:desc')).toEqual(['c', 'b', 'a']);
    expect(await ids('name')).toEqual(['c', 'a', 'b']);
    expect(await ids('createdAt')).toEqual(['b', 'a', 'c']);
    expect(await ids('createdAt:desc')).toEqual(['c', 'a', 'b']);
  });

  it('serves tenants without counts while a service that counts is unavailable', async () => {
    const id = newId();
    await tenants.create(alice, { id, name: id });
    world.rpc.off(IdentityRpc.countServiceAccounts);
    const view = await tenants.get(id);
    expect(view.status).toBe('ACTIVE');
    expect(view.counts).toBeUndefined();
  });
});
