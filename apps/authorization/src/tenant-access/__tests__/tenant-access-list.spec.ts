import { randomUUID } from 'node:crypto';
import { IdentityEvents, IdentityRpc, SubjectFacts, TOTAL_CAP, UserView } from '@gatehouse/contracts';
import { AuthorizationWorld, newTenantId, openAuthorization } from '../../__tests__/authorization-test-module';
import { cappedSubjectCountSql } from '../../tenants/tenant-members';
import { TenantAccessService } from '../tenant-access.service';

/**
 * A tenant's users listed and searched in SQL (real Postgres): totals counted up to TOTAL_CAP, `q` answered
 * from the subject read model's names, which identity's subject events keep current.
 */
describe('TenantAccessService.list: capped totals and search in the subject read model (real Postgres)', () => {
  let world: AuthorizationWorld;
  let access: TenantAccessService;
  const sql = (query: string, params: unknown[] = []) => world.db.dataSource.query(query, params);
  const user = (id: string, version: number, names: Partial<SubjectFacts> = {}): SubjectFacts => ({
    id, type: 'USER', superAdmin: false, disabled: false, version, ...names,
  });
  const deliver = (facts: SubjectFacts) => world.consumers.deliver(world.db.dataSource, IdentityEvents.subjectChanged, facts);
  const ids = (page: { results: Array<{ subjectId: string }> }) => page.results.map((r) => r.subjectId);
  /** `count` users bound directly in the tenant (facts named `<prefix><n>@bulk.test`), in one statement. */
  const bulkBind = async (tenantId: string, count: number, prefix: string) => {
    const [{ id: role }] = await sql(`INSERT INTO "authorization".roles (scope, tenant_id, name, permissions) VALUES ('TENANT', $1, $2, '{}') RETURNING id`, [tenantId, `bulk ${prefix}`]);
    await sql(`CREATE TEMP TABLE IF NOT EXISTS bulk_ids (id uuid, n int)`);
    await sql(`TRUNCATE bulk_ids`);
    await sql(`INSERT INTO bulk_ids SELECT gen_random_uuid(), g FROM generate_series(1, $1) g`, [count]);
    await sql(`INSERT INTO "authorization".subject_facts (id, type, super_admin, disabled, version, username, email)
               SELECT id, 'USER', false, false, 1, $1 || n, $1 || n || '@bulk.test' FROM bulk_ids`, [prefix]);
    await sql(`INSERT INTO "authorization".bindings (scope, tenant_id, role_id, subject_type, subject_id)
               SELECT 'TENANT', $1, $2, 'USER', id FROM bulk_ids`, [tenantId, role]);
  };

  /** How many times each scan of group_members in `query`'s plan ran (EXPLAIN ANALYZE; 0: never). */
  const groupMemberScans = async (query: string, params: unknown[]): Promise<number[]> => {
    type PlanNode = { 'Relation Name'?: string; 'Actual Loops': number; Plans?: PlanNode[] };
    const [{ 'QUERY PLAN': [{ Plan: plan }] }] = (await sql(`EXPLAIN (ANALYZE, FORMAT JSON) ${query}`, params)) as Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>;
    const scans = (node: PlanNode): number[] => [
      ...(node['Relation Name'] === 'group_members' ? [node['Actual Loops']] : []), ...(node.Plans ?? []).flatMap(scans),
    ];
    return scans(plan);
  };

  beforeAll(async () => {
    world = await openAuthorization();
    access = world.get(TenantAccessService);
    // identity's details of a page's users: whatever it is asked, as identity would answer for known ids.
    world.rpc.on(IdentityRpc.getUsersByIds, (request) => request.ids.map((id) => ({ id, username: id }) as UserView));
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  it("searches the tenant's users by username, email or display name, kept current by identity's events", async () => {
    const [acme, other] = [newTenantId(), newTenantId()];
    await world.seed.tenant(acme);
    await world.seed.tenant(other);
    const [ada, grace, outsider] = [randomUUID(), randomUUID(), randomUUID()];
    await deliver(user(ada, 1, { username: 'ada', email: 'countess@analytical.test', displayName: 'Ada Lovelace' }));
    await deliver(user(grace, 1, { username: 'grace', email: 'grace@navy.test', displayName: 'Grace Hopper' }));
    await deliver(user(outsider, 1, { username: 'ada-elsewhere', email: 'other@analytical.test', displayName: 'Ada Other' }));
    const role = await world.seed.role(acme, { USER: ['READ'] });
    await world.seed.bind(role, ada, { tenantId: acme });
    await world.seed.group(acme, [grace]);
    await world.seed.bind(await world.seed.role(other, { USER: ['READ'] }), outsider, { tenantId: other });

    expect(ids(await access.list(acme, { q: 'ADA' }))).toEqual([ada]);
    expect(ids(await access.list(acme, { q: 'analytical' }))).toEqual([ada]);
    expect(ids(await access.list(acme, { q: 'hopper' }))).toEqual([grace]);
    expect(ids(await access.list(acme, { q: grace }))).toEqual([grace]);
    expect(await access.list(acme, { q: 'nobody' })).toMatchObject({ results: [], total: 0 });
    expect(ids(await access.list(acme, { sort: 'username:desc' }))).toEqual([grace, ada]);

    // Renamed (a newer version): found by the new name only; an older event replayed changes nothing.
    await deliver(user(grace, 2, { username: 'rear-admiral', email: 'grace@navy.test', displayName: 'Grace B. Hopper' }));
    expect(ids(await access.list(acme, { q: 'rear-adm' }))).toEqual([grace]);
    expect(ids(await access.list(acme, { q: 'grace' }))).toEqual([grace]);
    expect(await access.list(acme, { q: 'Grace Hopper' })).toMatchObject({ total: 0 });
    await deliver(user(grace, 1, { username: 'grace', email: 'grace@navy.test', displayName: 'Grace Hopper' }));
    expect(await access.list(acme, { q: 'rear-adm' })).toMatchObject({ total: 1 });
    expect(await access.list(acme, { q: 'Grace Hopper' })).toMatchObject({ total: 0 });
    // Deleted (gone: disabled, no names): still bound, but found by none of its names any more.
    await deliver({ ...user(grace, 3), disabled: true, username: null, email: null, displayName: null });
    expect(await access.list(acme, { q: 'rear-adm' })).toMatchObject({ total: 0 });
    expect(ids(await access.list(acme, { q: grace }))).toEqual([grace]);
  });

  it("counts a tenant's users for GET /tenants without its service accounts (tenancy counts those apart), and lists both", async () => {
    const acme = newTenantId();
    await world.seed.tenant(acme);
    const role = await world.seed.role(acme, { USER: ['READ'] });
    const [bound, grouped] = [await world.seed.subject(), await world.seed.subject()];
    const [robot, groupedRobot] = [await world.seed.subject({ type: 'SERVICE_ACCOUNT' }), await world.seed.subject({ type: 'SERVICE_ACCOUNT' })];
    await world.seed.bind(role, bound, { tenantId: acme });
    await world.seed.bind(role, robot, { tenantId: acme, subjectType: 'SERVICE_ACCOUNT' });
    const group = await world.seed.group(acme, [grouped]);
    await sql(`INSERT INTO "authorization".group_members (group_id, member_type, member_id) VALUES ($1, 'SERVICE_ACCOUNT', $2)`, [group, groupedRobot]);
    expect(await access.countByTenant([acme])).toEqual({ [acme]: { users: 2, groups: 1 } });
    expect(await access.list(acme, {})).toMatchObject({ total: 4 });
  });

  it('counts a tenant of TOTAL_CAP users exactly and a bigger one up to the cap, a user bound and grouped once', async () => {
    const [exact, big] = [newTenantId(), newTenantId()];
    await world.seed.tenant(exact);
    await world.seed.tenant(big);
    await bulkBind(exact, TOTAL_CAP - 1, 'exact');
    const both = await world.seed.subject();
    await world.seed.bind(await world.seed.role(exact, { USER: ['READ'] }), both, { tenantId: exact });
    await world.seed.group(exact, [both]);
    expect(await access.list(exact, { size: 5 })).toMatchObject({ total: TOTAL_CAP });
    expect((await access.list(exact, { size: 5 })).totalCapped).toBeUndefined();

    await bulkBind(big, TOTAL_CAP + 1, 'big');
    expect(await access.list(big, { size: 5 })).toMatchObject({ total: TOTAL_CAP, totalCapped: true });
    expect(await access.countByTenant([exact, big])).toEqual({
      [exact]: { users: TOTAL_CAP, groups: 1 },
      [big]: { users: TOTAL_CAP, usersCapped: true, groups: 0 },
    });
    // Neither count reads more than the cap needs: under it, the groups' members are read; past it in the direct
    // bindings alone, a group's members are never read (EXPLAIN ANALYZE: the scans of group_members ran 0 times).
    await world.seed.group(big, [await world.seed.subject()]);
    expect((await groupMemberScans(cappedSubjectCountSql(), [exact])).some((loops) => loops > 0)).toBe(true);
    expect(await groupMemberScans(cappedSubjectCountSql(), [big])).toEqual([0]);

    // A big tenant is searched from the read model's side: the matches, counted exactly when few.
    const found = await access.list(big, { q: 'big1234@' });
    expect(found.total).toBe(1);
    expect(found.results).toHaveLength(1);
    expect(await access.list(big, { q: 'big123', size: 5 })).toMatchObject({ total: 11 });
    // Searched by a substring the instance's every user has, the count stops reading and says its total is a
    // lower bound, at least the page it answers.
    const common = await access.list(big, { q: '@bulk.test', size: 5, page: 3 });
    expect(common).toMatchObject({ totalCapped: true });
    expect(common.results).toHaveLength(5);
    expect(common.total).toBeGreaterThanOrEqual(15);
    // Sorted by username: the tenant's first users in that order, read from the read model.
    const firsts: Array<{ id: string }> = await sql(
      `SELECT f.id FROM "authorization".subject_facts f JOIN "authorization".bindings b ON b.subject_id = f.id WHERE b.tenant_id = $1 ORDER BY f.username, f.id LIMIT 3`,
      [big],
    );
    expect(ids(await access.list(big, { sort: 'username:asc', size: 3 }))).toEqual(firsts.map((r) => r.id));
  }, 60_000);
});
