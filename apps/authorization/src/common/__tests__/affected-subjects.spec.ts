import { AuthorizationWorld, newTenantId, openAuthorization } from '../../__tests__/authorization-test-module';
import { membersOfGroup, subjectsOfBinding, subjectsOfRole } from '../affected-subjects';

/** Whose grants a change touches, as its SQL reads the bindings and memberships (real Postgres). */
describe('affected subjects (real Postgres)', () => {
  let world: AuthorizationWorld;
  const manager = () => world.db.dataSource.manager;
  const sorted = (ids: string[]) => [...ids].sort();

  beforeAll(async () => {
    world = await openAuthorization();
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  it("subjectsOfRole: the role's directly bound users and service accounts and its bound groups' members, once each, never a group id", async () => {
    const acme = newTenantId();
    await world.seed.tenant(acme);
    const role = await world.seed.role(acme, { USER: ['READ'] });
    const [direct, alsoGrouped, grouped, unrelated] = await Promise.all([1, 2, 3, 4].map(() => world.seed.subject()));
    const robot = await world.seed.subject({ type: 'SERVICE_ACCOUNT' });
    const group = await world.seed.group(acme, [alsoGrouped, grouped]);
    const otherGroup = await world.seed.group(acme, [unrelated]);
    await world.seed.bind(role, direct, { tenantId: acme });
    await world.seed.bind(role, alsoGrouped, { tenantId: acme, namespaces: ['company'] });
    await world.seed.bind(role, robot, { tenantId: acme, subjectType: 'SERVICE_ACCOUNT' });
    await world.seed.bind(role, group, { tenantId: acme, subjectType: 'GROUP' });
    await world.seed.bind(await world.seed.role(acme, { GROUP: ['READ'] }), otherGroup, { tenantId: acme, subjectType: 'GROUP' });

    expect(sorted(await subjectsOfRole(manager(), role))).toEqual(sorted([direct, alsoGrouped, grouped, robot]));
    expect(await subjectsOfRole(manager(), await world.seed.role(acme, { ROLE: ['READ'] }))).toEqual([]);
  });

  it("membersOfGroup and subjectsOfBinding: a group binding reaches the group's members, another binding its own subject", async () => {
    const acme = newTenantId();
    await world.seed.tenant(acme);
    const [a, b] = [await world.seed.subject(), await world.seed.subject()];
    const group = await world.seed.group(acme, [a, b]);
    const empty = await world.seed.group(acme, []);

    expect(sorted(await membersOfGroup(manager(), group))).toEqual(sorted([a, b]));
    expect(await membersOfGroup(manager(), empty)).toEqual([]);
    expect(sorted(await subjectsOfBinding(manager(), { subjectType: 'GROUP', subjectId: group }))).toEqual(sorted([a, b]));
    expect(await subjectsOfBinding(manager(), { subjectType: 'USER', subjectId: a })).toEqual([a]);
    expect(await subjectsOfBinding(manager(), { subjectType: 'SERVICE_ACCOUNT', subjectId: 'sa-1' })).toEqual(['sa-1']);
  });
});
