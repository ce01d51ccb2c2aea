#!/usr/bin/env node
/**
 * Benchmark (not a test): how close login throughput gets to the raw argon2id rate of this machine,
 * and what the gateway's authentication costs per request.
 *
 *   npm run build && node benchmarks/identity/login-vs-argon2.js [--seconds 10] [--connections 8] [--cpu-profile]
 *
 * Needs local Postgres (E2E_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres) and a
 * nats-server binary (or NATS_URL); starts a private Gatehouse like the e2e suites do and stops it.
 * Reports:
 *  1. raw argon2id verifications/s (OWASP parameters, same library and concurrency as identity);
 *  2. logins/s through the gateway (HTTP → gateway → NATS → identity → Postgres) and the ratio to (1);
 *  3. the gateway's JWT verification cost in process (µs per Authenticator.authenticate call), and
 *     end-to-end requests/s of GET /api/v1/me with a JWT, an API token and Basic auth.
 * Identity's CPU per login (from /proc; its main thread's apart, the cost beyond the hash) is printed with the login rate, then every process's (the services, NATS, the
 * database's Postgres backends, this benchmark's own client) and the login rate that total allows; `--cpu-profile` also samples identity
 * during the login round (benchmarks/gateway/cpu-profile-preload.js, tmp/bench-profile/identity-<pid>.cpuprofile)
 * and prints where its CPU went, by function, with the argon2 hash's share.
 */
const { availableParallelism } = require('node:os');
const { hash, verify } = require('@node-rs/argon2');
const autocannon = require('autocannon');
const { createLocalJWKSet } = require('jose');

const { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { cpuOf, cpuByService, cpuPerUnit } = require('../gateway/load-tools');
const root = require('node:path').resolve(__dirname, '../..');
const { TestSystem } = require(`${root}/dist/libs/testing/src`);
const { ARGON2_OPTIONS } = require(`${root}/dist/apps/identity/src/passwords/password-hasher`);
const { Authenticator } = require(`${root}/dist/apps/gateway/src/auth/authenticator`);

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 10);
const CONNECTIONS = arg('connections', 8);
const CPU_PROFILE = process.argv.includes('--cpu-profile');
const PROFILE_DIR = join(root, 'tmp/bench-profile');

/** Self time by function in a .cpuprofile (idle and GC apart), the `top` heaviest with their share of the busy time. */
function profileSummary(file, top = 25) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const gaps = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    const frame = byNode.get(id).callFrame;
    const where = frame.url ? `${frame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + (gaps[i + 1] ?? 0));
  });
  const idle = self.get('(idle)') ?? 0;
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const busy = total - idle;
  const rows = [...self].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top);
  return { busyMs: busy / 1000, totalMs: total / 1000, rows: rows.map(([k, us]) => ({ fn: k, ms: us / 1000, share: us / busy })) };
}

/** CPU µs used so far by a process's main thread (its JavaScript; not libuv's pool, where the argon2 hash runs). */
function mainThreadCpu(pid) {
  return cpuOf(`${pid}/task/${pid}`);
}

async function argon2Rate() {
  const stored = await hash('Bench-Password-1', ARGON2_OPTIONS);
  let done = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < deadline) {
        await verify(stored, 'Bench-Password-1');
        done += 1;
      }
    }),
  );
  return done / (Number(process.hrtime.bigint() - started) / 1e9);
}

function cannon(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration: SECONDS, ...opts }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

async function post(url, path, body, token) {
  const response = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function inProcessVerification(url, accessToken) {
  const jwks = await (await fetch(`${url}/.well-known/jwks.json`)).json();
  const keySet = createLocalJWKSet(jwks);
  // The issuer and audience the token carries (the private system's public URL, not a fixed one).
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8'));
  const env = { JWT_ISSUER: claims.iss, JWT_AUDIENCE: [claims.aud].flat()[0] };
  const authenticator = new Authenticator({ resolverFor: async () => keySet }, env, null, null, { isSessionRevoked: () => false });
  const header = `Bearer ${accessToken}`;
  for (let i = 0; i < 500; i++) await authenticator.authenticate(header, '127.0.0.1');
  const n = 5000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await authenticator.authenticate(header, '127.0.0.1');
  return Number(process.hrtime.bigint() - started) / 1e3 / n;
}

async function main() {
  console.log(`cpus=${availableParallelism()} seconds=${SECONDS} connections=${CONNECTIONS}`);
  const raw = await argon2Rate();
  console.log(`argon2id verify (m=19456 KiB, t=2, p=1): ${raw.toFixed(1)}/s`);

  if (CPU_PROFILE) {
    rmSync(PROFILE_DIR, { recursive: true, force: true });
    mkdirSync(PROFILE_DIR, { recursive: true });
  }
  const system = await TestSystem.start({
    name: 'bench-identity',
    env: {
      RATE_LIMIT_PER_IP_PER_MINUTE: '0', RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0', LOG_LEVEL: 'error',
      // The preload samples identity for most of the login round once the round writes start-identity.
      ...(CPU_PROFILE ? { NODE_OPTIONS: `--require ${join(root, 'benchmarks/gateway/cpu-profile-preload.js')}`, PROFILE_SERVICE: 'identity', PROFILE_DIR, PROFILE_MS: String(SECONDS * 800) } : {}),
    },
  });
  try {
    const url = system.gatewayUrl;
    const admin = { username: 'bench@gatehouse.test', password: 'Bench-Password-1' };
    await post(url, '/api/v1/setup', admin);
    const { accessToken } = await post(url, '/api/v1/login', admin);

    const identity = system.instancesOf('identity')[0].process.pid;
    const cpuBefore = cpuOf(identity);
    const mainBefore = mainThreadCpu(identity);
    const everyBefore = cpuByService(process.pid, system.database.name);
    if (CPU_PROFILE) writeFileSync(join(PROFILE_DIR, 'start-identity'), '');
    const logins = await cannon({
      url: `${url}/api/v1/login`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(admin),
    });
    const cpuPerLogin = (cpuOf(identity) - cpuBefore) / 1000 / logins.requests.total;
    const mainPerLogin = (mainThreadCpu(identity) - mainBefore) / 1000 / logins.requests.total;
    const every = cpuPerUnit(everyBefore, cpuByService(process.pid, system.database.name), logins.requests.total);
    const loginRate = logins.requests.average;
    console.log(`logins through the gateway: ${loginRate.toFixed(1)}/s (p50 ${logins.latency.p50} ms, p99 ${logins.latency.p99} ms, non-2xx ${logins.non2xx}); identity CPU ${cpuPerLogin.toFixed(1)} ms per login (argon2 verify included), ${mainPerLogin.toFixed(2)} ms of it on its main thread (the argon2 hash runs on libuv's pool)`);
    console.log(
      `CPU per login, every process: ${every.total.toFixed(1)} ms (` + every.rows.map(([service, ms]) => `${service} ${ms.toFixed(1)}`).join(', ') +
        `); the machine's ${availableParallelism()} cores allow ${((availableParallelism() * 1000) / every.total).toFixed(1)} logins/s at that cost`,
    );
    if (CPU_PROFILE) await printProfile(identity, logins.requests.total / SECONDS);
    // Measured again right after, since other load on the machine moves both figures.
    const rawAfter = await argon2Rate();
    const rawMean = (raw + rawAfter) / 2;
    console.log(`argon2id verify again: ${rawAfter.toFixed(1)}/s (mean ${rawMean.toFixed(1)}/s)`);
    console.log(`ratio logins/s : argon2id/s = ${(loginRate / rawMean).toFixed(2)}`);

    const micros = await inProcessVerification(url, accessToken);
    console.log(`gateway JWT verification in process: ${micros.toFixed(1)} µs per request`);

    const apiToken = (await post(url, '/api/v1/me/api-tokens', { name: 'bench' }, accessToken)).token;
    const basicHeader = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;
    for (const [label, authorization] of [['JWT', `Bearer ${accessToken}`], ['API token', `Bearer ${apiToken}`], ['Basic', basicHeader]]) {
      const result = await cannon({ url: `${url}/api/v1/me`, headers: { authorization } });
      console.log(`GET /api/v1/me with ${label}: ${result.requests.average.toFixed(0)} req/s (p50 ${result.latency.p50} ms, non-2xx ${result.non2xx})`);
    }
  } finally {
    await system.stop();
  }
}

/** Waits for identity's profile of the login round and prints where its CPU went. */
async function printProfile(pid, loginsPerSecond) {
  const file = join(PROFILE_DIR, `identity-${pid}.cpuprofile`);
  const deadline = Date.now() + SECONDS * 1000 + 10_000;
  while (!existsSync(file) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (!existsSync(file)) {
    console.log(`no identity profile in ${PROFILE_DIR} (${readdirSync(PROFILE_DIR).join(', ') || 'empty'})`);
    return;
  }
  const { busyMs, totalMs, rows } = profileSummary(file);
  const logins = (loginsPerSecond * totalMs) / 1000;
  console.log(`identity profile (${file}): ${busyMs.toFixed(0)} ms busy on the main thread in ${totalMs.toFixed(0)} ms, ~${(busyMs / logins).toFixed(2)} ms per login; heaviest self time:`);
  for (const row of rows) console.log(`  ${(row.share * 100).toFixed(1).padStart(5)}%  ${row.ms.toFixed(0).padStart(6)} ms  ${row.fn}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
