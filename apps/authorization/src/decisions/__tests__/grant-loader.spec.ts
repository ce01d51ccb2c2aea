import { AuthorizationWorld, newTenantId, openAuthorization } from '../../__tests__/authorization-test-module';
import { GrantLoader } from '../grant-loader';

/** The bindings a subject's compiled grants are built from, as GrantLoader's SQL reads them (real Postgres). */
describe('GrantLoader (real Postgres)', () => {
  let world: AuthorizationWorld;
  let loader: GrantLoader;
  const nameOf = async (table: 'roles' | 'groups', id: string) =>
    ((await world.db.dataSource.query(`SELECT name FROM "authorization".${table} WHERE id = $1`, [id])) as Array<{ name: string }>)[0].name;

  beforeAll(async () => {
    world = await openAuthorization();
    loader = world.get(GrantLoader);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  it("loads the subject's own bindings and its groups' bindings, each with its role's grid and where it came from", async () => {
    const [acme, other] = [newTenantId(), newTenantId()];
    await world.seed.tenant(acme);
    await world.seed.tenant(other);
    const user = await world.seed.subject();
    const [direct, viaGroup, instance] = [
      await world.seed.role(acme, { USER: ['READ', 'UPDATE'] }),
      await world.seed.role(other, { GROUP: ['READ'] }),
      await world.seed.role(null, { TENANT: ['READ'] }, 'INSTANCE'),
    ];
    const group = await world.seed.group(other, [user]);
    const directBinding = await world.seed.bind(direct, user, { tenantId: acme, namespaces: ['company.team'] });
    const groupBinding = await world.seed.bind(viaGroup, group, { tenantId: other, subjectType: 'GROUP' });
    const instanceBinding = await world.seed.bind(instance, user, { tenantId: null, scope: 'INSTANCE' });
    await world.seed.bind(direct, await world.seed.subject(), { tenantId: acme });

    const sources = await loader.load(user);
    expect(sources.sort((a, b) => a.bindingId.localeCompare(b.bindingId))).toEqual([
      {
        bindingId: directBinding, scope: 'TENANT', tenantId: acme, namespaces: ['company.team'], permissions: { USER: ['READ', 'UPDATE'] },
        groupId: null, roleId: direct, roleName: await nameOf('roles', direct), groupName: null,
      },
      {
        bindingId: groupBinding, scope: 'TENANT', tenantId: other, namespaces: null, permissions: { GROUP: ['READ'] },
        groupId: group, roleId: viaGroup, roleName: await nameOf('roles', viaGroup), groupName: await nameOf('groups', group),
      },
      {
        bindingId: instanceBinding, scope: 'INSTANCE', tenantId: null, namespaces: null, permissions: { TENANT: ['READ'] },
        groupId: null, roleId: instance, roleName: await nameOf('roles', instance), groupName: null,
      },
    ].sort((a, b) => a.bindingId.localeCompare(b.bindingId)));
  });

  it("a group's own id is never taken for a subject: a binding to the group does not load as the group's grants", async () => {
    const acme = newTenantId();
    await world.seed.tenant(acme);
    const group = await world.seed.group(acme, []);
    await world.seed.bind(await world.seed.role(acme, { USER: ['READ'] }), group, { tenantId: acme, subjectType: 'GROUP' });
    expect(await loader.load(group)).toEqual([]);
  });

  it('reads through the caller\'s transaction when given one (a binding not yet committed is seen there only)', async () => {
    const acme = newTenantId();
    await world.seed.tenant(acme);
    const user = await world.seed.subject();
    const role = await world.seed.role(acme, { USER: ['READ'] });
    await world.db.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO "authorization".bindings (scope, tenant_id, role_id, subject_type, subject_id) VALUES ('TENANT', $1, $2, 'USER', $3)`, [acme, role, user],
      );
      expect(await loader.load(user, manager)).toHaveLength(1);
      expect(await loader.load(user)).toEqual([]);
    });
    expect(await loader.load(user)).toHaveLength(1);
  });
});
