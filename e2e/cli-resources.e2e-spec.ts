import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiTokenView, BindingView, CreatedApiToken, GroupView, Page, RoleView, ServiceAccountView } from '@gatehouse/contracts';
import { api, bearer, createTenant, createUser, eventually, superAdminToken, unique } from '@gatehouse/testing';
import { gatehouse, json, ROOT_USER } from './cli-support';

/** Remote resource commands through the gateway, with --user (Basic sign-in) and --token (access or API token). */
// Each step runs the CLI as a fresh Node process (about a second each).
jest.setTimeout(120_000);

describe('gatehouse resource commands through the gateway', () => {
  let root: string;
  let tenant: string;
  const as = (args: string[]) => gatehouse([...args, '--tenant', tenant, '--user', ROOT_USER]);
  const asJson = <T>(args: string[]) => json<T>(gatehouse([...args, '--tenant', tenant, '--token', root, '--output', 'json']));

  beforeAll(async () => {
    root = await superAdminToken();
    tenant = (await createTenant(root)).id;
  });

  it('service account + API token: the token is printed once, authenticates with --token, and is refused once revoked', async () => {
    const name = unique('ci-bot').slice(0, 40);
    const account = json<ServiceAccountView>(gatehouse(['service-accounts', 'create', name, '--description', 'CI', '--tenant', tenant, '--user', ROOT_USER, '--output', 'json']));
    expect(account).toMatchObject({ name, description: 'CI', tenantId: tenant });

    const created = gatehouse(['sa', 'api-tokens', 'create', name, '--name', 'deploy', '--max-age', 'P30D', '--tenant', tenant, '--token', root, '--output', 'json']);
    expect(created.status).toBe(0);
    expect(created.stderr).toContain('shown only this once');
    const token = JSON.parse(created.stdout) as CreatedApiToken;
    expect(token.token).toMatch(/^gh_/);

    const listed = asJson<Page<ApiTokenView>>(['sa', 'api-tokens', 'list', name]);
    expect(listed.results.map((t) => t.name)).toEqual(['deploy']);
    expect(JSON.stringify(listed)).not.toContain(token.token);
    const table = as(['sa', 'api-tokens', 'list', name]);
    expect(table.stdout).toContain(token.prefix);
    expect(table.stdout).not.toContain(token.token);

    // The service account has no role yet: its token authenticates but is refused GROUP.
    const refused = gatehouse(['groups', 'list', '--tenant', tenant, '--token', token.token]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('403 Forbidden');
    expect(refused.stderr).toMatch(/GROUP permission \(action READ\)/);

    // A custom role with GROUP:READ, bound to the service account by name: the same token now lists groups.
    const roleName = unique('Group readers');
    expect(as(['roles', 'create', roleName, '--permission', 'GROUP:READ']).status).toBe(0);
    const binding = asJson<BindingView>(['bindings', 'create', '--role', roleName, '--to-service-account', name]);
    expect(binding).toMatchObject({ roleName, subjectType: 'SERVICE_ACCOUNT', subjectId: account.id, namespaces: null });
    const allowed = gatehouse(['groups', 'list', '--tenant', tenant, '--token', token.token, '--output', 'json']);
    expect(allowed.status).toBe(0);

    expect(as(['sa', 'api-tokens', 'delete', name, token.id]).status).toBe(0);
    await eventually(async () => (await api().get(`/api/v1/${tenant}/groups`).set(...bearer(token.token))).status === 401);
    const revoked = gatehouse(['groups', 'list', '--tenant', tenant, '--token', token.token]);
    expect(revoked.status).toBe(1);
    expect(revoked.stderr).toContain('401 Unauthorized');
  });

  it('group + members: create, add by email, list, remove; checked through the API', async () => {
    const member = await createUser(root);
    const name = unique('ops');
    const group = json<GroupView>(as(['groups', 'create', name, '--description', 'Operations', '--output', 'json']));
    expect(as(['groups', 'members', 'add', name, member.username]).status).toBe(0);

    const members = await api().get(`/api/v1/${tenant}/groups/${group.id}/members`).set(...bearer(root)).expect(200);
    expect(members.body.results.map((m: { memberId: string }) => m.memberId)).toEqual([member.user.id]);
    const listed = as(['groups', 'members', 'list', name]);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(member.username);

    const twice = as(['groups', 'members', 'add', name, member.username]);
    expect(twice.status).toBe(1);
    expect(twice.stderr).toContain('409 Conflict');

    expect(as(['groups', 'members', 'remove', name, member.user.id]).status).toBe(0);
    const after = await api().get(`/api/v1/${tenant}/groups/${group.id}/members`).set(...bearer(root)).expect(200);
    expect(after.body.total).toBe(0);

    expect(as(['groups', 'delete', group.id]).status).toBe(0);
    await api().get(`/api/v1/${tenant}/groups/${group.id}`).set(...bearer(root)).expect(404);
  });

  it('roles from --permission flags and from --file; update; delete; a bad permission exits 2', async () => {
    const name = unique('Flow editors');
    const role = asJson<RoleView>(['roles', 'create', name, '--permission', 'FLOW:READ,UPDATE', '--permission', 'execution:*']);
    expect(role.permissions).toEqual({ FLOW: ['READ', 'UPDATE'], EXECUTION: ['CREATE', 'READ', 'UPDATE', 'DELETE'] });

    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    const file = join(dir, 'role.json');
    const fileName = unique('From file');
    writeFileSync(file, JSON.stringify({ name: fileName, description: 'Read namespaces', permissions: { NAMESPACE: ['READ'] } }));
    const fromFile = asJson<RoleView>(['roles', 'create', '--file', file]);
    expect(fromFile).toMatchObject({ name: fileName, description: 'Read namespaces', permissions: { NAMESPACE: ['READ'] }, managed: false });

    const updated = asJson<RoleView>(['roles', 'update', name, '--permission', 'FLOW:READ']);
    expect(updated.permissions).toEqual({ FLOW: ['READ'] });
    const read = await api().get(`/api/v1/${tenant}/roles/${role.id}`).set(...bearer(root)).expect(200);
    expect(read.body.permissions).toEqual({ FLOW: ['READ'] });

    const bad = as(['roles', 'create', unique('bad'), '--permission', 'FLOW:FLY']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown action "FLY"');
    expect(bad.stderr).toContain('Usage: gatehouse roles create');

    const managed = as(['roles', 'delete', 'Admin']);
    expect(managed.status).toBe(1);
    expect(managed.stderr).toMatch(/40[39]/);

    expect(as(['roles', 'delete', fromFile.id]).status).toBe(0);
    await api().get(`/api/v1/${tenant}/roles/${fromFile.id}`).set(...bearer(root)).expect(404);
  });

  it('bindings: create on namespaces for a user and a group, list with filters, delete (signed in with --user)', async () => {
    const user = await createUser(root);
    const groupName = unique('data');
    json<GroupView>(as(['groups', 'create', groupName, '--output', 'json']));

    const forUser = asJson<BindingView>(['bindings', 'create', '--role', 'Editor', '--to-user', user.username, '--namespace', 'company.data,company.ml']);
    expect(forUser).toMatchObject({ roleName: 'Editor', subjectType: 'USER', subjectId: user.user.id, namespaces: ['company.data', 'company.ml'] });
    const forGroup = asJson<BindingView>(['bindings', 'create', '--role', 'Viewer', '--to-group', groupName]);
    expect(forGroup).toMatchObject({ roleName: 'Viewer', subjectType: 'GROUP', namespaces: null });

    const byUser = asJson<Page<BindingView>>(['bindings', 'list', '--to-user', user.user.id]);
    expect(byUser.results.map((b) => b.id)).toEqual([forUser.id]);
    const byNamespace = asJson<Page<BindingView>>(['bindings', 'list', '--namespace', 'company.data.raw', '--role', 'Editor']);
    expect(byNamespace.results.map((b) => b.id)).toEqual([forUser.id]);
    const elsewhere = asJson<Page<BindingView>>(['bindings', 'list', '--namespace', 'company.finance', '--role', 'Editor']);
    expect(elsewhere.total).toBe(0);

    const twoSubjects = as(['bindings', 'create', '--role', 'Viewer', '--to-user', user.user.id, '--to-group', groupName]);
    expect(twoSubjects.status).toBe(2);
    expect(twoSubjects.stderr).toContain('give only one of --to-user, --to-service-account, --to-group');

    expect(as(['bindings', 'delete', forUser.id]).status).toBe(0);
    await api().get(`/api/v1/${tenant}/bindings/${forUser.id}`).set(...bearer(root)).expect(404);
  });

  it('audit search finds what the CLI changed, with filters', async () => {
    const name = unique('Audited role');
    const role = asJson<RoleView>(['roles', 'create', name, '--permission', 'FLOW:READ']);
    const entries = await eventually(async () => {
      const page = asJson<Page<{ type: string; resourceType: string; resourceId: string }>>(
        ['auditlogs', 'search', '--resource-type', 'ROLE', '--type', 'CREATE', '--resource-id', role.id],
      );
      return page.total > 0 ? page : null;
    }, 15_000);
    expect(entries.results[0]).toMatchObject({ type: 'CREATE', resourceType: 'ROLE', resourceId: role.id });
    const table = as(['audit', 'search', '--resource-id', role.id]);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/CREATE\s+ROLE:/);

    const badType = as(['auditlogs', 'search', '--type', 'EXPLODE']);
    expect(badType.status).toBe(2);
  });

  it('tenants update and delete; users update, disable, enable, password-reset and delete', async () => {
    const other = await createTenant(root);
    const renamed = json<{ name: string }>(gatehouse(['tenants', 'update', other.id, '--name', 'Renamed', '--user', ROOT_USER, '--output', 'json']));
    expect(renamed.name).toBe('Renamed');
    expect(gatehouse(['tenants', 'delete', other.id, '--user', ROOT_USER]).status).toBe(0);
    await api().get(`/api/v1/tenants/${other.id}`).set(...bearer(root)).expect(404);

    const person = await createUser(root);
    const run = (args: string[]) => gatehouse([...args, '--user', ROOT_USER, '--output', 'json']);
    expect(json<{ firstName: string }>(run(['users', 'update', person.username, '--first-name', 'Grace'])).firstName).toBe('Grace');
    expect(json<{ status: string }>(run(['users', 'disable', person.username])).status).toBe('DISABLED');
    await api().post('/api/v1/login').send({ username: person.username, password: person.password }).expect((r) => expect(r.status).toBeGreaterThanOrEqual(400));
    expect(json<{ status: string }>(run(['users', 'enable', person.user.id])).status).toBe('ACTIVE');
    expect(json<{ requested: number }>(run(['users', 'password-reset', person.username])).requested).toBe(1);
    expect((await api().get(`/api/v1/users/${person.user.id}`).set(...bearer(root)).expect(200)).body.passwordChangeRequired).toBe(true);
    expect(run(['users', 'delete', person.username]).status).toBe(0);
    await api().get(`/api/v1/users/${person.user.id}`).set(...bearer(root)).expect(404);
  });

  it('invitations: create with a role by name (the link is printed), list, delete', async () => {
    const email = `${unique('invitee')}@gatehouse.test`;
    const invitation = asJson<{ id: string; link: string; roles: unknown[] }>(['invitations', 'create', email, '--role', 'Viewer']);
    expect(invitation.link).toMatch(/^http/);
    expect(invitation.roles).toHaveLength(1);
    const pending = asJson<Page<{ id: string }>>(['invitations', 'list', '--status', 'pending', '--q', email]);
    expect(pending.results.map((i) => i.id)).toEqual([invitation.id]);
    expect(as(['invitations', 'delete', invitation.id]).status).toBe(0);
    await api().get(`/api/v1/${tenant}/invitations/${invitation.id}`).set(...bearer(root)).expect(404);
  });

  it('users password-reset --tenant: a tenant Admin resets a user of its tenant by email; not one also in another tenant (exit 1, tenant-boundary)', async () => {
    const admin = await createUser(root);
    const own = (await createTenant(root, { adminUser: admin.username })).id;
    const other = (await createTenant(root)).id;
    const local = await createUser(root);
    const both = await createUser(root);
    const viewers = await api().get(`/api/v1/${own}/roles`).query({ q: 'Viewer' }).set(...bearer(root)).expect(200);
    const viewer = (viewers.body.results as RoleView[]).find((r) => r.name === 'Viewer') as RoleView;
    for (const user of [local, both]) {
      await api().post(`/api/v1/${own}/bindings`).set(...bearer(root)).send({ roleId: viewer.id, subjectType: 'USER', subjectId: user.user.id }).expect(201);
    }
    const otherViewer = ((await api().get(`/api/v1/${other}/roles`).query({ q: 'Viewer' }).set(...bearer(root)).expect(200)).body.results as RoleView[])
      .find((r) => r.name === 'Viewer') as RoleView;
    await api().post(`/api/v1/${other}/bindings`).set(...bearer(root)).send({ roleId: otherViewer.id, subjectType: 'USER', subjectId: both.user.id }).expect(201);
    const asAdmin = (ref: string) => gatehouse(['users', 'password-reset', ref, '--tenant', own, '--user', `${admin.username}:${admin.password}`]);
    const done = asAdmin(local.user.email as string);
    expect(done.status).toBe(0);
    expect(done.stdout).toContain('Password reset requested (1 user)');
    const refused = asAdmin(both.user.email as string);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`also have access to tenant ${other}`);
  });

  it("users api-tokens --tenant: a tenant Admin mints a token for a Viewer of its tenant (printed once, it works, revoked it stops); me tenants lists only what one can reach", async () => {
    const admin = await createUser(root);
    const own = (await createTenant(root, { adminUser: admin.username })).id;
    const other = (await createTenant(root)).id;
    const viewer = await createUser(root);
    const viewerRole = ((await api().get(`/api/v1/${own}/roles`).query({ q: 'Viewer' }).set(...bearer(root)).expect(200)).body.results as RoleView[])
      .find((r) => r.name === 'Viewer') as RoleView;
    await api().post(`/api/v1/${own}/bindings`).set(...bearer(root)).send({ roleId: viewerRole.id, subjectType: 'USER', subjectId: viewer.user.id }).expect(201);
    const asAdmin = (args: string[]) => gatehouse([...args, '--tenant', own, '--user', `${admin.username}:${admin.password}`]);

    const created = asAdmin(['users', 'api-tokens', 'create', viewer.user.email as string, '--name', 'reports', '--output', 'json']);
    expect(created.status).toBe(0);
    expect(created.stderr).toContain('shown only this once');
    const token = JSON.parse(created.stdout) as CreatedApiToken;
    expect(json<{ id: string }>(gatehouse(['me', '--token', token.token, '--output', 'json'])).id).toBe(viewer.user.id);
    const listed = asAdmin(['users', 'api-tokens', 'list', viewer.user.email as string]);
    expect(listed.stdout).toContain(token.prefix);
    expect(listed.stdout).not.toContain(token.token);

    // The Viewer reaches its tenant only; the tenant Admin likewise (neither sees the other tenant).
    const reach = json<{ results: Array<{ id: string | null }> }>(gatehouse(['me', 'tenants', '--token', token.token, '--output', 'json']));
    expect(reach.results.map((t) => t.id)).toContain(own);
    expect(reach.results.map((t) => t.id)).not.toContain(other);

    // A user of the admin's tenant who is Admin elsewhere holds more than the admin: no token for them.
    const elsewhere = await createUser(root);
    await api().post(`/api/v1/${own}/bindings`).set(...bearer(root)).send({ roleId: viewerRole.id, subjectType: 'USER', subjectId: elsewhere.user.id }).expect(201);
    await createTenant(root, { adminUser: elsewhere.username });
    const refused = asAdmin(['users', 'api-tokens', 'create', elsewhere.user.email as string, '--name', 'nope']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/403|404/);

    expect(asAdmin(['users', 'api-tokens', 'delete', viewer.user.email as string, token.id]).status).toBe(0);
    await eventually(async () => (await api().get('/api/v1/me').set(...bearer(token.token))).status === 401);
  });

  it('a user without rights in the tenant is refused with exit 1, naming the permission', async () => {
    const outsider = await createUser(root);
    const result = gatehouse(['roles', 'list', '--tenant', tenant, '--user', `${outsider.username}:${outsider.password}`]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/ROLE permission \(action READ\)/);
    expect(result.stderr).not.toContain(outsider.password);
  });
});
