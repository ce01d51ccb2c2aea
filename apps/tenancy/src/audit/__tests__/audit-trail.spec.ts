import { randomUUID } from 'node:crypto';
import { AuditEntry, auditEvent, IdentityRpc, UserView } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { openTenancy, TenancyWorld } from '../../__tests__/tenancy-test-module';
import { TenantsService } from '../../tenants/tenants.service';
import { AuditTrailService } from '../audit-trail.service';

describe('AuditTrailService: storing audit events and searching them (real Postgres)', () => {
  let world: TenancyWorld;
  let trail: AuditTrailService;

  beforeAll(async () => {
    world = await openTenancy();
    world.app.get(TenantsService).onApplicationShutdown();
    trail = world.app.get(AuditTrailService);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  const entry = (overrides: Partial<AuditEntry> = {}): AuditEntry => ({
    type: 'UPDATE',
    resourceType: 'ROLE',
    resourceId: randomUUID(),
    actor: { type: 'USER', id: randomUUID(), username: 'alice@example.com' },
    ip: '10.0.0.1',
    at: new Date().toISOString(),
    before: { name: 'a' },
    after: { name: 'b' },
    ...overrides,
  });

  const deliver = (source: 'identity' | 'authorization', data: AuditEntry, id = randomUUID()) =>
    world.consumers.deliver(world.db.dataSource, auditEvent(source), data, { id, source });

  it('consumes every service\'s audit events', () => {
    expect(world.consumers.registrations.map((r) => r.subject).sort()).toEqual(
      ['identity', 'tenancy', 'authorization', 'notification'].map((s) => auditEvent(s).subject).sort(),
    );
  });

  it('stores a redelivered event once, and keeps entries of one tenant out of the others and of the instance trail', async () => {
    const tenantEntry = entry({ tenantId: 'acme', resourceId: 'r-acme' });
    const eventId = randomUUID();
    expect(await deliver('authorization', tenantEntry, eventId)).toBe(1);
    await deliver('authorization', tenantEntry, eventId);
    await deliver('authorization', entry({ tenantId: 'other', resourceId: 'r-other' }));
    await deliver('authorization', entry({ tenantId: null, resourceId: 'r-default' }));
    await deliver('identity', entry({ tenantId: undefined, resourceType: 'USER', resourceId: 'r-instance' }));

    const acme = await trail.searchTenant('acme', {});
    expect(acme.results.map((r) => [r.id, r.resourceId, r.tenantId, r.source])).toEqual([[eventId, 'r-acme', 'acme', 'authorization']]);
    expect((await trail.searchTenant(null, {})).results.map((r) => r.resourceId)).toEqual(['r-default']);
    expect((await trail.searchInstance({})).results.map((r) => r.resourceId)).toEqual(['r-instance']);
  });

  it('filters by actor, type, resource and time, newest first, with LIKE wildcards in q taken literally', async () => {
    const actor = { type: 'USER' as const, id: randomUUID(), username: 'bob_smith@example.com' };
    const t0 = Date.now() - 60_000;
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    await deliver('authorization', entry({ tenantId: 'filters', actor, at: at(1), type: 'CREATE', resourceId: 'g1', resourceType: 'GROUP' }));
    await deliver('authorization', entry({ tenantId: 'filters', actor, at: at(2), type: 'DELETE', resourceId: 'g1', resourceType: 'GROUP' }));
    await deliver('authorization', entry({ tenantId: 'filters', at: at(3), resourceId: 'role-x' }));

    const byActor = await trail.searchTenant('filters', { actor: actor.id });
    expect(byActor.results.map((r) => r.type)).toEqual(['DELETE', 'CREATE']);
    expect((await trail.searchTenant('filters', { type: 'CREATE' })).total).toBe(1);
    expect((await trail.searchTenant('filters', { resourceType: 'GROUP', resourceId: 'g1' })).total).toBe(2);
    expect((await trail.searchTenant('filters', { from: at(2), to: at(3) })).results.map((r) => r.type)).toEqual(['DELETE']);
    expect((await trail.searchTenant('filters', { q: 'bob_smith' })).total).toBe(2);
    expect((await trail.searchTenant('filters', { q: 'bob%' })).total).toBe(0);
  });

  it('sorts by each sortable field', async () => {
    const t0 = Date.now() - 120_000;
    await deliver('authorization', entry({ tenantId: 'sorted', type: 'DELETE', resourceType: 'GROUP', at: new Date(t0).toISOString() }));
    await deliver('authorization', entry({ tenantId: 'sorted', type: 'CREATE', resourceType: 'ROLE', at: new Date(t0 + 1000).toISOString() }));
    const types = async (sort: string) => (await trail.searchTenant('sorted', { sort })).results.map((r) => r.type);
    expect(await types('at:asc')).toEqual(['DELETE', 'CREATE']);
    expect(await types('type:asc')).toEqual(['CREATE', 'DELETE']);
    expect(await types('resourceType:desc')).toEqual(['CREATE', 'DELETE']);
    expect(await types('resourceType:asc')).toEqual(['DELETE', 'CREATE']);
  });

  it("walks a tenant's and the instance's trail by cursor for each sort: every entry once, in the order of one big page", async () => {
    const t0 = Date.now() - 600_000;
    const types = ['CREATE', 'UPDATE', 'DELETE'] as const;
    for (let i = 0; i < 7; i++) {
      // two entries share each instant, so the id decides between them
      const at = new Date(t0 + Math.floor(i / 2) * 1000).toISOString();
      await deliver('authorization', entry({ tenantId: 'walked', type: types[i % 3], at }));
      await deliver('identity', entry({ type: types[i % 3], resourceType: 'USER', at }));
    }
    const search = (query: Record<string, string | number>, instance: boolean) => (instance ? trail.searchInstance(query) : trail.searchTenant('walked', query));
    for (const instance of [false, true]) {
      for (const sort of ['at:desc', 'at:asc', 'type:asc', 'resourceType:desc']) {
        const whole = (await search({ sort, size: 500 }, instance)).results.map((r) => r.id);
        const walked: string[] = [];
        let page = await search({ sort, size: 3 }, instance);
        walked.push(...page.results.map((r) => r.id));
        while (page.next) {
          page = await search({ sort, size: 3, cursor: page.next }, instance);
          walked.push(...page.results.map((r) => r.id));
        }
        expect(walked).toEqual(whole);
        expect(whole.length).toBeGreaterThanOrEqual(7);
      }
    }
  });

  it("reads the instance's entries newest first from an index, never by sorting the whole instance trail", async () => {
    const plan = await world.db.dataSource.transaction(async (m) => {
      await m.query('SET LOCAL enable_seqscan = off');
      return m.query(`EXPLAIN SELECT * FROM tenancy.audit_logs a WHERE a.scope = 'INSTANCE' AND a.tenant_id IS NULL ORDER BY a.at DESC, a.id DESC LIMIT 26`);
    });
    const text = JSON.stringify(plan);
    expect(text).toContain('audit_logs_untenanted_at_id_idx');
    expect(text).not.toContain('Sort');
  });

  it("names a user actor the producer left unnamed (one identity call per page), and answers with ids when identity is unreachable", async () => {
    const tenantId = `names-${randomUUID().slice(0, 8)}`;
    const unnamed = { type: 'USER' as const, id: randomUUID(), username: null };
    await deliver('authorization', entry({ tenantId, actor: unnamed }));
    await deliver('authorization', entry({ tenantId, actor: unnamed }));
    await deliver('authorization', entry({ tenantId }));
    world.rpc.calls.length = 0;
    world.rpc.on(IdentityRpc.getUsersByIds, (req) => req.ids.map((id) => ({ id, username: `user-${id.slice(0, 4)}` }) as UserView));
    const named = await trail.searchTenant(tenantId, {});
    expect(named.results.map((r) => r.actor.username).sort()).toEqual(['alice@example.com', `user-${unnamed.id.slice(0, 4)}`, `user-${unnamed.id.slice(0, 4)}`]);
    expect(world.rpc.callsTo(IdentityRpc.getUsersByIds)).toEqual([{ ids: [unnamed.id] }]);

    world.rpc.off(IdentityRpc.getUsersByIds);
    const unnamedStill = await trail.searchTenant(tenantId, {});
    expect(unnamedStill.results.filter((r) => r.actor.id === unnamed.id).map((r) => r.actor.username)).toEqual([null, null]);
  });

  it('refuses a time range that ends before it starts', async () => {
    const now = new Date().toISOString();
    await expect(trail.searchTenant('acme', { from: now, to: now })).rejects.toBeInstanceOf(ProblemException);
  });

  it('is append-only: a stored entry can be neither changed nor deleted', async () => {
    await deliver('authorization', entry({ tenantId: 'frozen' }));
    await expect(world.db.dataSource.query(`UPDATE tenancy.audit_logs SET type = 'DELETE' WHERE tenant_id = 'frozen'`)).rejects.toThrow(/append-only/);
    await expect(world.db.dataSource.query(`DELETE FROM tenancy.audit_logs WHERE tenant_id = 'frozen'`)).rejects.toThrow(/append-only/);
  });
});
