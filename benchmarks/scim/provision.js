#!/usr/bin/env node
/**
 * Benchmark (not a test): a directory pushing 10,000 users and 500 groups (20 members each, every user
 * in one group) to a tenant's SCIM integration, as Entra ID or Okta would, through the gateway.
 *
 *   npm run build && npm run bench:scim -- [--users 10000] [--groups 500] [--concurrency 32] [--cpu-profile identity,authorization]
 *
 * --cpu-profile samples the named services for the first 10 s of the user phase (of the group phase with
 * --profile-groups); files in tmp/scim-profile/, to open in Chrome DevTools or speedscope. Each phase also
 * reports the CPU time its Gatehouse processes, their Postgres backends and the benchmark itself used per user
 * or group (from /proc, so other load on the machine does not inflate it as it does the rates).
 *
 * Needs local Postgres (E2E_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres) and a
 * nats-server binary (or NATS_URL); starts a private Gatehouse like the e2e suites do (rate limits off:
 * a real directory backs off on 429s) and stops it. Reports the time and rate of each phase, latency
 * percentiles, refusals, then checks the totals and times a userName lookup on the full tenant.
 */
const { mkdirSync, writeFileSync } = require('node:fs');
const { availableParallelism } = require('node:os');
const { join } = require('node:path');
const { Agent } = require('undici');
const { cpuByService, cpuPerUnit } = require('../gateway/load-tools');

const root = require('node:path').resolve(__dirname, '../..');
const { TestSystem } = require(`${root}/dist/libs/testing/src`);

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const USERS = arg('users', 10_000);
const GROUPS = arg('groups', 500);
const CONCURRENCY = arg('concurrency', 32);
const profiled = process.argv.indexOf('--cpu-profile');
const PROFILED = profiled > 0 ? process.argv[profiled + 1].split(',') : [];
const PROFILE_DIR = join(root, 'tmp/scim-profile');
const PROFILE_PHASE = process.argv.includes('--profile-groups') ? 'groups' : 'users';

function startProfiles() {
  if (!PROFILED.length) return;
  mkdirSync(PROFILE_DIR, { recursive: true });
  for (const service of PROFILED) writeFileSync(join(PROFILE_DIR, `start-${service}`), '');
}
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const dispatcher = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });

async function call(url, method, path, body, token, type = 'application/json') {
  const response = await fetch(url + path, {
    method, dispatcher,
    headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Runs `count` requests with `CONCURRENCY` in flight; answers the elapsed seconds, latencies and failures. */
async function push(count, request, database) {
  const latencies = [];
  const failures = new Map();
  let next = 0;
  const started = process.hrtime.bigint();
  const cpuBefore = cpuByService(process.pid, database);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        const t = process.hrtime.bigint();
        const { status, body } = await request(i);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (status !== 201) failures.set(status, [...(failures.get(status) ?? []), body?.detail ?? body]);
      }
    }),
  );
  latencies.sort((x, y) => x - y);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(0);
  const cpu = cpuPerUnit(cpuBefore, cpuByService(process.pid, database), count);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, p50: at(0.5), p99: at(0.99), failures, cpu };
}

function report(label, count, result) {
  const refused = [...result.failures.entries()].map(([status, details]) => `${status} x${details.length} (${JSON.stringify(details[0]).slice(0, 160)})`);
  console.log(
    `${label}: ${count} in ${result.seconds.toFixed(1)} s = ${(count / result.seconds).toFixed(0)}/s (p50 ${result.p50} ms, p99 ${result.p99} ms)` +
      `${refused.length ? `; refused: ${refused.join(', ')}` : ''}`,
  );
  const { rows, total } = result.cpu;
  console.log(
    `  CPU per ${label.split(' ')[0].replace(/s$/, '')}: ${total.toFixed(1)} ms (` + rows.map(([service, ms]) => `${service} ${ms.toFixed(1)}`).join(', ') + ')',
  );
}

async function main() {
  console.log(`cpus=${availableParallelism()} users=${USERS} groups=${GROUPS} concurrency=${CONCURRENCY}`);
  const system = await TestSystem.start({
    name: 'bench-scim',
    env: {
      RATE_LIMIT_PER_IP_PER_MINUTE: '0', RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0', LOG_LEVEL: 'error',
      ...(PROFILED.length
        ? { NODE_OPTIONS: `--require ${join(root, 'benchmarks/gateway/cpu-profile-preload.js')}`, PROFILE_SERVICE: PROFILED.join(','), PROFILE_DIR, PROFILE_MS: '10000' }
        : {}),
    },
  });
  // Interrupted: the services it started go with it.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => void system.stop().finally(() => process.exit(130)));
  }
  try {
    const url = system.gatewayUrl;
    const admin = { username: 'bench@gatehouse.test', password: 'Bench-Password-1' };
    await call(url, 'POST', '/api/v1/setup', admin);
    const { accessToken } = (await call(url, 'POST', '/api/v1/login', admin)).body;
    const integration = (await call(url, 'POST', '/api/v1/default/integrations', { name: 'bench directory' }, accessToken)).body;
    const scim = (method, path, body) => call(url, method, `${integration.scimPath}${path}`, body, integration.secret, 'application/scim+json');

    const ids = new Array(USERS);
    if (PROFILE_PHASE === 'users') startProfiles();
    const database = system.database.name;
    const users = await push(USERS, async (i) => {
      const answer = await scim('POST', '/Users', {
        schemas: [USER_SCHEMA, ENTERPRISE], externalId: `ext-${i}`, userName: `user${i}@bench.example.com`, active: true,
        name: { givenName: `Given${i}`, familyName: `Family${i % 997}`, formatted: `Given${i} Family${i % 997}` }, displayName: `User ${i}`,
        emails: [{ value: `user${i}@bench.example.com`, type: 'work', primary: true }],
        [ENTERPRISE]: { employeeNumber: String(i), department: `Department ${i % 50}` },
      });
      ids[i] = answer.body?.id;
      return answer;
    }, database);
    report('users', USERS, users);

    const perGroup = Math.floor(USERS / GROUPS);
    if (PROFILE_PHASE === 'groups') startProfiles();
    const groups = await push(GROUPS, (g) =>
      scim('POST', '/Groups', {
        schemas: [GROUP_SCHEMA], externalId: `grp-${g}`, displayName: `Group ${g}`,
        members: ids.slice(g * perGroup, (g + 1) * perGroup).filter(Boolean).map((value) => ({ value })),
      }),
      database,
    );
    report(`groups (${perGroup} members each)`, GROUPS, groups);
    const total = users.seconds + groups.seconds;
    console.log(`total: ${USERS} users and ${GROUPS} groups in ${total.toFixed(1)} s (target: under 60 s)`);

    const counted = (await scim('GET', '/Users?count=0')).body.totalResults;
    const grouped = (await scim('GET', '/Groups?count=0')).body.totalResults;
    const started = process.hrtime.bigint();
    const found = (await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "user${USERS - 1}@bench.example.com"`)}`)).body.totalResults;
    const lookup = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`check: ${counted} users and ${grouped} groups listed; userName eq lookup on the full tenant found ${found} in ${lookup.toFixed(0)} ms`);
    if (counted !== USERS || grouped !== GROUPS || found !== 1) process.exitCode = 1;
  } finally {
    await system.stop();
    await dispatcher.close();
  }
  console.log(`reproduce: npm run build && npm run bench:scim -- --users ${USERS} --groups ${GROUPS} --concurrency ${CONCURRENCY}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
