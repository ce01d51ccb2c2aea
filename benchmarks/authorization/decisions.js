#!/usr/bin/env node
// Decision benchmark (not a test). Seeds 1k / 100k / 1M bindings across 1,000 tenants in a fresh
// database, then measures, side by side in the same run:
//   - in-process: the authorization service's own code path (LiveTenants Set + GrantsCache + GrantIndex),
//   - over NATS, against one real authorization process: the saturated rate (closed loop) of single and
//     of batched checks, then an open-loop run at a fixed 50% of each saturated rate (p50/p99 of that run),
//   - node-casbin on the same data, modelled as RBAC with domains (see CASBIN_MODEL),
// and checks on a random sample that both engines give the same answers.
// Usage: npm run build && node benchmarks/authorization/decisions.js [--sizes=1000,100000,1000000]
//        [--casbin-max=1000000] [--casbin-seconds=30] [--nats-seconds=6]
//        [--postgres=postgres://postgres@127.0.0.1:5432/postgres]
// Every figure is printed with the 1-minute load average at the time it was taken: the machine is shared.
require('reflect-metadata');
const { spawn } = require('node:child_process');
const { join, resolve } = require('node:path');
const { existsSync } = require('node:fs');
const { loadavg } = require('node:os');
const { performance } = require('node:perf_hooks');
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
const { TENANT_PERMISSIONS, ACTIONS } = require(dist('libs/contracts/src'));
const { createTestDatabase, startTestNats, freePort } = require(dist('libs/testing/src'));

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const SIZES = (args.sizes ?? '1000,100000,1000000').split(',').map(Number);
const CASBIN_MAX = Number(args['casbin-max'] ?? 1_000_000);
const CASBIN_SECONDS = Number(args['casbin-seconds'] ?? 30);
const NATS_SECONDS = Number(args['nats-seconds'] ?? 6);
const POSTGRES = args.postgres ?? process.env.E2E_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TENANTS = 1000;
const SAMPLE_SUBJECTS = 2000;
const ROLE_NAMES = MANAGED_TENANT_ROLES.map((r) => r.name);
// Inside, child, deeper child, sibling-prefix (`a.bc`), parent and outside of the seeded prefixes ns{0,1,2}.team.
const NAMESPACES = ['ns0.team', 'ns0.team.x', 'ns1.team.a.b', 'ns2.teamx', 'ns1', 'ns2.team', 'other.a', 'ns0.teams.x'];

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const fmt = (n, d = 2) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(d));
const load = () => loadavg()[0].toFixed(2);
const userId = (u) => `00000000-0000-4000-8000-${u.toString(16).padStart(12, '0')}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Deterministic PRNG (mulberry32), so every run asks the same questions. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

/**
 * Random checks over the sampled subjects: half in a tenant where the subject has a binding, half in a
 * random tenant; any tenant permission and action; a namespace around the seeded prefixes.
 */
function makeChecks(bindingsBySubject, count, seed = 1) {
  const next = random(seed);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const subjects = [...bindingsBySubject.keys()];
  const checks = [];
  for (let i = 0; i < count; i++) {
    const id = pick(subjects);
    const own = bindingsBySubject.get(id);
    const tenant = next() < 0.5 && own.length ? pick(own).tenant_id : `t${1 + Math.floor(next() * TENANTS)}`;
    checks.push({ subject: { type: 'USER', id }, scope: 'TENANT', tenantId: tenant, permission: pick(TENANT_PERMISSIONS), action: pick(ACTIONS), namespace: pick(NAMESPACES) });
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
  const checks = makeChecks(bySubject, 200_000, 7);
  for (let i = 0; i < checks.length; i += 1000) await decisions.checkMany(checks.slice(i, i + 1000)); // compile every sampled subject
  let allowed = 0;
  for (let round = 0; round < 5; round++) for (const c of checks) if (decisions.decideCached(c).allowed) allowed++; // JIT warm-up
  const loadAt = load();
  const N = 3_000_000;
  allowed = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) if (decisions.decideCached(checks[i % checks.length]).allowed) allowed++;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // Per-check latency; each sample includes the cost of reading the clock twice (~50-100 ns).
  const lat = new Float64Array(300_000);
  for (let i = 0; i < lat.length; i++) {
    const s = process.hrtime.bigint();
    decisions.decideCached(checks[i % checks.length]);
    lat[i] = Number(process.hrtime.bigint() - s) / 1000;
  }
  lat.sort();
  return { checksPerSecond: N / seconds, p50us: pct(lat, 50), p99us: pct(lat, 99), allowedShare: allowed / N, checks: bySubject, load: loadAt };
}

// ---------------------------------------------------------------------------------------------------
// Over NATS: requests are encoded before the clock starts, so the client spends its CPU on the wire only.

const codec = JSONCodec();

/**
 * Request-reply over one wildcard inbox, matched by a counter: unlike `nc.request`, it arms no timer and
 * allocates no inbox per request, so the load generator costs as little CPU as possible (the two cores
 * are shared with the service and nats-server). The service's side is unchanged: it answers `msg.reply`.
 */
function natsClient(nc) {
  const inbox = `_INBOX.bench.${process.pid}`;
  const waiting = new Map();
  let next = 0;
  nc.subscribe(`${inbox}.*`, {
    callback: (error, m) => {
      const id = m.subject.slice(inbox.length + 1);
      const done = waiting.get(id);
      if (!done) return;
      waiting.delete(id);
      const reply = codec.decode(m.data);
      if (reply.err) done.reject(new Error(JSON.stringify(reply.err)));
      else done.resolve(reply.response);
    },
  });
  const call = (subject, payload) =>
    new Promise((resolve, reject) => {
      const id = String(next++);
      waiting.set(id, { resolve, reject });
      nc.publish(subject, payload, { reply: `${inbox}.${id}` });
    });
  const single = (check) => codec.encode({ pattern: 'authorization.check.v1', id: 's', data: { caller: null, data: check } });
  const batch = (checks) => codec.encode({ pattern: 'authorization.check.batch.v1', id: 'b', data: { caller: { type: 'SERVICE', id: 'bench' }, data: { checks } } });
  return { call, single, batch, outstanding: () => waiting.size };
}

/** Closed loop: `concurrency` requests always in flight for `seconds`; the rate is the saturated throughput. */
async function saturate(send, payloads, { concurrency, seconds, checksPer }) {
  let done = 0;
  let cursor = 0;
  const until = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) {
      await send(payloads[cursor++ % payloads.length]);
      done++;
    }
  }));
  return (done * checksPer) / ((performance.now() - t0) / 1000);
}

/**
 * Open loop at a fixed request rate: every millisecond, sends the requests whose scheduled time has come
 * (so a slow reply never delays the next request). Latency is measured from the send; `lagP99ms` is how
 * late the generator sent relative to the schedule, and `achieved` the rate actually sent.
 */
async function openLoop(send, payloads, { rate, seconds }) {
  const total = Math.floor(rate * seconds);
  const lat = new Float64Array(total);
  const lags = new Float64Array(total);
  let answered = 0;
  let errors = 0;
  let sent = 0;
  const t0 = performance.now();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
    while (sent < due) {
      const i = sent++;
      const s = performance.now();
      lags[i] = s - (t0 + (i * 1000) / rate);
      lat[i] = Infinity; // until answered
      send(payloads[i % payloads.length]).then(
        () => ((lat[i] = performance.now() - s), answered++),
        () => ((lat[i] = Infinity), answered++, errors++),
      );
    }
    await sleep(1);
  }
  const sendSeconds = (performance.now() - t0) / 1000;
  const deadline = performance.now() + 30_000;
  while (answered < total && performance.now() < deadline) await sleep(5);
  errors += total - answered;
  lat.sort();
  lags.sort();
  return { achieved: total / sendSeconds, p50ms: pct(lat, 50), p99ms: pct(lat, 99), p999ms: pct(lat, 99.9), lagP99ms: pct(lags, 99), errors, n: total };
}

async function overNats(natsUrl, bySubject, { batchSize = 100, seconds = NATS_SECONDS } = {}) {
  const nc = await connect({ servers: natsUrl });
  const { call, single, batch } = natsClient(nc);
  const checks = makeChecks(bySubject, 50_000, 11);
  const singles = checks.map(single);
  const batches = [];
  for (let i = 0; i + batchSize <= checks.length; i += batchSize) batches.push(batch(checks.slice(i, i + batchSize)));
  const sendSingle = (p) => call('authorization.check.v1', p);
  const sendBatch = (p) => call('authorization.check.batch.v1', p);
  const r = {};
  // Warm-up: every sampled subject compiled in the service's cache, then both paths JIT-warm.
  for (let i = 0; i < checks.length; i += 1000) await call('authorization.check.batch.v1', batch(checks.slice(i, i + 1000)));
  await saturate(sendSingle, singles, { concurrency: 32, seconds: 2, checksPer: 1 });
  await saturate(sendBatch, batches, { concurrency: 8, seconds: 2, checksPer: batchSize });
  // Unloaded single check: one in flight.
  const idle = [];
  for (let i = 0; i < 3000; i++) {
    const s = performance.now();
    await sendSingle(singles[i]);
    idle.push(performance.now() - s);
  }
  idle.sort((a, b) => a - b);
  r.idle = { p50ms: pct(idle, 50), p99ms: pct(idle, 99), load: load() };
  r.singleMax = { rate: await saturate(sendSingle, singles, { concurrency: 32, seconds, checksPer: 1 }), load: load() };
  r.batchMax = { rate: await saturate(sendBatch, batches, { concurrency: 8, seconds, checksPer: batchSize }), load: load(), batchSize };
  r.singleHalf = { ...(await openLoop(sendSingle, singles, { rate: r.singleMax.rate / 2, seconds })), target: r.singleMax.rate / 2, load: load() };
  r.batchHalf = { ...(await openLoop(sendBatch, batches, { rate: r.batchMax.rate / 2 / batchSize, seconds })), target: r.batchMax.rate / 2, load: load() };
  r.batchHalf.achieved *= batchSize;
  // For reference: a light fixed load (1,000 single checks/s), where CPU contention on the machine matters least.
  r.singleLight = { ...(await openLoop(sendSingle, singles, { rate: 1000, seconds })), target: 1000, load: load() };
  await nc.close();
  return r;
}

// ---------------------------------------------------------------------------------------------------
// node-casbin, same data, same question. Each tenant's roles are `p` policies in the tenant's domain
// (one line per permission x action of the role, namespace `*`). A tenant-wide binding is a `g` line
// user → role in the tenant. A binding limited to namespaces links the user to `Role@prefix`, a role of
// that tenant with the same grid whose `p` lines carry the prefix; the matcher's `nsCovers` (added with
// addFunction) is the dotted-prefix rule: `a.b` covers `a.b` and `a.b.*`, never `a.bc`.

const CASBIN_MODEL = `
[request_definition]
r = sub, dom, obj, act, ns

[policy_definition]
p = sub, dom, obj, act, ns

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.dom == p.dom && r.obj == p.obj && r.act == p.act && nsCovers(r.ns, p.ns) && g(r.sub, p.sub, r.dom)
`;

const nsCovers = (namespace, prefix) =>
  prefix === '*' || namespace === prefix || (namespace.length > prefix.length && namespace.startsWith(prefix) && namespace[prefix.length] === '.');

async function buildCasbin(db) {
  const t0 = Date.now();
  const roles = (await db.query(`SELECT id, tenant_id, name, permissions FROM "authorization".roles WHERE scope = 'TENANT'`)).rows;
  const gridOf = new Map(roles.map((r) => [r.id, Object.entries(r.permissions).flatMap(([perm, actions]) => actions.map((a) => [perm, a]))]));
  const roleById = new Map(roles.map((r) => [r.id, r]));
  const p = [];
  for (const role of roles) for (const [perm, a] of gridOf.get(role.id)) p.push([role.name, role.tenant_id, perm, a, '*']);
  const scopedRoles = new Set();
  const g = [];
  const rows = (await db.query(`SELECT subject_id, tenant_id, role_id, namespaces FROM "authorization".bindings`)).rows;
  for (const row of rows) {
    const role = roleById.get(row.role_id);
    if (!row.namespaces) {
      g.push([row.subject_id, role.name, row.tenant_id]);
      continue;
    }
    for (const ns of row.namespaces) {
      const scoped = `${role.name}@${ns}`;
      g.push([row.subject_id, scoped, row.tenant_id]);
      if (scopedRoles.has(`${role.id}|${ns}`)) continue;
      scopedRoles.add(`${role.id}|${ns}`);
      for (const [perm, a] of gridOf.get(role.id)) p.push([scoped, role.tenant_id, perm, a, ns]);
    }
  }
  const enforcer = await newCasbin(p, g);
  return { enforcer, p, g, loadSeconds: (Date.now() - t0) / 1000 };
}

async function newCasbin(p, g) {
  const enforcer = await casbin.newEnforcer(casbin.newModelFromString(CASBIN_MODEL));
  await enforcer.addFunction('nsCovers', nsCovers);
  // The rules are built without duplicates, so they are handed to the model directly: casbin's
  // addPolicies compares each new rule with every stored one (quadratic: ~100 s for 100k rules here).
  const model = enforcer.getModel().model;
  model.get('p').get('p').policy = p;
  model.get('g').get('g').policy = g;
  await enforcer.buildRoleLinks();
  return enforcer;
}

/**
 * The same rules split into one enforcer per tenant (casbin's filtered loading by domain). The matcher
 * requires `r.dom == p.dom` and `g` links live in the request's domain, so every answer is the same as
 * the single enforcer's; each check only scans its tenant's rules.
 */
async function perTenantCasbin(p, g) {
  const byTenant = new Map();
  const slot = (t) => byTenant.get(t) ?? byTenant.set(t, { p: [], g: [] }).get(t);
  for (const rule of p) slot(rule[1]).p.push(rule);
  for (const rule of g) slot(rule[2]).g.push(rule);
  const enforcers = new Map();
  for (const [tenant, rules] of byTenant) enforcers.set(tenant, await newCasbin(rules.p, rules.g));
  return enforcers;
}

function timeCasbin(ask, checks, expected, seconds, max) {
  for (let i = 0; i < 5; i++) ask(checks[checks.length - 1 - i]); // warm-up
  const lat = [];
  let same = 0;
  let allowed = 0;
  const loadAt = load();
  const budget = performance.now() + seconds * 1000;
  const t1 = performance.now();
  let n = 0;
  while (n < max && (n < 20 || performance.now() < budget)) {
    const s = performance.now();
    const answer = ask(checks[n]);
    lat.push((performance.now() - s) * 1000);
    if (answer === expected[n]) same++;
    if (expected[n]) allowed++;
    n++;
  }
  const elapsed = (performance.now() - t1) / 1000;
  lat.sort((a, b) => a - b);
  return { checksPerSecond: n / elapsed, p50us: pct(lat, 50), p99us: pct(lat, 99), measured: n, agree: same / n, allowedShare: allowed / n, load: loadAt };
}

/** casbin's checks/s and latency over a random sample, each answer compared with Gatehouse's. */
async function withCasbin(db, bySubject) {
  const built = await buildCasbin(db);
  const loader = new GrantLoader({ query: (sql, params) => db.query(sql, params).then((r) => r.rows) });
  const indexes = new Map();
  const ours = async (c) => {
    if (!indexes.has(c.subject.id)) indexes.set(c.subject.id, new GrantIndex({ superAdmin: false, disabled: false }, await loader.load(c.subject.id)));
    return indexes.get(c.subject.id).decide(c).allowed;
  };
  const AGREEMENT = 10_000;
  const checks = makeChecks(bySubject, AGREEMENT + 10, 23);
  const expected = [];
  for (const c of checks) expected.push(await ours(c));
  const args = (c) => [c.subject.id, c.tenantId, c.permission, c.action, c.namespace];
  const single = timeCasbin((c) => built.enforcer.enforceSync(...args(c)), checks, expected, CASBIN_SECONDS, AGREEMENT);
  const t0 = Date.now();
  const tenants = await perTenantCasbin(built.p, built.g);
  const shardSeconds = (Date.now() - t0) / 1000;
  const ask = (c) => tenants.get(c.tenantId)?.enforceSync(...args(c)) ?? false;
  const sharded = timeCasbin(ask, checks, expected, CASBIN_SECONDS, AGREEMENT);
  return { pRules: built.p.length, gRules: built.g.length, loadSeconds: built.loadSeconds, shardSeconds, single, sharded };
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
      printLocal(local);
      service = await startAuthorization(database.url, nats.url);
      const remote = await overNats(nats.url, local.checks);
      await stop(service);
      service = undefined;
      printRemote(remote);
      const cb = size <= CASBIN_MAX ? await withCasbin(db, local.checks) : null;
      if (cb) printCasbin(cb);
      results.push({ size, seeded, local, remote, casbin: cb });
    }
  } finally {
    if (service) await stop(service);
    await db.end().catch(() => undefined);
    await nats.stop();
    await database.drop();
  }
  printSummary(results);
}

function printLocal(l) {
  console.error(`  in-process: ${fmt(l.checksPerSecond)} checks/s, p50 ${fmt(l.p50us)} us, p99 ${fmt(l.p99us)} us (${(l.allowedShare * 100).toFixed(0)}% allowed) [load ${l.load}]`);
}

function printRemote(r) {
  console.error(`  NATS idle single check (1 in flight): p50 ${fmt(r.idle.p50ms)} ms, p99 ${fmt(r.idle.p99ms)} ms [load ${r.idle.load}]`);
  console.error(`  NATS saturated: single ${fmt(r.singleMax.rate)} checks/s [load ${r.singleMax.load}]; batch of ${r.batchMax.batchSize} ${fmt(r.batchMax.rate)} checks/s [load ${r.batchMax.load}]`);
  for (const [name, h] of [['half load, single', r.singleHalf], [`half load, batch of ${r.batchMax.batchSize}`, r.batchHalf], ['light load (1,000/s), single', r.singleLight]]) {
    console.error(`  NATS ${name}: target ${fmt(h.target)} checks/s, sent ${fmt(h.achieved)}; p50 ${fmt(h.p50ms)} ms, p99 ${fmt(h.p99ms)} ms, p99.9 ${fmt(h.p999ms)} ms per request (${h.n} requests, ${h.errors} errors, generator lag p99 ${fmt(h.lagP99ms)} ms) [load ${h.load}]`);
  }
}

function printCasbin(c) {
  const line = (x) => `${fmt(x.checksPerSecond)} checks/s, p50 ${fmt(x.p50us)} us, p99 ${fmt(x.p99us)} us over ${x.measured} random checks; agreement with Gatehouse ${(x.agree * 100).toFixed(1)}% (${(x.allowedShare * 100).toFixed(0)}% allowed) [load ${x.load}]`;
  console.error(`  casbin: ${c.pRules.toLocaleString('en-US')} p + ${c.gRules.toLocaleString('en-US')} g rules loaded in ${c.loadSeconds.toFixed(1)} s`);
  console.error(`  casbin, one enforcer (as specified): ${line(c.single)}`);
  console.error(`  casbin, one enforcer per tenant (split in ${c.shardSeconds.toFixed(1)} s): ${line(c.sharded)}`);
}

function printSummary(results) {
  console.log('\nSummary (in-process = LiveTenants + GrantsCache + GrantIndex; NATS = one authorization process; casbin = enforceSync; [load] = 1-min load average)');
  console.log('bindings  | in-process checks/s, p50/p99 us | NATS idle single p50/p99 ms | NATS single max | NATS batch-100 max | half load single p50/p99 ms | half load batch-100 p50/p99 ms | casbin (one enforcer) checks/s, p50/p99 us | casbin (per tenant) checks/s, p50/p99 us | in-process / casbin | NATS batch / casbin | agree');
  const c = (x) => `${fmt(x.checksPerSecond)}, ${fmt(x.p50us)}/${fmt(x.p99us)} [${x.load}]`;
  const ratio = (ours, x) => `${fmt(ours / x.checksPerSecond)}x`;
  for (const r of results) {
    const n = r.remote;
    const cb = r.casbin;
    console.log([
      r.seeded.bindings.toLocaleString('en-US').padEnd(9),
      `${fmt(r.local.checksPerSecond)}, ${fmt(r.local.p50us)}/${fmt(r.local.p99us)} [${r.local.load}]`,
      `${fmt(n.idle.p50ms)}/${fmt(n.idle.p99ms)} [${n.idle.load}]`,
      `${fmt(n.singleMax.rate)} [${n.singleMax.load}]`,
      `${fmt(n.batchMax.rate)} [${n.batchMax.load}]`,
      `${fmt(n.singleHalf.p50ms)}/${fmt(n.singleHalf.p99ms)} @${fmt(n.singleHalf.achieved)}/s [${n.singleHalf.load}]`,
      `${fmt(n.batchHalf.p50ms)}/${fmt(n.batchHalf.p99ms)} @${fmt(n.batchHalf.achieved)}/s [${n.batchHalf.load}]`,
      cb ? c(cb.single) : 'not measured',
      cb ? c(cb.sharded) : 'not measured',
      cb ? `${ratio(r.local.checksPerSecond, cb.single)} (per tenant ${ratio(r.local.checksPerSecond, cb.sharded)})` : '-',
      cb ? `${ratio(n.batchMax.rate, cb.single)} (per tenant ${ratio(n.batchMax.rate, cb.sharded)})` : '-',
      cb ? `${(cb.single.agree * 100).toFixed(1)}% of ${cb.single.measured}; ${(cb.sharded.agree * 100).toFixed(1)}% of ${cb.sharded.measured}` : '-',
    ].join(' | '));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
