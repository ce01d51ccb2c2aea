import type { BindingView, Page, UserView } from '@gatehouse/contracts';
import { api, bearer, createGroup, createTenant, login, superAdminToken, unique } from '@gatehouse/testing';
import { closedPort, json, operator } from './cli-support';

/**
 * The operator commands of seeds 000 and 004, verbatim, run as an operator would on the server host:
 * over NATS, without the gateway and without signing in. Effects are checked through the API.
 */
// Each step runs the CLI as a fresh Node process (about a second each).
jest.setTimeout(120_000);

describe('gatehouse operator commands (over NATS)', () => {
  let root: string;

  beforeAll(async () => {
    root = await superAdminToken();
  });

  const userNamed = async (username: string): Promise<UserView | undefined> => {
    const page = await api().get('/api/v1/users').query({ q: username, size: 100 }).set(...bearer(root)).expect(200);
    return (page.body as Page<UserView>).results.find((u) => u.username === username);
  };
  const existingUser = async (username: string): Promise<UserView> => {
    const user = await userNamed(username);
    if (!user) throw new Error(`user ${username} does not exist`);
    return user;
  };

  const bindingsOf = async (path: string, subjectId: string): Promise<BindingView[]> => {
    const page = await api().get(`${path}/bindings`).query({ subjectId }).set(...bearer(root)).expect(200);
    return (page.body as Page<BindingView>).results;
  };

  it('auths users create prod.admin@kestra.io TopSecret42 --tenant=prod --admin: the user administers prod, and only prod', async () => {
    const prod = await api().get('/api/v1/tenants/prod').set(...bearer(root));
    if (prod.status === 404) await createTenant(root, { id: 'prod', name: 'Production' });

    const result = operator(['auths', 'users', 'create', 'prod.admin@kestra.io', 'TopSecret42', '--tenant=prod', '--admin']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Created user prod\.admin@kestra\.io \([0-9a-f-]{36}\)\.$/m);
    expect(result.stdout).toContain('Granted: Admin in tenant prod.');
    expect(result.stdout).not.toContain('TopSecret42');

    const user = await existingUser('prod.admin@kestra.io');
    expect(user).toMatchObject({ superAdmin: false, status: 'ACTIVE' });
    expect((await bindingsOf('/api/v1/prod', user.id)).map((b) => b.roleName)).toEqual(['Admin']);

    const token = await login('prod.admin@kestra.io', 'TopSecret42');
    await api().get('/api/v1/prod/roles').set(...bearer(token)).expect(200);
    await api().post('/api/v1/prod/groups').set(...bearer(token)).send({ name: unique('prod-group') }).expect(201);
    // Admin of prod is not Admin elsewhere, nor an instance administrator.
    const other = await createTenant(root);
    await api().get(`/api/v1/${other.id}/roles`).set(...bearer(token)).expect(403);
    await api().post('/api/v1/tenants').set(...bearer(token)).send({ id: unique('nope'), name: 'No' }).expect(403);
  });

  it('auths users create <username> <password> --tenant=<id> --instance-admin: Instance Admin, and Admin of the tenant it was created from', async () => {
    const tenant = await createTenant(root);
    const username = `${unique('cli-iadmin')}@gatehouse.test`;
    const result = operator(['auths', 'users', 'create', username, 'Inst-Admin-Pass-7', `--tenant=${tenant.id}`, '--instance-admin']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Granted: Instance Admin (instance level).');
    expect(result.stdout).toContain(`Granted: Admin in tenant ${tenant.id}.`);

    const user = await existingUser(username);
    expect((await bindingsOf('/api/v1', user.id)).map((b) => [b.roleName, b.scope])).toEqual([['Instance Admin', 'INSTANCE']]);
    const token = await login(username, 'Inst-Admin-Pass-7');
    // The TENANT permission: an Instance Admin creates tenants.
    await api().post('/api/v1/tenants').set(...bearer(token)).send({ id: unique('by-iadmin'), name: 'By an Instance Admin' }).expect(201);
    await api().get(`/api/v1/${tenant.id}/auditlogs/search`).set(...bearer(token)).expect(200);
  });

  it('auths users create --tenant=<id> --admin --instance-admin (both flags, as in the schema) and --superadmin', () => {
    const username = `${unique('cli-both')}@gatehouse.test`;
    const both = operator(['auths', 'users', 'create', username, 'Both-Flags-Pass-3', '--tenant=default', '--admin', '--instance-admin', '--superadmin', '--output', 'json']);
    const body = json<{ user: UserView; created: boolean; granted: string[] }>(both);
    expect(body.created).toBe(true);
    expect(body.user.superAdmin).toBe(true);
    expect(body.granted.sort()).toEqual(['Admin in the default tenant', 'Instance Admin (instance level)', 'Super Admin']);
  });

  it('re-running a create applies the requested access to the existing user, never its password', async () => {
    const tenant = await createTenant(root);
    const group = await createGroup(root, tenant.id, unique('deployers'));
    const username = `${unique('cli-rerun')}@gatehouse.test`;
    expect(operator(['auths', 'users', 'create', username, 'First-Pass-Word-1']).status).toBe(0);

    const again = operator(['auths', 'users', 'create', username, 'Other-Pass-Word-2', `--tenant=${tenant.id}`, '--admin', `--groups=${group.name}`]);
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('exists already: its password was left unchanged');
    expect(again.stdout).toContain(`Granted: member of group ${group.name} in tenant ${tenant.id}.`);

    const third = operator(['auths', 'users', 'create', username, '-', `--tenant=${tenant.id}`, '--admin'], { input: 'whatever\n' });
    expect(third.status).toBe(0);
    expect(third.stdout).toContain(`Already had: Admin in tenant ${tenant.id}.`);

    const user = await existingUser(username);
    const members = await api().get(`/api/v1/${tenant.id}/groups/${group.id}/members`).set(...bearer(root)).expect(200);
    expect(members.body.results.map((m: { memberId: string }) => m.memberId)).toEqual([user.id]);
    await login(username, 'First-Pass-Word-1');
    await api().post('/api/v1/login').send({ username, password: 'Other-Pass-Word-2' }).expect(401);
  });

  it('reads the password from stdin with "-" or --password-stdin', async () => {
    const first = `${unique('cli-stdin')}@gatehouse.test`;
    expect(operator(['auths', 'users', 'create', first, '-'], { input: 'Stdin-Pass-Word-4\n' }).status).toBe(0);
    await login(first, 'Stdin-Pass-Word-4');
    const second = `${unique('cli-stdin')}@gatehouse.test`;
    expect(operator(['auths', 'users', 'create', second, '--password-stdin'], { input: 'Stdin-Pass-Word-5\n' }).status).toBe(0);
    await login(second, 'Stdin-Pass-Word-5');
  });

  it('refuses an unknown tenant or group before creating anyone (exit 1, what to do)', async () => {
    const username = `${unique('cli-typo')}@gatehouse.test`;
    const noTenant = operator(['auths', 'users', 'create', username, 'Typo-Pass-Word-1', '--tenant=no-such-tenant-x', '--admin']);
    expect(noTenant.status).toBe(1);
    expect(noTenant.stderr).toContain('tenant "no-such-tenant-x" does not exist');
    expect(noTenant.stderr).toContain('gatehouse tenants create --tenant no-such-tenant-x');

    const tenant = await createTenant(root);
    const noGroup = operator(['auths', 'users', 'create', username, 'Typo-Pass-Word-1', `--tenant=${tenant.id}`, '--groups=ghosts']);
    expect(noGroup.status).toBe(1);
    expect(noGroup.stderr).toContain(`tenant ${tenant.id} has no group named "ghosts"`);
    expect(await userNamed(username)).toBeUndefined();
  });

  it('a refused creation exits 1 with the reason and never echoes the password', () => {
    const weak = operator(['auths', 'users', 'create', `${unique('cli-weak')}@gatehouse.test`, 'Qz7xKw']);
    expect(weak.status).toBe(1);
    expect(weak.stderr).toMatch(/400 Bad Request/);
    expect(weak.stderr).toMatch(/password/i);
    expect(weak.stderr + weak.stdout).not.toContain('Qz7xKw');
  });

  it('auths users set-superadmin <username> true|false', async () => {
    const username = `${unique('cli-sa')}@gatehouse.test`;
    const created = json<{ user: UserView }>(operator(['auths', 'users', 'create', username, 'Super-Pass-Word-9', '--output', 'json']));
    expect(created.user.superAdmin).toBe(false);

    expect(operator(['auths', 'users', 'set-superadmin', username, 'true']).status).toBe(0);
    expect((await api().get(`/api/v1/users/${created.user.id}`).set(...bearer(root)).expect(200)).body.superAdmin).toBe(true);
    expect(operator(['auths', 'users', 'set-superadmin', username, 'false']).status).toBe(0);
    expect((await api().get(`/api/v1/users/${created.user.id}`).set(...bearer(root)).expect(200)).body.superAdmin).toBe(false);

    const bad = operator(['auths', 'users', 'set-superadmin', username, 'maybe']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('expected true or false');
    const unknown = operator(['auths', 'users', 'set-superadmin', `${unique('ghost')}@gatehouse.test`, 'true']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('404 Not Found');
  });

  it('tenants create --tenant dev --name "Development environment": over NATS, provisioned with its managed roles', async () => {
    const taken = (await api().get('/api/v1/tenants/dev').set(...bearer(root))).status !== 404;
    const id = taken ? unique('dev') : 'dev';
    const result = operator(['tenants', 'create', '--tenant', id, '--name', 'Development environment']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^id:\\s+${id}$`, 'm'));

    const read = await api().get(`/api/v1/tenants/${id}`).set(...bearer(root)).expect(200);
    expect(read.body).toMatchObject({ id, name: 'Development environment', status: 'ACTIVE' });
    const roles = await api().get(`/api/v1/${id}/roles`).set(...bearer(root)).expect(200);
    expect(roles.body.results.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(['Admin', 'Developer', 'Editor', 'Launcher', 'Viewer']));

    const again = operator(['tenants', 'create', '--tenant', id, '--name', 'Development environment']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('409 Conflict');
  });

  it('tenants create --admin-user over NATS makes that user the Admin of the new tenant', async () => {
    const username = `${unique('cli-tadmin')}@gatehouse.test`;
    expect(operator(['auths', 'users', 'create', username, 'Tenant-Admin-Pass-2']).status).toBe(0);
    const id = unique('ops');
    expect(operator(['tenants', 'create', '--tenant', id, '--name', 'Operations', '--admin-user', username]).status).toBe(0);
    const token = await login(username, 'Tenant-Admin-Pass-2');
    await api().get(`/api/v1/${id}/roles`).set(...bearer(token)).expect(200);
  });

  it('auths users sync-access reports what it examined and granted, and is idempotent', async () => {
    const username = `${unique('cli-sync')}@gatehouse.test`;
    expect(operator(['auths', 'users', 'create', username, 'Sync-Pass-Word-6']).status).toBe(0);

    const table = operator(['auths', 'users', 'sync-access']);
    expect(table.stderr).toBe('');
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^Users examined: \d+$/m);
    expect(table.stdout).toMatch(/^Users granted access to the default tenant: \d+$/m);

    const second = json<{ usersExamined: number; usersGranted: number }>(operator(['auths', 'users', 'sync-access', '--output', 'json']));
    expect(second.usersExamined).toBeGreaterThanOrEqual(1);
    expect(second.usersGranted).toBe(0);
  });

  it('exits 1 with "cannot reach NATS at <url>" when NATS is down, and 2 when given gateway options', async () => {
    const url = `nats://127.0.0.1:${await closedPort()}`;
    const down = operator(['auths', 'users', 'sync-access'], { env: { NATS_URL: url } });
    expect(down.status).toBe(1);
    expect(down.stderr).toContain(`cannot reach NATS at ${url}`);
    expect(down.stderr).toContain('Hint: is NATS running?');

    const remote = operator(['auths', 'users', 'create', 'x@gatehouse.test', 'Xx-Pass-Word-1', '--server', 'http://127.0.0.1:1']);
    expect(remote.status).toBe(2);
    expect(remote.stderr).toContain('this is an operator command');
    const bad = operator(['auths', 'users', 'create', 'x@gatehouse.test', 'Xx-Pass-Word-1', '--tenant=prod', '--admn']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown option '--admn'");
    expect(bad.stderr).toContain('Usage: gatehouse auths users create');
  });

  it('--help documents the operator commands and their NATS settings', () => {
    const help = operator(['auths', 'users', 'create', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--instance-admin');
    expect(help.stdout).toContain('NATS_URL');
    expect(help.stdout).toContain('gatehouse auths users create prod.admin@kestra.io TopSecret42 --tenant=prod --admin');
  });
});
