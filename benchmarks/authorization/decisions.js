#!/usr/bin/env node
// Decision benchmark (not a test). Seeds 1k / 100k / 1M bindings across 1,000 tenants in a fresh
// database, then measures, side by side in the same run:
//   - in-process: the authorization service's own code path (LiveTenants Set + GrantsCache + GrantIndex),
//   - over NATS: batched `authorization.check.batch.v1` against a real authorization process,
//   - node-casbin: RBAC with domains and a namespace-prefix matcher on the same bindings.
// Usage: npm run build && node benchmarks/authorization/decisions.js [--sizes=1000,100000,1000000]
//        [--casbin-max=100000] [--postgres=postgres://postgres@127.0.0.1:5432/postgres]
// node-casbin is measured up to --casbin-max bindings: loading 100k groupings takes it ~100 s here, and
// the load grows faster than linearly. Namespaced bindings become casbin domains `tenant|prefix`; a
// check passes its tenant and its namespace's ancestors as extra request fields (see CASBIN_MODEL).
require('reflect-metadata');
const { spawn } = require('node:child_process');
const { join, resolve } = require('node:path');
const { existsSync } = require('node:fs');
const { Client, Pool } = require('pg');
const { connect, JSONCodec } = require('nats');
const casbin = require('casbin');

const ROOT = resolve(__dirname, '../..');
const dist = (p) => join(ROOT, 'dist', p);
if (!existsSync(dist('apps/authorization/src/main.js'))) {
  console.error('No build in dist/: run "npm run build" first');
  process.exit(2);
}
const { GrantIndex } = require(dist('apps/authorization/src/decisions/grant-index'));
const { GrantsCache } = require(dist('apps/authorization/src/decisions/grants-cache'));
const { GrantLoader } = require(dist('apps/authorization/src/decisions/grant-loader'));
const { LiveTenants } = require(dist('apps/authorization/src/tenants/live-tenants'));
const { DecisionService } = require(dist('apps/authorization/src/decisions/decision.service'));
const { MANAGED_TENANT_ROLES } = require(dist('apps/authorization/src/catalogue/managed-roles'));
const { createTestDatabase, startTestNats, freePort } = require(dist('libs/testing/src'));

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const SIZES = (args.sizes ?? '1000,100000,1000000').split(',').map(Number);
const CASBIN_MAX = Number(args["casbin-max"] ?? 100_000);
const POSTGRES = args.postgres ?? process.env.E2E_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TENANTS = 1000;
const SAMPLE_SUBJECTS = 2000;
const ROLE_NAMES = MANAGED_TENANT_ROLES.map((r) => r.name);
const PERMS = ['FLOW', 'EXECUTION', 'SECRET', 'USER', 'BINDING', 'AUDITLOG'];
const ACTS = ['CREATE', 'READ', 'UPDATE', 'DELETE'];

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const fmt = (n, d = 2) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(d));
const userId = (u) => `00000000-0000-4000-8000-${u.toString(16).padStart(12, '0')}`;

// ---------------------------------------------------------------------------------------------------
// Data: binding i → user (i mod users), tenant, managed role (i mod 5); every fifth limited to a namespace.

async function seed(db, size) {
  const users = Math.max(1, Math.floor(size / 2));
  const t0 = Date.now();
  await db.query(`TRUNCATE "authorization".bindings, "authorization".group_members, "authorization".groups, "authorization".subject_facts, "authorization".live_tenants`);
  await db.query(`DELETE FROM "authorization".roles WHERE scope = 'TENANT'`);
  await db.query(`INSERT INTO "authorization".live_tenants (tenant_key, live) SELECT 't' || g, true FROM generate_series(1, ${TENANTS}) g`);
  await db.query(
    `INSERT INTO "authorization".roles (scope, tenant_id, name, description, permissions, managed)
     SELECT 'TENANT', 't' || g, r.name, r.name, r.permissions, true
       FROM generate_series(1, ${TENANTS}) g CROSS JOIN jsonb_to_recordset($1::jsonb) AS r(name text, permissions jsonb)`,
    [JSON.stringify(MANAGED_TENANT_ROLES.map((r) => ({ name: r.name, permissions: r.permissions })))],
  );
  await db.query(
    `INSERT INTO "authorization".subject_facts (id, type, super_admin, disabled, version)
     SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'USER', false, false, 1 FROM generate_series(0, ${users - 1}) g`,
  );
  await db.query(`CREATE TEMP TABLE IF NOT EXISTS role_ix (tenant int, ix int, id uuid)`);
  await db.query(`TRUNCATE role_ix`);
  await db.query(
    `INSERT INTO role_ix SELECT substr(tenant_id, 2)::int, array_position($1::text[], name) - 1, id FROM "authorization".roles WHERE scope = 'TENANT'`,
    [ROLE_NAMES],
  );
  await db.query(`DROP INDEX IF EXISTS "authorization".bindings_uq`);
  await db.query(
    `INSERT INTO "authorization".bindings (scope, tenant_id, role_id, subject_type, subject_id, namespaces)
     SELECT 'TENANT', 't' || x.tenant, r.id, 'USER', ('00000000-0000-4000-8000-' || lpad(to_hex(x.g % ${users}), 12, '0'))::uuid,
            CASE WHEN x.g % 5 = 0 THEN ARRAY['ns' || (x.g % 3) || '.team'] END
       FROM (SELECT g, ((g * 7919 + (g / ${users}) * 13) % ${TENANTS}) + 1 AS tenant, g % 5 AS ix FROM generate_series(0::bigint, ${size - 1}) g) x
       JOIN role_ix r ON r.tenant = x.tenant AND r.ix = x.ix`,
  );
  await db.query(`CREATE UNIQUE INDEX bindings_uq ON "authorization".bindings (scope, tenant_id, role_id, subject_id, coalesce(namespaces, '{}')) NULLS NOT DISTINCT`);
  await db.query(`ANALYZE "authorization".bindings`);
  const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM "authorization".bindings`)).rows;
  return { users, bindings: n, seconds: (Date.now() - t0) / 1000 };
}

/** Random checks over sampled subjects: half in a tenant where they have a binding, half random. */
function makeChecks(bindingsBySubject, count) {
  const subjects = [...bindingsBySubject.keys()];
  const checks = [];
  for (let i = 0; i < count; i++) {
    const id = subjects[i % subjects.length];
    const own = bindingsBySubject.get(id);
    const tenant = i % 2 === 0 && own.length ? own[i % own.length].tenant_id : `t${1 + ((i * 31) % TENANTS)}`;
    const ns = ['ns0.team', 'ns1.team.x', 'ns2.teamx', 'other.a'][i % 4];
    checks.push({ subject: { type: 'USER', id }, scope: 'TENANT', tenantId: tenant, permission: PERMS[i % PERMS.length], action: ACTS[(i >> 2) % 4], namespace: ns });
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------------

async function inProcess(pool, sample) {
  const dataSource = { query: (sql, params) => pool.query(sql, params).then((r) => r.rows) };
  const cache = new GrantsCache({ GRANTS_CACHE_TTL_SECONDS: 3600, GRANTS_CACHE_MAX_SUBJECTS: 1_000_000 });
  const loader = new GrantLoader(dataSource);
  const live = new LiveTenants(dataSource, null);
  await live.reload();
  const facts = { get: async (id) => ({ id, type: 'USER', superAdmin: false, disabled: false }) };
  const decisions = new DecisionService(cache, loader, facts, live);
  const bySubject = new Map();
  for (const id of sample) bySubject.set(id, await loader.load(id).then((s) => s.map((x) => ({ tenant_id: x.tenantId }))));
  const checks = makeChecks(bySubject, 200_000);
  await decisions.checkMany(checks.slice(0, 5000)); // compile every sampled subject once (cache warm)
  let allowed = 0;
  for (let round = 0; round < 2; round++) for (const c of checks) if (decisions.decideCached(c)?.allowed) allowed++;
  const t0 = process.hrtime.bigint();
  const N = 2_000_000;
  for (let i = 0; i < N; i++) if (decisions.decideCached(checks[i % checks.length]).allowed) allowed++;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const lat = [];
  for (let i = 0; i < 200_000; i++) {
    const s = process.hrtime.bigint();
    decisions.decideCached(checks[i % checks.length]);
    lat.push(Number(process.hrtime.bigint() - s) / 1000);
  }
  lat.sort((a, b) => a - b);
  return { checksPerSecond: N / seconds, p50us: pct(lat, 50), p99us: pct(lat, 99), allowedShare: allowed / (N + 2 * checks.length), checks: bySubject };
}

async function overNats(natsUrl, bySubject, { batch = 100, concurrency = 16, seconds = 4 } = {}) {
  const nc = await connect({ servers: natsUrl });
  const codec = JSONCodec();
  const checks = makeChecks(bySubject, 100_000);
  const send = (slice) =>
    nc.request('authorization.check.batch.v1', codec.encode({ pattern: 'authorization.check.batch.v1', id: 'b', data: { caller: { type: 'SERVICE', id: 'bench' }, data: { checks: slice } } }), { timeout: 10_000 })
      .then((m) => {
        const reply = codec.decode(m.data);
        if (reply.err) throw new Error(JSON.stringify(reply.err));
        return reply.response;
      });
  for (let i = 0; i < checks.length; i += 1000) await send(checks.slice(i, i + 1000)); // warm
  // Saturation: closed loop, `concurrency` batches in flight.
  let done = 0;
  let cursor = 0;
  const until = Date.now() + seconds * 1000;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < until) {
      const start = (cursor += batch) % (checks.length - batch);
      await send(checks.slice(start, start + batch));
      done += batch;
    }
  }));
  const maxRate = done / (Number(process.hrtime.bigint() - t0) / 1e9);
  // Half load: open loop at half the saturated batch rate; latency of each batch request.
  const interval = 1000 / (maxRate / 2 / batch);
  const lat = [];
  const pending = [];
  const end = Date.now() + seconds * 1000;
  let next = Date.now();
  let k = 0;
  while (Date.now() < end) {
    const now = Date.now();
    if (now >= next) {
      const s = process.hrtime.bigint();
      const start = (k++ * batch) % (checks.length - batch);
      pending.push(send(checks.slice(start, start + batch)).then(() => lat.push(Number(process.hrtime.bigint() - s) / 1e6)));
      next += interval;
    } else {
      await new Promise((r) => setImmediate(r));
    }
  }
  await Promise.all(pending);
  lat.sort((a, b) => a - b);
  // Single (unbatched) checks, 8 in flight.
  const single = [];
  let j = 0;
  const singleUntil = Date.now() + 2000;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (Date.now() < singleUntil) {
      const c = checks[j++ % checks.length];
      const s = process.hrtime.bigint();
      await nc.request('authorization.check.v1', codec.encode({ pattern: 'authorization.check.v1', id: 's', data: { caller: null, data: c } }), { timeout: 5000 });
      single.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
  }));
  single.sort((a, b) => a - b);
  await nc.close();
  return { maxChecksPerSecond: maxRate, halfLoadP50ms: pct(lat, 50), halfLoadP99ms: pct(lat, 99), batch, singleP50ms: pct(single, 50), singleP99ms: pct(single, 99) };
}

const CASBIN_MODEL = `
[request_definition]
r = sub, dom, obj, act, a1, a2, a3

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.obj == p.obj && r.act == p.act && (g(r.sub, p.sub, r.dom) || g(r.sub, p.sub, r.a1) || g(r.sub, p.sub, r.a2) || g(r.sub, p.sub, r.a3))
`;

/** Tenant-wide bindings link in domain `t`, namespaced ones in `t|prefix`; a check passes the namespace's ancestors. */
async function withCasbin(db, bySubject, size) {
  const model = casbin.newModelFromString(CASBIN_MODEL);
  const enforcer = await casbin.newEnforcer(model);
  const t0 = Date.now();
  const p = [];
  for (const role of MANAGED_TENANT_ROLES) for (const [perm, actions] of Object.entries(role.permissions)) for (const a of actions) p.push([role.name, perm, a]);
  await enforcer.addPolicies(p);
  const rows = db.query(`SELECT b.subject_id, b.tenant_id, r.name, b.namespaces FROM "authorization".bindings b JOIN "authorization".roles r ON r.id = b.role_id`);
  const g = [];
  for (const row of (await rows).rows) {
    if (!row.namespaces) g.push([row.subject_id, row.name, row.tenant_id]);
    else for (const ns of row.namespaces) g.push([row.subject_id, row.name, `${row.tenant_id}|${ns}`]);
  }
  for (let i = 0; i < g.length; i += 50_000) await enforcer.addGroupingPolicies(g.slice(i, i + 50_000));
  const loadSeconds = (Date.now() - t0) / 1000;
  const checks = makeChecks(bySubject, 4000);
  const toArgs = (c) => {
    const parts = c.namespace.split('.');
    const anc = parts.map((_, i) => `${c.tenantId}|${parts.slice(0, i + 1).join('.')}`);
    while (anc.length < 3) anc.push('-');
    return [c.subject.id, c.tenantId, c.permission, c.action, anc[0], anc[1], anc[2]];
  };
  for (let i = 0; i < 200; i++) enforcer.enforceSync(...toArgs(checks[i]));
  const lat = [];
  const budget = Date.now() + 15_000;
  let n = 0;
  const t1 = process.hrtime.bigint();
  for (const c of checks) {
    const s = process.hrtime.bigint();
    enforcer.enforceSync(...toArgs(c));
    lat.push(Number(process.hrtime.bigint() - s) / 1000);
    n++;
    if (Date.now() > budget) break;
  }
  const seconds = Number(process.hrtime.bigint() - t1) / 1e9;
  lat.sort((a, b) => a - b);
  return { size, loadSeconds, checksPerSecond: n / seconds, p50us: pct(lat, 50), p99us: pct(lat, 99), measured: n, enforcer, toArgs };
}

/** Both engines must agree on every sampled decision (same data, same rules). */
async function agreement(db, bySubject, casbinRun) {
  const dataSource = { query: (sql, params) => db.query(sql, params).then((r) => r.rows) };
  const loader = new GrantLoader(dataSource);
  const checks = makeChecks(bySubject, 3000);
  let same = 0;
  const indexes = new Map();
  for (const c of checks) {
    if (!indexes.has(c.subject.id)) indexes.set(c.subject.id, new GrantIndex({ superAdmin: false, disabled: false }, await loader.load(c.subject.id)));
    const ours = indexes.get(c.subject.id).decide(c).allowed;
    if (ours === casbinRun.enforcer.enforceSync(...casbinRun.toArgs(c))) same++;
  }
  return same / checks.length;
}

// ---------------------------------------------------------------------------------------------------

async function waitReady(url, child) {
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error('authorization exited');
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error('authorization did not become ready');
}

async function startAuthorization(dbUrl, natsUrl) {
  const port = await freePort();
  const child = spawn(process.execPath, [dist('apps/authorization/src/main.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, DATABASE_URL: dbUrl, NATS_URL: natsUrl, HEALTH_PORT: String(port), HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitReady(`http://127.0.0.1:${port}/health/ready`, child);
  return child;
}

const stop = (child) =>
  new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM'))));

async function main() {
  const database = await createTestDatabase(POSTGRES, 'gatehouse_bench');
  const nats = await startTestNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222');
  const db = new Client({ connectionString: database.url });
  let service;
  const results = [];
  try {
    service = await startAuthorization(database.url, nats.url); // runs the migrations
    await stop(service);
    await db.connect();
    for (const size of SIZES) {
      const seeded = await seed(db, size);
      console.error(`seeded ${seeded.bindings.toLocaleString('en-US')} bindings (${seeded.users.toLocaleString('en-US')} users, ${TENANTS} tenants) in ${seeded.seconds.toFixed(1)} s`);
      const sample = Array.from({ length: Math.min(SAMPLE_SUBJECTS, seeded.users) }, (_, i) => userId(Math.floor((i * seeded.users) / Math.min(SAMPLE_SUBJECTS, seeded.users))));
      const pool = new Pool({ connectionString: database.url, max: 8 });
      const local = await inProcess(pool, sample).finally(() => pool.end());
      service = await startAuthorization(database.url, nats.url);
      const remote = await overNats(nats.url, local.checks);
      await stop(service);
      service = undefined;
      let cb = null;
      let agree = null;
      if (size <= CASBIN_MAX) {
        cb = await withCasbin(db, local.checks, size);
        agree = await agreement(db, local.checks, cb);
      }
      const row = { size, seeded, local, remote, casbin: cb, agree };
      results.push(row);
      printRow(row);
    }
  } finally {
    if (service) await stop(service);
    await db.end().catch(() => undefined);
    await nats.stop();
    await database.drop();
  }
  console.log('\nSummary (in-process = LiveTenants + GrantsCache + GrantIndex; NATS = batched, one authorization process; casbin = enforceSync)');
  console.log('bindings   | in-process checks/s | p50 us | p99 us | NATS checks/s (batch 100) | NATS p50/p99 ms @half load | casbin checks/s | casbin p50/p99 us | speed-up (in-process / casbin) | agree');
  for (const r of results) {
    const cbRate = r.casbin ? r.casbin.checksPerSecond : null;
    console.log([
      r.seeded.bindings.toLocaleString('en-US').padEnd(10),
      fmt(r.local.checksPerSecond).padStart(19),
      fmt(r.local.p50us).padStart(6), fmt(r.local.p99us).padStart(6),
      fmt(r.remote.maxChecksPerSecond).padStart(25),
      `${fmt(r.remote.halfLoadP50ms)}/${fmt(r.remote.halfLoadP99ms)}`.padStart(26),
      (cbRate ? fmt(cbRate) : 'not measured').padStart(15),
      (r.casbin ? `${fmt(r.casbin.p50us)}/${fmt(r.casbin.p99us)}` : '-').padStart(17),
      (cbRate ? `${fmt(r.local.checksPerSecond / cbRate)}x (NATS ${fmt(r.remote.maxChecksPerSecond / cbRate)}x)` : '-').padStart(30),
      r.agree === null ? '-' : `${(r.agree * 100).toFixed(1)}%`,
    ].join(' | '));
  }
}

function printRow(r) {
  console.error(`  in-process: ${fmt(r.local.checksPerSecond)} checks/s, p50 ${fmt(r.local.p50us)} us, p99 ${fmt(r.local.p99us)} us (${(r.local.allowedShare * 100).toFixed(0)}% allowed)`);
  console.error(`  NATS: ${fmt(r.remote.maxChecksPerSecond)} checks/s saturated (batches of ${r.remote.batch}); half load p50 ${fmt(r.remote.halfLoadP50ms)} ms, p99 ${fmt(r.remote.halfLoadP99ms)} ms per batch; single check p50 ${fmt(r.remote.singleP50ms)} ms, p99 ${fmt(r.remote.singleP99ms)} ms`);
  if (r.casbin) console.error(`  casbin: loaded in ${r.casbin.loadSeconds.toFixed(1)} s; ${fmt(r.casbin.checksPerSecond)} checks/s, p50 ${fmt(r.casbin.p50us)} us, p99 ${fmt(r.casbin.p99us)} us over ${r.casbin.measured} checks; decisions agree ${(r.agree * 100).toFixed(1)}%`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
