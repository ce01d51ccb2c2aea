/**
 * Shared by the cluster benchmarks: a private nats-server and a private Postgres that can be restarted
 * (never the machine's shared ones), a fresh database, the fixture every run needs, and small helpers.
 */
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync, mkdtempSync, rmSync, statSync } = require('node:fs');
const { loadavg, tmpdir } = require('node:os');
const { join } = require('node:path');
const { freePort } = require('../../tools/cluster');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = process.argv[i + 1];
  return typeof fallback === 'number' ? Number(value) : value;
}

const NATS_BIN = [process.env.NATS_SERVER_BIN, '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((c) => c && existsSync(c));

/** A private nats-server with JetStream on a fixed port and store, so it can be stopped and started again. */
async function privateNats() {
  if (!NATS_BIN) throw new Error('no nats-server binary (set NATS_SERVER_BIN)');
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-nats-'));
  const url = `nats://127.0.0.1:${port}`;
  let child;
  const nats = {
    url,
    port,
    pid: () => child?.pid,
    async start() {
      child = spawn(NATS_BIN, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: 'ignore' });
      const { connect } = require('nats');
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          await (await connect({ servers: url, timeout: 500 })).close();
          return;
        } catch (error) {
          if (Date.now() > deadline || child.exitCode !== null) throw new Error(`nats-server did not start on ${url}: ${error}`);
          await sleep(50);
        }
      }
    },
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
    async destroy() {
      await nats.stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
  await nats.start();
  return nats;
}

/**
 * A private Postgres cluster (initdb + pg_ctl in a temporary directory, on a free port; as root, run as
 * the `postgres` user: postgresWorkspace in libs/testing, from the build).
 */
async function privatePostgres() {
  const { postgresWorkspace } = require('../../dist/libs/testing/src/postgres-ha');
  const port = await freePort();
  const { dir, run } = postgresWorkspace('gatehouse-bench-pg-');
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`;
  const postgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir: data,
    start: () => run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'postgres.log'), '-w', 'start']),
    /** Fast shutdown: open sessions are terminated, as in a real restart of the server. */
    stop: () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
    destroy() {
      try {
        if (existsSync(join(data, 'postmaster.pid'))) postgres.stop();
      } finally {
        if (statSync(dir, { throwIfNoEntry: false })) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  postgres.start();
  return postgres;
}

/** A new database on `serverUrl` for one run; `drop()` removes it. */
async function freshDatabase(serverUrl, prefix = 'gatehouse_bench') {
  const { Client } = require('pg');
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const at = (database) => {
    const u = new URL(serverUrl);
    u.pathname = `/${database}`;
    return u.toString();
  };
  const admin = new Client({ connectionString: at('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  return {
    url: at(name),
    async drop() {
      const c = new Client({ connectionString: at('postgres') });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => c.end());
    },
  };
}

async function call(url, method, path, { token, body, key } = {}) {
  const response = await fetch(url + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function must(url, method, path, init, status) {
  const result = await call(url, method, path, init);
  if (result.status !== status) throw new Error(`${method} ${path}: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

/**
 * The fixture of a load run: a Super Admin (first user), a tenant, and an operator (a plain user with
 * the tenant's Admin role) who works with a JWT and with an API token, as a real client would.
 */
async function seed(url) {
  const admin = { username: 'bench-root@gatehouse.test', password: 'Bench-Root-Pass-1' };
  await must(url, 'POST', '/api/v1/setup', { body: admin }, 201);
  const rootToken = (await must(url, 'POST', '/api/v1/login', { body: admin }, 200)).accessToken;
  const tenant = 'bench';
  await must(url, 'POST', '/api/v1/tenants', { token: rootToken, body: { id: tenant, name: 'Bench' } }, 201);
  const operator = { username: 'bench-operator@gatehouse.test', password: 'Bench-Operator-Pass-1' };
  const user = await must(url, 'POST', '/api/v1/users', { token: rootToken, body: operator }, 201);
  const roles = (await must(url, 'GET', `/api/v1/${tenant}/roles?size=100`, { token: rootToken }, 200)).results;
  const byName = Object.fromEntries(roles.map((r) => [r.name, r]));
  await must(url, 'POST', `/api/v1/${tenant}/bindings`, { token: rootToken, body: { roleId: byName.Admin.id, subjectType: 'USER', subjectId: user.id } }, 201);
  const token = (await must(url, 'POST', '/api/v1/login', { body: operator }, 200)).accessToken;
  const apiToken = (await must(url, 'POST', '/api/v1/me/api-tokens', { token, body: { name: 'bench' } }, 201)).token;
  return { tenant, operator, userId: user.id, token, apiToken, viewerRoleId: byName.Viewer.id, rootToken };
}

/** Environment of every instance in the benchmarks: no rate limits, quiet logs. */
const BENCH_ENV = {
  PATH: process.env.PATH,
  MULTI_TENANCY_ENABLED: 'true',
  RATE_LIMIT_PER_IP_PER_MINUTE: '0',
  RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error',
};

/** CPU seconds (user + system) of each process id, from /proc. */
function cpuSeconds(pids) {
  const { readFileSync } = require('node:fs');
  const tick = 100;
  const out = {};
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      out[pid] = (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {
      out[pid] = NaN;
    }
  }
  return out;
}

module.exports = { sleep, load, arg, privateNats, privatePostgres, freshDatabase, call, must, seed, BENCH_ENV, cpuSeconds };
