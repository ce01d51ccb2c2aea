#!/usr/bin/env node
/**
 * Benchmark (not a test): a realistic mix through the gateway(s) of a cluster with N replicas of every
 * service, reported per request type (req/s, p50, p99, errors) and for the whole mix, with the CPU each
 * process used and the machine's load average.
 *
 *   npm run build && npm run bench:load -- [--replicas 1] [--gateways <replicas>] [--seconds 20] [--scale 1]
 *
 * Starts its own private nats-server and Postgres (initdb in a temp dir; `--shared-postgres` uses a fresh
 * database on E2E_POSTGRES_URL instead), a cluster (tools/cluster.js), seeds a tenant with an operator
 * (tenant Admin, JWT + API token), and runs these concurrently, each an autocannon instance per gateway:
 *   login        POST /api/v1/login (argon2id)
 *   read:jwt     GET groups, roles, bindings of the tenant and /me, with the operator's JWT
 *   read:token   GET groups and /me with the operator's API token
 *   write:group  POST /{tenant}/groups (new name, Idempotency-Key)
 *   write:bind   POST /{tenant}/bindings (Viewer to another user on a new namespace, Idempotency-Key)
 */
const { randomUUID } = require('node:crypto');
const { execFileSync } = require('node:child_process');
const autocannon = require('autocannon');
const { startCluster } = require('../../tools/cluster');
const { arg, BENCH_ENV, cpuSeconds, freshDatabase, load, must, privateNats, privatePostgres, seed, sleep } = require('./support');

const REPLICAS = arg('replicas', 1);
const GATEWAYS = arg('gateways', REPLICAS);
const SECONDS = arg('seconds', 20);
const SCALE = arg('scale', 1);
const SHARED_PG = process.argv.includes('--shared-postgres');

/** Connections per request type (per whole cluster; split across gateways). */
const MIX = { login: 1, 'read:jwt': 4, 'read:token': 2, 'write:group': 1, 'write:bind': 1 };

function requestsFor(type, f) {
  const T = `/api/v1/${f.tenant}`;
  const jwt = { authorization: `Bearer ${f.token}` };
  const api = { authorization: `Bearer ${f.apiToken}` };
  const json = { 'content-type': 'application/json' };
  let n = 0;
  const keyed = (body) => (req) => {
    const id = randomUUID();
    return { ...req, headers: { ...req.headers, 'idempotency-key': id }, body: JSON.stringify(body(id, n++)) };
  };
  switch (type) {
    case 'login':
      return [{ method: 'POST', path: '/api/v1/login', headers: json, body: JSON.stringify(f.operator) }];
    case 'read:jwt':
      return [`${T}/groups?size=20`, `${T}/roles`, '/api/v1/me', `${T}/bindings?size=20`].map((path) => ({ method: 'GET', path, headers: jwt }));
    case 'read:token':
      return [`${T}/groups?size=20`, '/api/v1/me'].map((path) => ({ method: 'GET', path, headers: api }));
    case 'write:group':
      return [{ method: 'POST', path: `${T}/groups`, headers: { ...jwt, ...json }, setupRequest: keyed((id) => ({ name: `g-${id}` })) }];
    case 'write:bind':
      return [{
        method: 'POST', path: `${T}/bindings`, headers: { ...jwt, ...json },
        setupRequest: keyed((id) => ({ roleId: f.viewerRoleId, subjectType: 'USER', subjectId: f.memberId, namespaces: [`bench.n${id.slice(0, 8)}`] })),
      }];
  }
  throw new Error(type);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function runMix(gatewayUrls, fixture, seconds, record = true) {
  const stats = {};
  const runs = [];
  for (const [type, connections] of Object.entries(MIX)) {
    const s = (stats[type] = { latencies: [], ok: 0, non2xx: 0, errors: 0, statuses: {} });
    const total = Math.max(1, Math.round(connections * SCALE));
    gatewayUrls.forEach((url, g) => {
      const share = Math.floor(total / gatewayUrls.length) + (g < total % gatewayUrls.length ? 1 : 0);
      if (share === 0) return;
      runs.push(
        new Promise((resolve, reject) => {
          const instance = autocannon({ url, connections: share, duration: seconds, timeout: 15, requests: requestsFor(type, fixture) }, (error, result) =>
            error ? reject(error) : resolve(result),
          );
          if (!record) return;
          instance.on('response', (_client, status, _bytes, ms) => {
            s.latencies.push(ms);
            s.statuses[status] = (s.statuses[status] ?? 0) + 1;
            if (status >= 200 && status < 300) s.ok++;
            else s.non2xx++;
          });
          instance.on('reqError', () => s.errors++);
        }),
      );
    });
  }
  await Promise.all(runs);
  return stats;
}

function report(stats, seconds) {
  const rows = [];
  const all = [];
  let ok = 0;
  let failed = 0;
  for (const [type, s] of Object.entries(stats)) {
    s.latencies.sort((a, b) => a - b);
    all.push(...s.latencies);
    ok += s.ok;
    failed += s.non2xx + s.errors;
    rows.push([type, (s.latencies.length / seconds).toFixed(1), percentile(s.latencies, 50).toFixed(1), percentile(s.latencies, 99).toFixed(1), String(s.non2xx + s.errors), JSON.stringify(s.statuses)]);
  }
  all.sort((a, b) => a - b);
  rows.push(['mix', (all.length / seconds).toFixed(1), percentile(all, 50).toFixed(1), percentile(all, 99).toFixed(1), String(failed), `ok=${ok}`]);
  const head = ['type', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'statuses'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  return { total: all.length / seconds, p50: percentile(all, 50), p99: percentile(all, 99), failed };
}

function postgresPids(pg) {
  if (!pg) return [];
  try {
    const main = Number(execFileSync('head', ['-1', `${pg.dataDir}/postmaster.pid`], { encoding: 'utf8' }));
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(main)], { encoding: 'utf8' }).split('\n').map(Number).filter(Boolean);
    return [main, ...children];
  } catch {
    return [];
  }
}

async function main() {
  console.log(`replicas=${REPLICAS} gateways=${GATEWAYS} seconds=${SECONDS} scale=${SCALE} load average at start: ${load()}`);
  const nats = await privateNats();
  const pg = SHARED_PG ? null : await privatePostgres();
  const db = await freshDatabase(pg?.url ?? process.env.E2E_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  let cluster;
  try {
    cluster = await startCluster({ replicas: REPLICAS, gateways: GATEWAYS, basePort: null, env: BENCH_ENV, databaseUrl: db.url, natsUrl: nats.url, output: 'ignore' });
    const urls = cluster.gatewayUrls;
    const fixture = await seed(urls[0]);
    const member = await must(urls[0], 'POST', '/api/v1/users', { token: fixture.rootToken, body: { username: 'bench-member@gatehouse.test', password: 'Bench-Member-Pass-1' } }, 201);
    fixture.memberId = member.id;
    console.log(`cluster up: ${urls.join(', ')}; warming up 5 s`);
    await runMix(urls, fixture, 5, false);

    const pids = [...cluster.instances.map((i) => ({ name: i.name, pid: i.child.pid })), { name: 'nats-server', pid: nats.pid() }];
    const pgPids = postgresPids(pg);
    const before = cpuSeconds([...pids.map((p) => p.pid), ...pgPids]);
    const selfBefore = process.cpuUsage();
    const loadBefore = load();
    const started = Date.now();
    const stats = await runMix(urls, fixture, SECONDS);
    const elapsed = (Date.now() - started) / 1000;
    const pgPidsAfter = postgresPids(pg);
    const after = cpuSeconds([...pids.map((p) => p.pid), ...pgPidsAfter]);
    const self = process.cpuUsage(selfBefore);
    console.log(`\nload average before: ${loadBefore}, after: ${load()}`);
    const summary = report(stats, SECONDS);
    console.log(`\nCPU used during the ${elapsed.toFixed(1)} s run (2 cores = ${(2 * elapsed).toFixed(0)} CPU-s available):`);
    const cpu = pids.map(({ name, pid }) => [name, after[pid] - before[pid]]);
    if (pg) cpu.push(['postgres (all backends)', pgPidsAfter.reduce((sum, pid) => sum + (after[pid] - (Number.isNaN(before[pid]) ? 0 : before[pid] ?? 0) || 0), 0)]);
    cpu.push(['load generator (autocannon)', (self.user + self.system) / 1e6]);
    for (const [name, secs] of cpu.sort((a, b) => b[1] - a[1])) console.log(`  ${name.padEnd(28)} ${secs.toFixed(1).padStart(6)} CPU-s  ${((100 * secs) / elapsed).toFixed(0).padStart(4)}% of one core`);
    const used = cpu.reduce((s, [, v]) => s + v, 0);
    console.log(`  ${'total (measured processes)'.padEnd(28)} ${used.toFixed(1).padStart(6)} CPU-s  ${((100 * used) / (2 * elapsed)).toFixed(0)}% of the machine`);
    console.log(`\nRESULT replicas=${REPLICAS} gateways=${GATEWAYS} mix=${summary.total.toFixed(1)} req/s p50=${summary.p50.toFixed(1)} ms p99=${summary.p99.toFixed(1)} ms errors=${summary.failed} load=${load()}`);
  } finally {
    await cluster?.stop(5000);
    await db.drop().catch(() => undefined);
    await nats.destroy();
    pg?.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
