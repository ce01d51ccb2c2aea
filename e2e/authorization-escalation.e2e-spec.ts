import {
  api, bearer, bindInstanceRole, bindRole, createGroup, createRole, createTenant, createUser, rolesByName, superAdminToken, TestUser,
} from '@gatehouse/testing';
import { RoleView } from '@gatehouse/contracts';

/** DESIGN §3 escalation rules, enforced by the authorization service: refusals are 403 naming the rule. */
describe('authorization escalation rules', () => {
  let root: string;
  let tenant: string;
  let admin: TestUser;
  let target: TestUser;
  let roles: Record<string, RoleView>;

  beforeAll(async () => {
    root = await superAdminToken();
    admin = await createUser(root);
    target = await createUser(root);
    tenant = (await createTenant(root, { adminUser: admin.username })).id;
    roles = await rolesByName(root, tenant);
  }, 60_000);

  const grant = (token: string, body: Record<string, unknown>) => api().post(`/api/v1/${tenant}/bindings`).set(...bearer(token)).send({ subjectType: 'USER', ...body });

  it('a tenant Admin grants Developer, but only a TENANT holder grants a role containing ROLE (Admin)', async () => {
    await grant(admin.token, { roleId: roles.Developer.id, subjectId: target.user.id }).expect(201);
    const refused = await grant(admin.token, { roleId: roles.Admin.id, subjectId: target.user.id }).expect(403);
    expect(refused.body).toMatchObject({ rule: 'tenant-permission-required' });
    expect(refused.body.detail).toContain('TENANT');
    // Nothing was written.
    const search = await api().get(`/api/v1/${tenant}/bindings`).query({ subjectId: target.user.id, roleId: roles.Admin.id }).set(...bearer(admin.token)).expect(200);
    expect(search.body.total).toBe(0);
    await grant(root, { roleId: roles.Admin.id, subjectId: target.user.id }).expect(201);
  });

  it('nobody grants a permission they do not hold, namespaces included', async () => {
    const binder = await createUser(root);
    const binderRole = await createRole(root, tenant, { name: 'binder', permissions: { BINDING: ['CREATE', 'READ', 'DELETE'] } });
    const flowReader = await createRole(root, tenant, { name: 'flow-reader', permissions: { FLOW: ['READ'] } });
    const flowWriter = await createRole(root, tenant, { name: 'flow-writer', permissions: { FLOW: ['READ', 'UPDATE'] } });
    await bindRole(admin.token, tenant, { roleId: binderRole.id, subjectId: binder.user.id });
    await bindRole(admin.token, tenant, { roleId: flowReader.id, subjectId: binder.user.id, namespaces: ['a.b'] });
    const someone = await createUser(root);

    await grant(binder.token, { roleId: flowReader.id, subjectId: someone.user.id, namespaces: ['a.b.c'] }).expect(201);
    const outside = await grant(binder.token, { roleId: flowReader.id, subjectId: someone.user.id, namespaces: ['a.bc'] }).expect(403);
    expect(outside.body).toMatchObject({ rule: 'no-permission-escalation' });
    expect(outside.body.detail).toContain('FLOW:READ in namespace a.bc');
    const wide = await grant(binder.token, { roleId: flowReader.id, subjectId: someone.user.id }).expect(403);
    expect(wide.body.rule).toBe('no-permission-escalation');
    const more = await grant(binder.token, { roleId: flowWriter.id, subjectId: someone.user.id, namespaces: ['a.b'] }).expect(403);
    expect(more.body.detail).toContain('FLOW:UPDATE');
  });

  it('a bulk grant is all or nothing and names the refused item', async () => {
    const someone = await createUser(root);
    const refused = await api().post(`/api/v1/${tenant}/bindings/bulk`).set(...bearer(admin.token)).send({
      bindings: [
        { roleId: roles.Viewer.id, subjectType: 'USER', subjectId: someone.user.id },
        { roleId: roles.Admin.id, subjectType: 'USER', subjectId: someone.user.id },
      ],
    }).expect(403);
    expect(refused.body).toMatchObject({ rule: 'tenant-permission-required' });
    expect(refused.body.detail).toMatch(/^bindings\[1\]/);
    const search = await api().get(`/api/v1/${tenant}/bindings`).query({ subjectId: someone.user.id }).set(...bearer(admin.token)).expect(200);
    expect(search.body.total).toBe(0);
  });

  it('an Instance Admin cannot make itself (or a group it is in) Admin of a tenant it does not administer', async () => {
    const instanceAdmin = await createUser(root);
    await bindInstanceRole(root, 'Instance Admin', instanceAdmin.user.id);
    // Without BINDING in the tenant, the gateway already refuses.
    const denied = await grant(instanceAdmin.token, { roleId: roles.Admin.id, subjectId: instanceAdmin.user.id }).expect(403);
    expect(denied.body).toMatchObject({ permission: 'BINDING' });
    // With a role that only lets it manage bindings there, the service still refuses.
    const bindingsOnly = await createRole(root, tenant, { name: 'bindings-only', permissions: { BINDING: ['CREATE', 'READ', 'DELETE'] } });
    await bindRole(admin.token, tenant, { roleId: bindingsOnly.id, subjectId: instanceAdmin.user.id });
    const toSelf = await grant(instanceAdmin.token, { roleId: roles.Admin.id, subjectId: instanceAdmin.user.id }).expect(403);
    expect(toSelf.body.rule).toBe('no-permission-escalation');
    const userReader = await createRole(root, tenant, { name: 'user-reader', permissions: { USER: ['READ'] } });
    const self = await grant(instanceAdmin.token, { roleId: userReader.id, subjectId: instanceAdmin.user.id }).expect(403);
    expect(self.body.rule).toBe('no-self-elevation');
    const group = await createGroup(root, tenant, 'instance-admins', [instanceAdmin.user.id]);
    const viaGroup = await grant(instanceAdmin.token, { roleId: userReader.id, subjectType: 'GROUP', subjectId: group.id }).expect(403);
    expect(viaGroup.body.rule).toBe('no-self-elevation');
    // Governing users of the tenant for someone else is within its powers.
    await grant(instanceAdmin.token, { roleId: userReader.id, subjectId: target.user.id }).expect(201);
  });

  it('a role holder cannot put permissions they lack into a role', async () => {
    const roleManager = await createUser(root);
    const manageRoles = await createRole(root, tenant, { name: 'role-manager', permissions: { ROLE: ['CREATE', 'READ', 'UPDATE', 'DELETE'] } });
    await bindRole(root, tenant, { roleId: manageRoles.id, subjectId: roleManager.user.id });
    const refused = await api().post(`/api/v1/${tenant}/roles`).set(...bearer(roleManager.token)).send({ name: 'sneaky', permissions: { FLOW: ['READ'] } }).expect(403);
    expect(refused.body.rule).toBe('no-permission-escalation');
    const widened = await api().patch(`/api/v1/${tenant}/roles/${manageRoles.id}`).set(...bearer(roleManager.token)).send({ permissions: { ROLE: ['READ'], SECRET: ['READ'] } }).expect(403);
    expect(widened.body.rule).toBe('no-permission-escalation');
    await api().post(`/api/v1/${tenant}/roles`).set(...bearer(roleManager.token)).send({ name: 'role-reader', permissions: { ROLE: ['READ'] } }).expect(201);
  });

  it('tenant roles cannot contain instance-level permissions; managed roles cannot be deleted or edited', async () => {
    const bad = await api().post(`/api/v1/${tenant}/roles`).set(...bearer(admin.token)).send({ name: 'tenants', permissions: { TENANT: ['READ'], FLOW: ['FLY'] } }).expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['permissions.TENANT', 'permissions.FLOW[0]']);
    const deleted = await api().delete(`/api/v1/${tenant}/roles/${roles.Admin.id}`).set(...bearer(admin.token)).expect(409);
    expect(deleted.body.detail).toContain('managed');
    await api().patch(`/api/v1/${tenant}/roles/${roles.Viewer.id}`).set(...bearer(admin.token)).send({ permissions: { FLOW: ['READ'] } }).expect(409);
    const flagged = await api().patch(`/api/v1/${tenant}/roles/${roles.Viewer.id}`).set(...bearer(admin.token)).send({ isDefault: true }).expect(200);
    expect(flagged.body).toMatchObject({ managed: true, isDefault: true });
    await api().patch(`/api/v1/${tenant}/roles/${roles.Viewer.id}`).set(...bearer(admin.token)).send({ isDefault: false }).expect(200);
  });

  it('a Super Admin manages bindings everywhere, including Admin', async () => {
    const other = await createUser(root);
    const elsewhere = (await createTenant(root, { adminUser: other.username })).id;
    const elsewhereRoles = await rolesByName(root, elsewhere);
    await api().post(`/api/v1/${elsewhere}/bindings`).set(...bearer(root)).send({ roleId: elsewhereRoles.Admin.id, subjectType: 'USER', subjectId: target.user.id }).expect(201);
  });
});
