import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  api, bearer, bindRole, createRole, createTenant, createUser, eventually, freePort, login, stopProcess, SUPER_ADMIN, TestUser, tokenFromLink, unique,
  waitForMail,
} from '@gatehouse/testing';
import { json, localOperator } from './cli-support';

const ROOT = resolve(__dirname, '..');
const START_TIMEOUT_MS = 90_000;

interface LocalSystem {
  child: ChildProcess;
  output: () => string;
}

/**
 * `npm start` (local mode): every service in one process on an embedded Postgres and the in-process
 * transport, driven through its gateway like the distributed system and by the CLI's operator commands
 * through its operator socket, then restarted on the same data.
 */
describe('local mode (npm start): one process, embedded Postgres, in-process messaging', () => {
  let dataDir: string;
  let port: number;
  let system: LocalSystem | undefined;
  const distributedUrl = process.env.GATEHOUSE_URL;

  async function startLocal(): Promise<LocalSystem> {
    // only what a developer's shell has: nothing of the distributed e2e system leaks in
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      GATEHOUSE_DATA_DIR: join(dataDir, 'data'),
      MULTI_TENANCY_ENABLED: 'true',
      LOG_LEVEL: 'warn',
    };
    const child = spawn(process.execPath, ['tools/start.js', '--skip-build'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + START_TIMEOUT_MS;
    // The announcement is three lines, which may arrive in separate chunks: wait for the last.
    while (!/Gatehouse is running at [^\n]*\n[^\n]*mode: [^\n]*\n[^\n]*data: [^\n]*\n/.test(output)) {
      if (child.exitCode !== null) throw new Error(`local mode exited with ${child.exitCode}:\n${output.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`local mode did not start in time:\n${output.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { child, output: () => output };
  }

  async function stopLocal(): Promise<number | null> {
    if (!system) return null;
    const { child } = system;
    system = undefined;
    await stopProcess(child, 20_000);
    return child.exitCode;
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-local-'));
    chmodSync(dataDir, 0o755); // as root, Postgres runs as the "postgres" user and must reach its folder
    port = await freePort();
    system = await startLocal();
    process.env.GATEHOUSE_URL = `http://127.0.0.1:${port}`;
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    process.env.GATEHOUSE_URL = distributedUrl;
    await stopLocal();
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  let root: string;
  let admin: TestUser;
  let member: TestUser;
  let tenant: string;
  let groupName: string;
  const data = () => join(dataDir, 'data');
  const socket = () => join(data(), 'operator.sock');

  it('announces the URL, the mode and where the data lives', () => {
    const output = system?.output() ?? '';
    expect(output).toContain(`Gatehouse is running at http://localhost:${port}`);
    expect(output).toContain('local: embedded Postgres + in-process messaging');
    expect(output).toContain(`data: ${join(dataDir, 'data')}`);
  });

  it('runs set-up, login, tenants, users, roles and bindings through the gateway, and enforces them', async () => {
    const before = await api().get('/api/v1/setup').expect(200);
    expect(before.body).toMatchObject({ setupComplete: false, multiTenancy: { enabled: true } });
    await api().post('/api/v1/setup').send(SUPER_ADMIN).expect(201);
    await api().post('/api/v1/setup').send(SUPER_ADMIN).expect(409);
    root = await login(SUPER_ADMIN.username, SUPER_ADMIN.password);

    admin = await createUser(root);
    member = await createUser(root);
    tenant = (await createTenant(root, { adminUser: admin.username })).id;
    await api().get(`/api/v1/${tenant}/roles`).set(...bearer(admin.token)).expect(200);

    await api().get(`/api/v1/${tenant}/groups`).set(...bearer(member.token)).expect(403);
    groupName = unique('team');
    await api().post(`/api/v1/${tenant}/groups`).set(...bearer(admin.token)).send({ name: groupName }).expect(201);
    const role = await createRole(admin.token, tenant, { name: unique('group-reader'), permissions: { GROUP: ['READ'] } });
    await bindRole(admin.token, tenant, { roleId: role.id, subjectId: member.user.id });

    const groups = await api().get(`/api/v1/${tenant}/groups`).set(...bearer(member.token)).expect(200);
    expect(groups.body.results.map((g: { name: string }) => g.name)).toContain(groupName);
    const denied = await api().post(`/api/v1/${tenant}/groups`).set(...bearer(member.token)).send({ name: unique('nope') }).expect(403);
    expect(denied.body).toMatchObject({ permission: 'GROUP', action: 'CREATE' });
    // another tenant stays closed to the member
    const other = (await createTenant(root)).id;
    await api().get(`/api/v1/${other}/groups`).set(...bearer(member.token)).expect(403);
  }, 60_000);

  it('delivers events through the outbox and durable consumers: the binding is in the audit trail', async () => {
    const entries = await eventually(async () => {
      const response = await api().get(`/api/v1/${tenant}/auditlogs/search`).query({ resourceType: 'BINDING', size: '50' }).set(...bearer(admin.token)).expect(200);
      const found = (response.body.results as Array<{ type: string; actor: { id: string } }>).filter((e) => e.type === 'CREATE');
      return found.length > 0 ? found : null;
    });
    expect(entries[0].actor.id).toBe(admin.user.id);
  });

  it('emails a forgotten-password link that works, its secret sealed with the development key (LINK_TOKEN_ENCRYPTION_KEYS unset: warned once)', async () => {
    const user = await createUser(root);
    await api().post('/api/v1/forgotten-password').send({ email: user.username }).expect(204);
    const mail = await waitForMail(join(data(), 'mail'), (m) => (m.headers['to'] ?? '').includes(user.username) && m.headers['x-gatehouse-template'] === 'forgotten-password');
    await api().post('/api/v1/reset-password').send({ token: tokenFromLink(mail, '/ui/reset-password'), password: 'Reset-Locally-42' }).expect(204);
    await login(user.username, 'Reset-Locally-42');
    expect(system?.output().match(/LINK_TOKEN_ENCRYPTION_KEYS is not set/g)).toHaveLength(1);
  });

  describe("the CLI's operator commands, on this host, through the operator socket", () => {
    it('finds an owner-only socket in an owner-only data folder, named in the banner', () => {
      const stat = statSync(socket());
      expect(stat.isSocket()).toBe(true);
      expect(stat.mode & 0o777).toBe(0o600);
      // as root, the postgres user must still reach its folder: others keep the search bit only
      expect(statSync(data()).mode & 0o777).toBe(process.getuid?.() === 0 ? 0o711 : 0o700);
      expect(system?.output()).toContain(`through ${socket()}`);
    });

    it('tenants create, then auths users create --tenant=prod --admin: the user signs in and administers prod, and only prod', async () => {
      expect(json(localOperator(data(), ['tenants', 'create', '--tenant', 'prod', '--name', 'Production', '--output', 'json'])))
        .toMatchObject({ id: 'prod', name: 'Production', status: 'ACTIVE' });

      const created = localOperator(data(), ['auths', 'users', 'create', 'alice@gatehouse.test', 'Alice-Local-42', '--tenant=prod', '--admin']);
      expect(created.stderr).toBe('');
      expect(created.status).toBe(0);
      expect(created.stdout).toMatch(/^Created user alice@gatehouse\.test \([0-9a-f-]{36}\)\.$/m);
      expect(created.stdout).toContain('Granted: Admin in tenant prod.');

      const alice = await login('alice@gatehouse.test', 'Alice-Local-42');
      // Admin's work in prod: a role, bound to someone else, who then reads what it grants
      const role = await createRole(alice, 'prod', { name: unique('prod-group-reader'), permissions: { GROUP: ['READ'] } });
      await bindRole(alice, 'prod', { roleId: role.id, subjectId: member.user.id });
      await api().get('/api/v1/prod/groups').set(...bearer(await login(member.username, member.password))).expect(200);
      await api().get(`/api/v1/${tenant}/roles`).set(...bearer(alice)).expect(403);
      await api().post('/api/v1/tenants').set(...bearer(alice)).send({ id: unique('nope'), name: 'No' }).expect(403);
    }, 60_000);

    it('auths users sync-access, idempotent', () => {
      const first = json<{ usersExamined: number; usersGranted: number }>(localOperator(data(), ['auths', 'users', 'sync-access', '--output', 'json']));
      expect(first.usersExamined).toBeGreaterThan(0);
      const again = localOperator(data(), ['auths', 'users', 'sync-access']);
      expect(again.status).toBe(0);
      expect(again.stdout).toContain('Users granted access to the default tenant: 0');
    });

    it('exits 1 naming the socket when pointed at one that is not there', () => {
      const wrong = join(data(), 'nope.sock');
      const result = localOperator(data(), ['auths', 'users', 'sync-access'], { env: { GATEHOUSE_OPERATOR_SOCKET: wrong } });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`Error: cannot reach local mode's operator socket at ${wrong} (ENOENT: no such file)`);
      expect(result.stderr).toContain('Hint: is local mode (npm start) running?');
    });

    // Another user of the same host (only root can run the CLI as someone else).
    (process.getuid?.() === 0 ? it : it.skip)('refuses another user of the host: permission denied, exit 1, nothing written', async () => {
      const result = localOperator(data(), ['auths', 'users', 'create', 'mallory@gatehouse.test', 'Mallory-Pass-42', '--superadmin'], { as: { uid: 65534, gid: 65534 } });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`Error: cannot reach local mode's operator socket at ${socket()} (EACCES: permission denied)`);
      expect(result.stderr).toContain("Hint: the socket is its owner's only");
      await expect(login('mallory@gatehouse.test', 'Mallory-Pass-42')).rejects.toThrow('login as mallory@gatehouse.test failed: 401');
    });
  });

  it('keeps everything across a restart on the same data folder', async () => {
    expect(await stopLocal()).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
    expect(existsSync(socket())).toBe(false);
    system = await startLocal();
    expect(json(localOperator(data(), ['auths', 'users', 'set-superadmin', 'alice@gatehouse.test', 'false', '--output', 'json']))).toMatchObject({ superAdmin: false });

    await api().post('/api/v1/setup').send(SUPER_ADMIN).expect(409);
    const memberToken = await login(member.username, member.password);
    const groups = await api().get(`/api/v1/${tenant}/groups`).set(...bearer(memberToken)).expect(200);
    expect(groups.body.results.map((g: { name: string }) => g.name)).toContain(groupName);
    await api().post(`/api/v1/${tenant}/groups`).set(...bearer(memberToken)).send({ name: unique('nope') }).expect(403);
    const audit = await api().get(`/api/v1/${tenant}/auditlogs/search`).query({ resourceType: 'BINDING' }).set(...bearer(await login(admin.username, admin.password))).expect(200);
    expect(audit.body.total).toBeGreaterThan(0);

    // the consumers pick up where they stopped: a change made now is audited once
    const group = await api().post(`/api/v1/${tenant}/groups`).set(...bearer(await login(admin.username, admin.password))).send({ name: unique('after-restart') }).expect(201);
    const created = await eventually(async () => {
      const response = await api().get(`/api/v1/${tenant}/auditlogs/search`).query({ resourceId: group.body.id }).set(...bearer(await login(admin.username, admin.password))).expect(200);
      return response.body.total > 0 ? response.body.results : null;
    });
    expect(created).toHaveLength(1);
  }, START_TIMEOUT_MS + 60_000);
});
