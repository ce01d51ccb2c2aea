#!/usr/bin/env node
// OpenID Connect provider benchmark (not a test). Through the gateway (HTTP → gateway → NATS → identity's
// oidc-provider → Postgres), closed loop at --concurrency requests in flight:
//   - client credentials: a service account's confidential client, POST /oidc/token grant_type=client_credentials
//                         (a JWT access token for the gateway, EdDSA-signed);
//   - refresh:            --concurrency refresh-token chains, each from its own authorization-code grant
//                         (openid-client: authorization URL with PKCE, the sign-in interaction answered as the
//                         console's page does, then the code grant); every refresh rotates the token and the next
//                         request presents the new one (an id_token and a JWT access token per refresh);
//   - cc (A/A):           client credentials again, measured the same way in the same round: the spread between
//                         the two is this machine's noise;
//   - raw signing:        jose's EdDSA (Ed25519) signing of an access-token-sized JWT, one process, one core.
// Each is measured in --rounds interleaved rounds and the median is reported, with the CPU time the gateway
// and identity processes spent per grant (Postgres, NATS and this load generator share the same 2 cores).
// Keycloak's HA sizing guide: 1 vCPU per 120 client-credentials grants/s and per 120 refreshes/s (with its
// database apart); our figures per core are grants/s ÷ cores, and grants per CPU-second of gateway + identity.
//
// Usage: npm run build && node benchmarks/oidc/grants.js [--duration=8] [--concurrency=16] [--rounds=3]
//        [--postgres=postgres://postgres@127.0.0.1:5432/postgres] [--log-level=warn]
//        [--cpu-profile]  (identity's CPU profile during the first refresh round: tmp/bench-profile/identity-<pid>.cpuprofile)
require('reflect-metadata');
const { availableParallelism } = require('node:os');
const { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { Pool } = require('undici');

const ROOT = resolve(__dirname, '../..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const DURATION = Number(args.duration ?? 8);
const CONCURRENCY = Number(args.concurrency ?? 16);
const ROUNDS = Number(args.rounds ?? 3);
const LOG_LEVEL = args['log-level'] ?? 'warn';
const CPU_PROFILE = 'cpu-profile' in args;
const PROFILE_DIR = resolve(ROOT, 'tmp/bench-profile');
const POSTGRES = args.postgres ?? process.env.E2E_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CORES = availableParallelism();
const REDIRECT_URI = 'http://localhost:9/callback';
const COMMAND = `node benchmarks/oidc/grants.js --duration=${DURATION} --concurrency=${CONCURRENCY} --rounds=${ROUNDS}${CPU_PROFILE ? ' --cpu-profile' : ''}`;

const distTesting = join(ROOT, 'dist/libs/testing/src/index.js');

const CLOCK_TICK_US = 10_000; // USER_HZ is 100 on Linux
/** CPU time (user + system) the process has used so far, in µs. */
function cpuOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_US;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const basic = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/**
 * `concurrency` loops, each sending one request after the other for `seconds`: `next(i)` gives loop i's
 * request body, `took(i, answer)` reads its answer (a refresh chain keeps its new token).
 */
async function closedLoop(pool, seconds, concurrency, authorization, next, took) {
  let done = 0;
  let failures = 0;
  let firstFailure;
  const deadline = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      while (Date.now() < deadline) {
        const response = await pool.request({
          method: 'POST',
          path: '/oidc/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization, accept: 'application/json' },
          body: new URLSearchParams(next(i)).toString(),
        });
        const text = await response.body.text();
        if (response.statusCode !== 200) {
          failures++;
          firstFailure ??= `${response.statusCode} ${text}`;
          if (took) return; // a broken chain stays broken
          continue;
        }
        took?.(i, JSON.parse(text));
        done++;
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return { rps: done / elapsed, done, failures, firstFailure };
}

/** jose EdDSA signing of an access-token-sized JWT, in this process, for `seconds`. */
async function signingRate(seconds) {
  const { SignJWT, generateKeyPair } = await import('jose');
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const payload = {
    jti: 'x'.repeat(43), sub: '6f1c5f43-3f3e-4b8e-9a5e-6a7c2d9e1f00', sub_type: 'SERVICE_ACCOUNT', tenant: 'bench-tenant',
    client_id: 'y'.repeat(43), scope: 'api', iss: 'http://localhost:8080', aud: 'gatehouse',
  };
  let done = 0;
  const deadline = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  while (Date.now() < deadline) {
    for (let i = 0; i < 100; i++) {
      await new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: 'bench' }).setIssuedAt().setExpirationTime('5m').sign(privateKey);
    }
    done += 100;
  }
  return done / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Cookies of one user agent, for the interaction (path and expiry ignored: one short sign-in). */
function cookieJar() {
  const cookies = new Map();
  return {
    take(response) {
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const at = pair.indexOf('=');
        cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
      }
    },
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
  };
}

/** One authorization-code grant with openid-client (PKCE, offline_access): the sign-in answered as the console's page does. */
async function authorizationCodeGrant(oidc, config, toGateway, user) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const authorizationUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    prompt: 'consent',
  });
  const jar = cookieJar();
  const get = async (url) => {
    const response = await fetch(toGateway(url), { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.take(response);
    await response.arrayBuffer();
    return response;
  };
  // The provider sends the browser to its interaction, which identity sends on to the console's page.
  let response = await get(authorizationUrl.href);
  const interaction = new URL(response.headers.get('location'), authorizationUrl).pathname;
  const uid = /\/oidc\/interaction\/([^/]+)/.exec(interaction)?.[1];
  if (!uid) throw new Error(`no interaction: ${response.status} ${response.headers.get('location')}`);
  const login = await fetch(toGateway(`${new URL(authorizationUrl).origin}/oidc/interaction/${uid}/login`), {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: jar.header() },
    body: JSON.stringify({ username: user.username, password: user.password }),
  });
  jar.take(login);
  const step = await login.json();
  if (!step.redirectTo) throw new Error(`the sign-in did not finish: ${login.status} ${JSON.stringify(step)}`);
  // Back to the provider, which redirects to the client with the code (through /oidc/auth/:uid).
  let location = new URL(step.redirectTo, authorizationUrl).href;
  for (let hops = 0; hops < 5 && !location.startsWith(REDIRECT_URI); hops++) {
    response = await get(location);
    if (!response.headers.get('location')) throw new Error(`no redirect from ${location}: ${response.status}`);
    location = new URL(response.headers.get('location'), location).href;
  }
  return oidc.authorizationCodeGrant(config, new URL(location), { pkceCodeVerifier: verifier, expectedState: state });
}

async function main() {
  const testing = require(distTesting);
  const oidc = await import('openid-client');
  if (CPU_PROFILE) {
    rmSync(PROFILE_DIR, { recursive: true, force: true });
    mkdirSync(PROFILE_DIR, { recursive: true });
  }
  process.env.E2E_LOG_LEVEL = LOG_LEVEL;
  const system = await testing.TestSystem.start({
    name: 'bench-oidc',
    postgresUrl: POSTGRES,
    env: {
      MULTI_TENANCY_ENABLED: 'true',
      RATE_LIMIT_PER_IP_PER_MINUTE: '0',
      RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0',
      ...(CPU_PROFILE
        ? { NODE_OPTIONS: `--require ${join(ROOT, 'benchmarks/gateway/cpu-profile-preload.js')}`, PROFILE_SERVICE: 'identity', PROFILE_DIR, PROFILE_MS: String(DURATION * 800) }
        : {}),
    },
  });
  const pool = new Pool(system.gatewayUrl, { connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 60_000 });
  try {
    system.useForFixtures();
    const root = await testing.superAdminToken();
    const admin = await testing.createUser(root);
    const tenant = (await testing.createTenant(root, { adminUser: admin.username })).id;
    const as = (token) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
    const post = async (path, body, token = admin.token) => {
      const response = await fetch(`${system.gatewayUrl}${path}`, { method: 'POST', headers: as(token), body: JSON.stringify(body) });
      const answer = await response.json();
      if (response.status >= 300) throw new Error(`${path}: ${response.status} ${JSON.stringify(answer)}`);
      return answer;
    };
    // The service account and its client (client credentials), and a first-party web client (code + refresh).
    const sa = await post(`/api/v1/${tenant}/service-accounts`, { name: 'bench-sa' });
    const machine = await post(`/api/v1/${tenant}/oauth-clients`, { name: 'bench-machine', type: 'confidential', ownerType: 'SERVICE_ACCOUNT', ownerId: sa.id });
    const web = await post(`/api/v1/${tenant}/oauth-clients`, {
      name: 'bench-web', type: 'confidential', redirectUris: [REDIRECT_URI], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'offline_access'], firstParty: true,
    });
    const roles = await testing.rolesByName(admin.token, tenant);
    const user = await testing.createUser(root);
    await testing.bindRole(admin.token, tenant, { roleId: roles.Viewer.id, subjectId: user.user.id });

    const issuer = (await (await fetch(`${system.gatewayUrl}/.well-known/openid-configuration`)).json()).issuer;
    const toGateway = (url) => (String(url).startsWith(issuer) ? system.gatewayUrl + String(url).slice(issuer.length) : String(url));
    const fetcher = (url, options) => fetch(toGateway(url), options);
    const webConfig = await oidc.discovery(new URL(issuer), web.clientId, undefined, oidc.ClientSecretBasic(web.clientSecret), {
      execute: [oidc.allowInsecureRequests],
      [oidc.customFetch]: fetcher,
    });
    webConfig[oidc.customFetch] = fetcher;
    const chains = [];
    for (let i = 0; i < CONCURRENCY; i++) chains.push((await authorizationCodeGrant(oidc, webConfig, toGateway, user)).refresh_token);
    if (chains.some((t) => !t)) throw new Error('the authorization-code grant gave no refresh token');

    const ccAuth = basic(machine.clientId, machine.clientSecret);
    const webAuth = basic(web.clientId, web.clientSecret);
    const probe = await closedLoop(pool, 0.5, 1, ccAuth, () => ({ grant_type: 'client_credentials' }));
    if (probe.failures) throw new Error(`client credentials refused: ${probe.firstFailure}`);
    const claims = await pool.request({ method: 'POST', path: '/oidc/token', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: ccAuth }, body: 'grant_type=client_credentials' });
    const cc = await claims.body.json();
    const jwtHeader = JSON.parse(Buffer.from(cc.access_token.split('.')[0], 'base64url').toString());

    const pids = { gateway: system.instancesOf('gateway')[0].process.pid, identity: system.instancesOf('identity')[0].process.pid };
    const kinds = {
      cc: () => closedLoop(pool, DURATION, CONCURRENCY, ccAuth, () => ({ grant_type: 'client_credentials' })),
      'cc (A/A)': () => closedLoop(pool, DURATION, CONCURRENCY, ccAuth, () => ({ grant_type: 'client_credentials' })),
      refresh: () =>
        closedLoop(pool, DURATION, CONCURRENCY, webAuth, (i) => ({ grant_type: 'refresh_token', refresh_token: chains[i] }), (i, answer) => (chains[i] = answer.refresh_token)),
    };
    const runs = Object.fromEntries([...Object.keys(kinds), 'raw signing'].map((k) => [k, []]));
    console.log(
      `\nOIDC grants through the gateway: ${CONCURRENCY} in flight, ${DURATION} s per run, ${ROUNDS} interleaved rounds; ${CORES} cores shared by ` +
        `gateway, identity, authorization, tenancy, notification, Postgres, NATS and this load generator (access token: ${jwtHeader.alg}, typ ${jwtHeader.typ})`,
    );
    // Warm-up (JIT, pools, prepared statements), not measured: the first measured run was 30 % slower after 2 s of it.
    await kinds.cc();
    await kinds.refresh();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, run] of Object.entries(kinds)) {
        const profiling = CPU_PROFILE && round === 1 && name === 'refresh' ? setTimeout(() => writeFileSync(join(PROFILE_DIR, 'start'), ''), 500) : undefined;
        const before = { gateway: cpuOf(pids.gateway), identity: cpuOf(pids.identity) };
        const r = await run();
        clearTimeout(profiling);
        r.gatewayUs = (cpuOf(pids.gateway) - before.gateway) / r.done;
        r.identityUs = (cpuOf(pids.identity) - before.identity) / r.done;
        runs[name].push(r);
        console.log(
          `  round ${round} ${name.padEnd(11)} ${r.rps.toFixed(0).padStart(6)} grants/s   CPU per grant: gateway ${r.gatewayUs.toFixed(0)} µs, identity ${r.identityUs.toFixed(0)} µs   failures ${r.failures}${r.firstFailure ? ` (${r.firstFailure.slice(0, 200)})` : ''}`,
        );
      }
      const sign = await signingRate(Math.min(DURATION, 3));
      runs['raw signing'].push({ rps: sign });
      console.log(`  round ${round} raw signing ${sign.toFixed(0).padStart(6)} signatures/s (jose EdDSA Ed25519, one process, while the system idles)`);
    }

    console.log('\nMedian over rounds (spread min–max):');
    const summary = {};
    for (const [name, list] of Object.entries(runs)) {
      const rps = list.map((r) => r.rps);
      summary[name] = { rps: median(rps), min: Math.min(...rps), max: Math.max(...rps), gatewayUs: list[0].gatewayUs === undefined ? undefined : median(list.map((r) => r.gatewayUs)), identityUs: list[0].identityUs === undefined ? undefined : median(list.map((r) => r.identityUs)) };
      const s = summary[name];
      const perCpuSecond = s.gatewayUs === undefined ? '' : `   ${(1e6 / (s.gatewayUs + s.identityUs)).toFixed(0)} per CPU-second of gateway + identity (gateway ${s.gatewayUs.toFixed(0)} µs + identity ${s.identityUs.toFixed(0)} µs)`;
      console.log(`  ${name.padEnd(11)} ${s.rps.toFixed(0).padStart(6)}/s (${s.min.toFixed(0)}–${s.max.toFixed(0)})   ${(name === 'raw signing' ? s.rps : s.rps / CORES).toFixed(0).padStart(5)}/s per core${name === 'raw signing' ? ' (one process on one core)' : ''}${perCpuSecond}`);
    }
    const aa = ((summary['cc (A/A)'].rps / summary.cc.rps - 1) * 100).toFixed(1);
    const pairs = runs.cc.map((r, i) => Math.abs(runs['cc (A/A)'][i].rps / r.rps - 1) * 100);
    console.log(`  A/A control: cc (A/A) vs cc ${aa} % on the medians; per round |difference| ${pairs.map((p) => `${p.toFixed(1)} %`).join(', ')} (the noise floor)`);
    const keycloak = 120;
    console.log(
      `  vs Keycloak's sizing (${keycloak}/s per vCPU for each): client credentials ${(summary.cc.rps / CORES / keycloak).toFixed(2)}x, refresh ${(summary.refresh.rps / CORES / keycloak).toFixed(2)}x per core (whole machine ÷ ${CORES}, database included)`,
    );
    console.log(`  raw signing / client-credentials grants: ${(summary['raw signing'].rps / summary.cc.rps).toFixed(0)}x (signing is not the bottleneck when this is large)`);
    if (CPU_PROFILE) console.log(`  identity CPU profile (first refresh round): ${PROFILE_DIR}/identity-*.cpuprofile`);
    console.log(`\nReproduce: npm run build && ${COMMAND}`);
  } finally {
    await pool.close().catch(() => undefined);
    await system.stop();
  }
}

if (!existsSync(distTesting)) {
  console.error('No build in dist/: run "npm run build" first');
  process.exitCode = 2;
} else {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
