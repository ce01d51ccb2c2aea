#!/usr/bin/env node
/**
 * Benchmark (not a test): how close login throughput gets to the raw argon2id rate of this machine,
 * and what the gateway's authentication costs per request.
 *
 *   npm run build && node benchmarks/identity/login-vs-argon2.js [--seconds 10] [--connections 8]
 *
 * Needs local Postgres (E2E_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres) and a
 * nats-server binary (or NATS_URL); starts a private Gatehouse like the e2e suites do and stops it.
 * Reports:
 *  1. raw argon2id verifications/s (OWASP parameters, same library and concurrency as identity);
 *  2. logins/s through the gateway (HTTP → gateway → NATS → identity → Postgres) and the ratio to (1);
 *  3. the gateway's JWT verification cost in process (µs per Authenticator.authenticate call), and
 *     end-to-end requests/s of GET /api/v1/me with a JWT, an API token and Basic auth.
 */
const { availableParallelism } = require('node:os');
const { hash, verify } = require('@node-rs/argon2');
const autocannon = require('autocannon');
const { createLocalJWKSet } = require('jose');

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
  const env = { JWT_ISSUER: 'http://localhost:8080', JWT_AUDIENCE: 'gatehouse' };
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

  const system = await TestSystem.start({
    name: 'bench-identity',
    env: { RATE_LIMIT_PER_IP_PER_MINUTE: '0', RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0', LOG_LEVEL: 'error' },
  });
  try {
    const url = system.gatewayUrl;
    const admin = { username: 'bench@gatehouse.test', password: 'Bench-Password-1' };
    await post(url, '/api/v1/setup', admin);
    const { accessToken } = await post(url, '/api/v1/login', admin);

    const logins = await cannon({
      url: `${url}/api/v1/login`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(admin),
    });
    const loginRate = logins.requests.average;
    console.log(`logins through the gateway: ${loginRate.toFixed(1)}/s (p50 ${logins.latency.p50} ms, p99 ${logins.latency.p99} ms, non-2xx ${logins.non2xx})`);
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

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
