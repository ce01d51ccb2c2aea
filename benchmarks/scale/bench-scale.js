#!/usr/bin/env node
/**
 * Benchmark (not a test): every list, search, lookup, check, login and write of Gatehouse at scale
 * (docs/scale.md), on the database `npm run bench:seed-scale` made, at 4 concurrent clients: p50/p95/p99 per
 * request, each tenant-scoped request on the big tenant (tenant-00001: 110,000 bindings, 100,000 users), a
 * small one (tenant-00002) and the empty one (tenant-10000). Then one EXPLAIN ANALYZE pass: each list runs
 * once more with Postgres's auto_explain on for that database, and the database time of its statements is
 * printed (the plans go to tmp/bench-scale-plans.txt). Each figure also says the CPU a request cost in all the
 * processes serving it (services, NATS, the database's Postgres backends, the benchmark's client; from /proc):
 * with 4 clients on 2 cores, a request's latency cannot be much under twice that.
 *
 *   npm run build && npm run bench:seed-scale && npm run bench:scale [-- --requests 100 --clients 4 --database gatehouse_scale --only <regexp> --cpu-profile <services>]
 *
 * Starts a private Gatehouse (nats-server and every service from dist/, like the e2e suites) on that
 * database and leaves the database as it found it (the writes it measures are undone).
 */
const { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync } = require('node:fs');
const { loadavg } = require('node:os');
const { join, resolve } = require('node:path');
const { Client } = require('pg');

const root = resolve(__dirname, '../..');
const { TestSystem } = require(`${root}/dist/libs/testing/src`);
const { cpuByService, cpuPerUnit } = require('../gateway/load-tools');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  return typeof fallback === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1];
};
const DATABASE = arg('database', 'gatehouse_scale');
const REQUESTS = arg('requests', 100);
const CLIENTS = arg('clients', 4);
/** Only the requests whose name matches (a regular expression), e.g. `--only 'tenants|q='`. */
const ONLY = new RegExp(arg('only', ''), 'i');
/**
 * `--cpu-profile tenancy,authorization`: samples those services (benchmarks/gateway/cpu-profile-preload.js) while the
 * first 5 s of the first measured request (use with --only and enough --requests); profiles in tmp/bench-scale-profile/, for Chrome DevTools or speedscope.
 */
const PROFILED = arg('cpu-profile', '').split(',').filter(Boolean);
const PROFILE_DIR = join(root, 'tmp/bench-scale-profile');
let profileStarted = false;
const SERVER = process.env.E2E_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PG_LOG = arg('pg-log', '/var/log/postgresql/postgresql-15-main.log');
const PASSWORD = 'Scale-Bench-Pass-1';
const TENANTS = { big: 'tenant-00001', small: 'tenant-00002', empty: arg('empty-tenant', 'tenant-10000') };
/** The seed's ids: md5(kind || n) shaped as a version-4 uuid. */
const uid = (kind, n) => {
  const hex = require('node:crypto').createHash('md5').update(`${kind}${n}`).digest('hex');
  const v4 = `${hex.slice(0, 12)}4${hex.slice(13, 16)}8${hex.slice(17)}`;
  return v4.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
};

let base = '';
async function call(method, path, { token, body } = {}) {
  const started = process.hrtime.bigint();
  const response = await fetch(base + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { status: response.status, body: text ? JSON.parse(text) : undefined, ms };
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** Runs `request(i)` REQUESTS times from CLIENTS concurrent clients (after 3 warm-up calls); latency percentiles. */
async function measure(name, request, requests = REQUESTS) {
  if (!ONLY.test(name)) return { name, n: 0 };
  for (let i = 0; i < 3; i++) await request(-1 - i);
  if (PROFILED.length && !profileStarted) {
    profileStarted = true;
    for (const service of PROFILED) writeFileSync(join(PROFILE_DIR, `start-${service}`), '');
    await new Promise((r) => setTimeout(r, 200)); // the preload polls every 100 ms
  }
  const cpuBefore = cpuByService(process.pid, DATABASE);
  const times = [];
  const failures = new Map();
  let next = 0;
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (next < requests) {
      const i = next++;
      const answer = await request(i);
      times.push(answer.ms);
      if (answer.status >= 300) failures.set(answer.status, (failures.get(answer.status) ?? 0) + 1);
    }
  }));
  times.sort((a, b) => a - b);
  if (times.length === 0) return { name, n: 0 };
  const cpu = cpuPerUnit(cpuBefore, cpuByService(process.pid, DATABASE), times.length);
  const row = {
    name, n: times.length, p50: pct(times, 50), p95: pct(times, 95), p99: pct(times, 99), max: times.at(-1), cpuMs: cpu.total,
    cpuByProcess: Object.fromEntries(cpu.rows), failures: [...failures].map(([s, n]) => `${n}x${s}`).join(' '),
  };
  const heaviest = cpu.rows.slice(0, 2).map(([process, ms]) => `${process} ${ms.toFixed(1)}`).join(', ');
  process.stdout.write(
    `${name.padEnd(58)} p50 ${row.p50.toFixed(1).padStart(7)}  p95 ${row.p95.toFixed(1).padStart(7)}  p99 ${row.p99.toFixed(1).padStart(7)}  max ${row.max.toFixed(1).padStart(7)} ms` +
      `  cpu ${row.cpuMs.toFixed(1).padStart(5)} ms (${heaviest})  n=${row.n}${row.failures ? `  FAILED ${row.failures}` : ''}\n`,
  );
  return row;
}

async function main() {
  if (PROFILED.length) mkdirSync(PROFILE_DIR, { recursive: true });
  process.stdout.write(`bench:scale on ${DATABASE}, ${CLIENTS} clients, ${REQUESTS} requests per figure; load average ${loadavg().map((n) => n.toFixed(2)).join(' ')} (a shared machine: figures include its other work)\n`);
  const system = await TestSystem.start({
    name: 'bench-scale',
    existingDatabase: DATABASE,
    // Tokens outlive the run (the default 5 minutes would turn its second half into 401s).
    env: {
      MULTI_TENANCY_ENABLED: 'true', RATE_LIMIT_PER_IP_PER_MINUTE: '0', RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0', LOG_LEVEL: 'warn', ACCESS_TOKEN_TTL_SECONDS: '3600',
      ...(PROFILED.length
        ? { NODE_OPTIONS: `--require ${join(root, 'benchmarks/gateway/cpu-profile-preload.js')}`, PROFILE_SERVICE: PROFILED.join(','), PROFILE_DIR, PROFILE_MS: '5000' }
        : {}),
    },
  });
  base = system.gatewayUrl;
  const rows = [];
  try {
    const login = async (username) => {
      const answer = await call('POST', '/api/v1/login', { body: { username, password: PASSWORD } });
      if (answer.status !== 200) throw new Error(`login ${username}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body.accessToken;
    };
    const rootToken = await login('root@scale.test');
    const adminToken = await login('admin@scale.test');
    // user5 is bound Viewer in the big tenant, a member of a 10,000-member group bound Launcher there and
    // holds a namespace-limited Editor binding: the decision walks all three (elsewhere it has nothing).
    const memberToken = await login('user5@scale.test');
    const get = (path, token = rootToken) => () => call('GET', path, { token });
    const deep = await call('GET', '/api/v1/users?page=400&size=25', { token: rootToken });
    const deepCursor = deep.body.next;
    const auditDeep = await call('GET', `/api/v1/auditlogs/search?page=400&size=25`, { token: rootToken });

    const lists = [
      ['GET /users (page 1)', get('/api/v1/users')],
      ['GET /users?page=400 (offset 10,000)', get('/api/v1/users?page=400')],
      ['GET /users?cursor= (after 10,000)', get(`/api/v1/users?cursor=${encodeURIComponent(deepCursor)}`)],
      ['GET /users?q=user12345', get('/api/v1/users?q=user12345')],
      ['GET /users?q=zzz (no match)', get('/api/v1/users?q=zzz')],
      ['GET /tenants', get('/api/v1/tenants')],
      ['GET /tenants?q=tenant-099', get('/api/v1/tenants?q=tenant-099')],
      ['GET /auditlogs/search (instance)', get('/api/v1/auditlogs/search')],
      ['GET /auditlogs/search?cursor= (instance, after 10,000)', get(`/api/v1/auditlogs/search?cursor=${encodeURIComponent(auditDeep.body.next)}`)],
      ['GET /auditlogs/search?q=tenant (instance)', get('/api/v1/auditlogs/search?q=TENANT')],
      ['GET /setup (anonymous)', () => call('GET', '/api/v1/setup')],
      ['GET /me', get('/api/v1/me', adminToken)],
      ['GET /me/tenants', get('/api/v1/me/tenants', adminToken)],
    ];
    for (const [kind, t] of Object.entries(TENANTS)) {
      const T = `/api/v1/${t}`;
      lists.push(
        [`${kind}: GET tenant-access`, get(`${T}/tenant-access`, adminToken)],
        [`${kind}: GET tenant-access?q=user10`, get(`${T}/tenant-access?q=user10`, adminToken)],
        [`${kind}: GET bindings`, get(`${T}/bindings`, adminToken)],
        [`${kind}: GET bindings?namespace=team5.project5.x`, get(`${T}/bindings?namespace=team5.project5.x`, adminToken)],
        [`${kind}: GET groups`, get(`${T}/groups`, adminToken)],
        [`${kind}: GET roles`, get(`${T}/roles`, adminToken)],
        [`${kind}: GET auditlogs/search`, get(`${T}/auditlogs/search`, adminToken)],
        // The gateway's check route answers for the signed-in subject (SelfCheckRequest: `checks`, each a permission, action and optional namespace).
        [`${kind}: POST acls/check (decision, member of a 10,000-member group)`, () => call('POST', `${T}/acls/check`, { token: memberToken, body: { checks: [{ permission: 'FLOW', action: 'READ' }, { permission: 'FLOW', action: 'UPDATE', namespace: 'team5.project5' }] } })],
        // user5's come through a 10,000-member group in the big tenant; it has none elsewhere (404), where the Admin's are read.
        kind === 'big'
          ? [`${kind}: GET users/:id/permissions (via a 10,000-member group)`, get(`${T}/users/${uid('user', 5)}/permissions`, adminToken)]
          : [`${kind}: GET users/:id/permissions (the tenant's Admin)`, get(`${T}/users/${uid('user', 2)}/permissions`, adminToken)],
      );
    }
    for (const [name, request] of lists) rows.push(await measure(name, request));

    // Writes: a binding made and removed per request (big and empty tenant), each on its own user.
    for (const [kind, t] of [['big', TENANTS.big], ['empty', TENANTS.empty]]) {
      const roles = await call('GET', `/api/v1/${t}/roles?q=Viewer`, { token: adminToken });
      const viewer = roles.body.results.find((r) => r.name === 'Viewer').id;
      const made = [];
      rows.push(await measure(`${kind}: POST bindings (write)`, async (i) => {
        const answer = await call('POST', `/api/v1/${t}/bindings`, { token: adminToken, body: { roleId: viewer, subjectType: 'USER', subjectId: uid('user', 900_000 + (i < 0 ? REQUESTS - i : i)), namespaces: ['bench.scale'] } });
        if (answer.status === 201) made.push(answer.body.id);
        return answer;
      }));
      if (made.length > 3) rows.push(await measure(`${kind}: DELETE bindings/:id (write)`, async () => call('DELETE', `/api/v1/${t}/bindings/${made.pop()}`, { token: adminToken }), made.length - 3));
      // What --only left unmeasured is still undone.
      while (made.length > 0) await call('DELETE', `/api/v1/${t}/bindings/${made.pop()}`, { token: adminToken });
    }
    rows.push(await measure('POST /login (argon2id)', async (i) => call('POST', '/api/v1/login', { body: { username: `user${1000 + Math.abs(i)}@scale.test`, password: PASSWORD } }), Math.min(REQUESTS, 40)));

    if (existsSync(PG_LOG)) await explainPass(system, lists);
    else process.stdout.write(`(no ${PG_LOG}: EXPLAIN ANALYZE pass skipped)\n`);
  } finally {
    await system.stop();
  }
  mkdirSync(join(root, 'tmp'), { recursive: true });
  writeFileSync(join(root, 'tmp/bench-scale.json'), JSON.stringify(rows, null, 2));
}

/**
 * Each list once more with auto_explain (log_analyze) on for the database: the services' statements and
 * their plans land in the Postgres log, read back by the database name in each line's prefix.
 */
async function explainPass(system, lists) {
  const admin = new Client({ connectionString: SERVER });
  await admin.connect();
  const settings = `SET session_preload_libraries = 'auto_explain'`;
  try {
    await admin.query(`ALTER DATABASE "${DATABASE}" ${settings}`);
    await admin.query(`ALTER DATABASE "${DATABASE}" SET auto_explain.log_min_duration = 0`);
    await admin.query(`ALTER DATABASE "${DATABASE}" SET auto_explain.log_analyze = on`);
    await admin.query(`ALTER DATABASE "${DATABASE}" SET auto_explain.log_buffers = on`);
    await system.restart();
    base = system.gatewayUrl;
    const plans = [];
    process.stdout.write('\nDatabase time per request (EXPLAIN ANALYZE of its statements, one run after a warm-up):\n');
    for (const [name, request] of lists) {
      if (!ONLY.test(name)) continue;
      await request(-1);
      const from = statSync(PG_LOG).size;
      await request(0);
      await new Promise((r) => setTimeout(r, 300));
      const entries = readLogFrom(from).filter((e) => e.includes(`@${DATABASE} `) && /duration: [\d.]+ ms\s+plan:/.test(e));
      const durations = entries.map((e) => Number(/duration: ([\d.]+) ms/.exec(e)[1]));
      const top = entries.map((e, i) => [durations[i], (/Query Text: ([^\n]*)/.exec(e)?.[1] ?? '').trim().slice(0, 90)]).sort((a, b) => b[0] - a[0]);
      process.stdout.write(`${name.padEnd(58)} db ${durations.reduce((a, b) => a + b, 0).toFixed(2).padStart(8)} ms in ${durations.length} statements; slowest ${top[0] ? `${top[0][0].toFixed(2)} ms: ${top[0][1]}` : '-'}\n`);
      plans.push(`### ${name}\n${entries.join('\n')}`);
    }
    writeFileSync(join(root, 'tmp/bench-scale-plans.txt'), plans.join('\n\n'));
  } finally {
    await admin.query(`ALTER DATABASE "${DATABASE}" RESET ALL`).catch(() => undefined);
    await admin.end();
  }
}

/** The Postgres log from byte `from`, as entries (a line with the prefix and its continuation lines). */
function readLogFrom(from) {
  const size = statSync(PG_LOG).size;
  const buffer = Buffer.alloc(Math.max(0, size - from));
  const fd = openSync(PG_LOG, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, from);
  } finally {
    closeSync(fd);
  }
  const entries = [];
  for (const line of buffer.toString('utf8').split('\n')) {
    if (/^\d{4}-\d{2}-\d{2} /.test(line)) entries.push(line);
    else if (entries.length > 0) entries[entries.length - 1] += `\n${line}`;
  }
  return entries;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
