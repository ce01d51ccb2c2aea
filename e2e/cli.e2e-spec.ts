import { api, bearer, SUPER_ADMIN, superAdminToken, unique } from '@gatehouse/testing';
import { closedPort, gatehouse, ROOT_USER } from './cli-support';

// Each step runs the CLI as a fresh Node process (about a second each).
jest.setTimeout(120_000);

describe('the gatehouse CLI against the running system', () => {
  let rootToken: string;
  const plainUser = { username: `${unique('cli-plain')}@gatehouse.test`, password: 'Cli-Plain-Pass-1' };

  beforeAll(async () => {
    rootToken = await superAdminToken();
    await api().post('/api/v1/users').set(...bearer(rootToken)).send(plainUser).expect(201);
  });

  it('prints help with exit 0, on the program and on a command', () => {
    const top = gatehouse(['--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toContain('Usage: gatehouse');
    expect(top.stdout).toContain('tenants');
    const create = gatehouse(['tenants', 'create', '--help']);
    expect(create.status).toBe(0);
    expect(create.stdout).toContain('--tenant <id>');
    expect(create.stdout).toContain('--server <url>');
  });

  it('creates a tenant with --user, as the seeds do, and the API sees it', async () => {
    const id = unique('dev');
    const result = gatehouse(['tenants', 'create', '--tenant', id, '--name', 'Development environment', '--user', ROOT_USER]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^id:\\s+${id}$`, 'm'));
    expect(result.stdout).not.toContain(SUPER_ADMIN.password);

    const read = await api().get(`/api/v1/tenants/${id}`).set(...bearer(rootToken)).expect(200);
    expect(read.body).toMatchObject({ id, name: 'Development environment', status: 'ACTIVE' });
  });

  it('works with --token or GATEHOUSE_TOKEN and gives parseable JSON with --output json', () => {
    const id = unique('tok');
    const created = gatehouse(['--token', rootToken, '--output', 'json', 'tenants', 'create', '--tenant', id, '--name', 'Token tenant', '--worker-group', 'eu']);
    expect(created.status).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ id, name: 'Token tenant', workerGroup: 'eu' });

    const got = gatehouse(['tenants', 'get', id, '--token', rootToken, '--output', 'json']);
    expect(got.status).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ id, name: 'Token tenant' });

    const list = gatehouse(['tenants', 'list', '--q', id, '--output', 'json'], { env: { GATEHOUSE_TOKEN: rootToken } });
    expect(list.status).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject({ total: 1, page: 1, results: [expect.objectContaining({ id })] });

    const table = gatehouse(['tenants', 'list', '--q', id, '--token', rootToken]);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+WORKER GROUP\s+STATUS\s+CREATED$/m);
    expect(table.stdout).toContain(id);
  });

  it('creates and reads users, and shows the signed-in user with --password-stdin', () => {
    const username = `${unique('cli-user')}@gatehouse.test`;
    const created = gatehouse(['users', 'create', username, '-', '--first-name', 'Ada', '--output', 'json', '--user', ROOT_USER], {
      input: 'Cli-User-Pass-2\n',
    });
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const user = JSON.parse(created.stdout);
    expect(user).toMatchObject({ username, firstName: 'Ada', superAdmin: false });

    const got = gatehouse(['users', 'get', user.id, '--token', rootToken]);
    expect(got.status).toBe(0);
    expect(got.stdout).toMatch(new RegExp(`^username:\\s+${username}$`, 'm'));

    const me = gatehouse(['me', '--user', username, '--password-stdin', '--output', 'json'], { input: 'Cli-User-Pass-2\n' });
    expect(me.status).toBe(0);
    expect(JSON.parse(me.stdout)).toMatchObject({ id: user.id, username });
  });

  it('reports set-up status, and refuses a second set-up with exit 1', () => {
    const status = gatehouse(['setup', 'status', '--output', 'json']);
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ setupComplete: true });

    const again = gatehouse(['setup', 'run', 'intruder@evil.test', 'Another-Pass-99']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('409 Conflict');
    expect(again.stderr).not.toContain('Another-Pass-99');
  });

  it('exits 2 with usage on a bad flag or a missing argument', () => {
    const badFlag = gatehouse(['tenants', 'list', '--no-such-flag', '--token', rootToken]);
    expect(badFlag.status).toBe(2);
    expect(badFlag.stderr).toContain("unknown option '--no-such-flag'");
    expect(badFlag.stderr).toContain('Usage: gatehouse tenants list');

    const missing = gatehouse(['tenants', 'create', '--tenant', unique('x'), '--token', rootToken]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("required option '--name <name>' not specified");
    expect(missing.stdout).toBe('');
  });

  it('exits 1 with a clear message on a wrong password, never echoing it', () => {
    const result = gatehouse(['tenants', 'list', '--user', `${SUPER_ADMIN.username}:Wrong-Password-77`]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('401 Unauthorized');
    expect(result.stderr).toContain('check --token/--user');
    expect(result.stderr + result.stdout).not.toContain('Wrong-Password-77');
  });

  it('exits 1 naming the TENANT permission to a user without rights', () => {
    const user = `${plainUser.username}:${plainUser.password}`;
    const create = gatehouse(['tenants', 'create', '--tenant', unique('nope'), '--name', 'No', '--user', user]);
    expect(create.status).toBe(1);
    expect(create.stderr).toContain('403 Forbidden');
    expect(create.stderr).toMatch(/TENANT permission \(action CREATE\)/);

    const list = gatehouse(['tenants', 'list', '--user', user]);
    expect(list.status).toBe(1);
    expect(list.stderr).toMatch(/TENANT permission \(action READ\)/);
  });

  it('exits 1 with "cannot reach <url>" when the server is down', async () => {
    const server = `http://127.0.0.1:${await closedPort()}`;
    const result = gatehouse(['setup', 'status', '--server', server]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`cannot reach ${server}`);
  });
});
