#!/usr/bin/env node
// Forward-auth benchmark (not a test). Same run, same trivial Node upstream, measured through:
//   - direct:          autocannon → upstream
//   - nginx:           autocannon → Debian's nginx, proxying only (keep-alive to the upstream)
//   - nginx (A/A):     a second, identical nginx: its difference from "nginx" is this machine's noise
//   - nginx+fa jwt:    autocannon → nginx, which asks Gatehouse's forward-auth endpoint (auth_request, the
//                      configuration of docs/forward-auth.md) for every request, then proxies: a JWT
//   - nginx+fa token:  the same with an API token
//   - nginx+null auth: the same nginx configuration asking a server that answers 200 at once (an nginx
//                      `return 200`): the most any forward-auth service could give on this machine
//   - gateway:         autocannon → the Gatehouse gateway proxying itself (JWT, decision, identity headers)
// The decision is cached in the gateway (verified JWT, resolved API token, decision cache: every target is
// warmed first); nginx caches nothing. Each nginx runs one worker. Phase 1: full load (autocannon, closed
// loop) in interleaved rounds, with CPU time per request of the processes on the path besides the
// upstream (nginx's master and worker, the gateway). Phase 2: every target at the same constant rate, half
// of nginx+fa jwt's full-load throughput (a paced open-loop client in its own process), for the p99 that
// forward-auth adds over bare nginx. Targets: nginx+fa >= 70 % of bare nginx's throughput, p99 added < 2 ms.
//
// Usage: npm run build && npm run bench:forward-auth -- [--duration=10] [--connections=50] [--rounds=3]
//        [--half-rounds=5] [--half-duration=6] [--warmup=5] [--round-warmup=2] [--rate=N (phase 2 only)]
//        [--only=nginx,nginx+fa jwt] [--log-level=info] [--postgres=postgres://postgres@127.0.0.1:5432/postgres]
//        [--cpu-profile]  (writes tmp/bench-profile/gateway-<pid>.cpuprofile, sampled during nginx+fa jwt's first full-load round)
// Rate limits are switched off for the gateway (RATE_LIMIT_*=0): the benchmark is one client and one subject.
require('reflect-metadata');
const { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { cannon, cpuOf, flowReader, median, ms, pairedMedian, startChild, summarize, warm } = require('./load-tools');

const ROOT = resolve(__dirname, '../..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const DURATION = Number(args.duration ?? 10);
const CONNECTIONS = Number(args.connections ?? 50);
const ROUNDS = Number(args.rounds ?? 3);
const PACED_ROUNDS = Number(args['half-rounds'] ?? 5);
const PACED_SECONDS = Number(args['half-duration'] ?? 6);
const PACED_WARMUP_S = Number(args.warmup ?? 5);
const ROUND_WARMUP_S = Number(args['round-warmup'] ?? 2);
const FIXED_RATE = args.rate ? Number(args.rate) : undefined;
const ONLY = args.only?.split(',');
const LOG_LEVEL = args['log-level'] ?? 'info';
const CPU_PROFILE = 'cpu-profile' in args;
const PROFILE_DIR = resolve(ROOT, 'tmp/bench-profile');
const POSTGRES = args.postgres ?? process.env.E2E_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const LOAD_TOOLS = join(__dirname, 'load-tools.js');

const distTesting = join(ROOT, 'dist/libs/testing/src/index.js');
if (!existsSync(distTesting)) {
  console.error('No build in dist/: run "npm run build" first');
  process.exit(2);
}
const testing = require(distTesting);

const CLOCK_TICK_US = 10_000; // USER_HZ is 100 on Linux

/** CPU time (µs) of an nginx so far: the master, with what its exited children used, and its live children (the worker). */
function nginxCpu(master) {
  const fields = readFileSync(`/proc/${master}/stat`, 'utf8').split(') ')[1].split(' ');
  const own = (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * CLOCK_TICK_US;
  const children = readdirSync(`/proc/${master}/task`).flatMap((task) => readFileSync(`/proc/${master}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
  return own + children.reduce((sum, pid) => sum + (existsSync(`/proc/${pid}/stat`) ? cpuOf(pid) : 0), 0);
}

const children = [];
/** What main() started that must be stopped: run on Ctrl-C too. */
const cleanups = [];

async function main() {
  const upstreamPort = await testing.freePort();
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
  const upstreamPid = (await startChild(LOAD_TOOLS, 'upstream', { port: upstreamPort }, children)).pid;

  const routesFile = resolve(ROOT, 'tmp/bench-forward-auth-routes.yaml');
  mkdirSync(resolve(ROOT, 'tmp'), { recursive: true });
  // One route, proxied by the gateway itself and decided for nginx alike.
  writeFileSync(
    routesFile,
    `upstreams:
  bench: { url: ${upstreamUrl}, timeoutMs: 30000 }
routes:
  - path: /api/v1/{tenant}/flows/{namespace}/**
    permission: FLOW
    namespace: { from: path, name: namespace }
    upstream: bench
`,
  );
  process.env.E2E_LOG_LEVEL = LOG_LEVEL;
  const system = await testing.TestSystem.start({
    name: 'bench-forward-auth',
    postgresUrl: POSTGRES,
    env: {
      MULTI_TENANCY_ENABLED: 'true',
      GATEWAY_ROUTES_FILE: routesFile,
      RATE_LIMIT_PER_IP_PER_MINUTE: '0',
      RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0',
      ACCESS_TOKEN_TTL_SECONDS: '3600',
      ...(CPU_PROFILE ? { NODE_OPTIONS: `--require ${join(__dirname, 'cpu-profile-preload.js')}`, PROFILE_DIR, PROFILE_MS: String(DURATION * 600) } : {}),
    },
  });
  const ingresses = [];
  cleanups.push(async () => {
    for (const ingress of ingresses) await ingress.stop();
    await system.stop();
  });
  try {
    system.useForFixtures();
    // A user with FLOW:READ on company.team only: a JWT and an API token.
    const { tenant, reader } = await flowReader(testing);
    const apiToken = (await testing.api().post('/api/v1/me/api-tokens').set(...testing.bearer(reader.token)).send({ name: 'bench' })).body.token;
    const gatewayPid = system.instancesOf('gateway')[0].process.pid;

    const [bareA, bareB, withAuth, nullAuth, nullAnswer] = [await testing.freePort(), await testing.freePort(), await testing.freePort(), await testing.freePort(), await testing.freePort()];
    ingresses.push(await testing.NginxProcess.start([testing.nginxProxyServer({ port: bareA, upstream: upstreamUrl })], [bareA]));
    ingresses.push(await testing.NginxProcess.start([testing.nginxProxyServer({ port: bareB, upstream: upstreamUrl })], [bareB]));
    ingresses.push(await testing.NginxProcess.start([testing.nginxForwardAuthServer({ port: withAuth, upstream: upstreamUrl, gatehouse: system.gatewayUrl })], [withAuth]));
    // The null decision is answered by the same nginx, so its CPU is counted with the ingress's.
    const allowAll = `server {\n    listen 127.0.0.1:${nullAnswer};\n    location / {\n        return 200;\n    }\n}\n`;
    ingresses.push(
      await testing.NginxProcess.start([testing.nginxForwardAuthServer({ port: nullAuth, upstream: upstreamUrl, gatehouse: `http://127.0.0.1:${nullAnswer}` }), allowAll], [nullAuth, nullAnswer]),
    );
    const [nginxA, nginxB, nginxFa, nginxNull] = ingresses.map((ingress) => ingress.pid);
    const cpuOfAll = (t) => (t.nginx ? nginxCpu(t.nginx) : 0) + (t.gatehouse ? cpuOf(t.gatehouse) : 0) + (t.upstream ? cpuOf(t.upstream) : 0);

    const path = `/api/v1/${tenant}/flows/company.team.flows/x`;
    const jwt = { authorization: `Bearer ${reader.token}` };
    const token = { authorization: `Bearer ${apiToken}` };
    const allTargets = [
      { name: 'direct', url: `${upstreamUrl}${path}`, headers: {}, upstream: upstreamPid },
      { name: 'nginx', url: `http://127.0.0.1:${bareA}${path}`, headers: {}, nginx: nginxA },
      { name: 'nginx (A/A)', url: `http://127.0.0.1:${bareB}${path}`, headers: {}, nginx: nginxB },
      { name: 'nginx+fa jwt', url: `http://127.0.0.1:${withAuth}${path}`, headers: jwt, nginx: nginxFa, gatehouse: gatewayPid },
      { name: 'nginx+fa token', url: `http://127.0.0.1:${withAuth}${path}`, headers: token, nginx: nginxFa, gatehouse: gatewayPid },
      { name: 'nginx+null auth', url: `http://127.0.0.1:${nullAuth}${path}`, headers: jwt, nginx: nginxNull },
      { name: 'gateway', url: `${system.gatewayUrl}${path}`, headers: jwt, gatehouse: gatewayPid },
    ];
    const targets = allTargets.filter((t) => !ONLY || ONLY.includes(t.name));
    for (const t of targets) {
      const probe = await fetch(t.url, { headers: t.headers });
      if (probe.status !== 200) throw new Error(`${t.name}: ${probe.status} ${await probe.text()}`);
      await probe.arrayBuffer();
      // A denied request must be denied through the ingress too: the figures are of a working decision.
      if (t.name === 'nginx+fa jwt' || t.name === 'nginx+fa token') {
        const denied = await fetch(t.url.replace('company.team.flows', 'company.teams'), { headers: t.headers });
        if (denied.status !== 403) throw new Error(`${t.name}: a request outside the binding answered ${denied.status}`);
      }
    }
    if (CPU_PROFILE) mkdirSync(PROFILE_DIR, { recursive: true });

    let full = {};
    let fullRuns = {};
    if (!FIXED_RATE) {
      console.log(`\nPhase 1: full load (${CONNECTIONS} connections, ${DURATION} s per run, ${ROUNDS} interleaved rounds; nginx: 1 worker; gateway LOG_LEVEL=${LOG_LEVEL})`);
      fullRuns = Object.fromEntries(targets.map((t) => [t.name, []]));
      for (let round = 1; round <= ROUNDS; round++) {
        for (const t of targets) {
          if (round === 1) await warm(t.url, t.headers, CONNECTIONS);
          const profiling = CPU_PROFILE && round === 1 && t.name === 'nginx+fa jwt' ? setTimeout(() => writeFileSync(join(PROFILE_DIR, 'start'), ''), 1000) : undefined;
          const before = cpuOfAll(t);
          const gatehouseBefore = t.gatehouse ? cpuOf(t.gatehouse) : 0;
          const r = await cannon(t.name, t.url, t.headers, { duration: DURATION, connections: CONNECTIONS });
          const requests = r.rps * DURATION;
          r.cpuPerRequest = (cpuOfAll(t) - before) / requests;
          r.gatehousePerRequest = t.gatehouse ? (cpuOf(t.gatehouse) - gatehouseBefore) / requests : 0;
          clearTimeout(profiling);
          fullRuns[t.name].push(r);
          console.log(`  round ${round} ${t.name.padEnd(15)} ${Math.round(r.rps).toString().padStart(6)} req/s   p50 ${ms(r.p50)}   p99 ${ms(r.p99)}   CPU ${Math.round(r.cpuPerRequest)} µs/req (Gatehouse ${Math.round(r.gatehousePerRequest)})   non-2xx/errors ${r.failures}`);
        }
      }
      full = summarize(fullRuns);
      console.log('  median over rounds:');
      for (const [name, r] of Object.entries(full)) {
        const gatehouse = median(fullRuns[name].map((run) => run.gatehousePerRequest));
        console.log(`    ${name.padEnd(15)} ${Math.round(r.rps).toString().padStart(6)} req/s (${r.range})   p50 ${ms(r.p50)}   p99 ${ms(r.p99)}   CPU ${Math.round(r.cpuPerRequest)} µs/req (Gatehouse ${Math.round(gatehouse)})   non-2xx/errors ${r.failures}`);
      }
      console.log('  (CPU: user + system time per request of nginx (master and worker) and/or the gateway, the upstream not counted; direct: the upstream)');
      const metrics = await (await fetch(`${system.gatewayUrl}/metrics`)).text();
      const cache = (result) => Number(new RegExp(`gatehouse_decision_cache_total\\{result="${result}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
      console.log(`  gateway decision cache: ${cache('hit')} hits, ${cache('miss')} misses`);
      const ratio = (a, b) => (fullRuns[a]?.length && fullRuns[b]?.length ? pairedMedian(fullRuns[a], fullRuns[b], (x, y) => (x.rps / y.rps) * 100) : undefined);
      const percent = (value) => (value === undefined ? 'n/a' : `${value.toFixed(1)} %`);
      console.log(`  nginx+fa jwt / nginx:    ${percent(ratio('nginx+fa jwt', 'nginx'))}  (median of the rounds' ratios; target >= 70 %)`);
      console.log(`  nginx+fa token / nginx:  ${percent(ratio('nginx+fa token', 'nginx'))}`);
      console.log(`  nginx+null auth / nginx: ${percent(ratio('nginx+null auth', 'nginx'))}  (nginx's auth_request alone, with a decision that costs nothing: the ceiling)`);
      console.log(`  nginx (A/A) / nginx:     ${percent(ratio('nginx (A/A)', 'nginx'))}  (the same configuration twice: this machine's noise)`);
      console.log(`  gateway / nginx:         ${percent(ratio('gateway', 'nginx'))}`);
      console.log(`  nginx / direct:          ${percent(ratio('nginx', 'direct'))}`);
      console.log(`  nginx+fa jwt / direct:   ${percent(ratio('nginx+fa jwt', 'direct'))}`);
    }

    const base = full['nginx+fa jwt'] ?? Object.values(full)[0];
    const rate = FIXED_RATE ?? Math.max(100, Math.round(base.rps / 2));
    console.log(
      `\nPhase 2: half load (${rate} req/s = half of nginx+fa jwt's median full-load throughput, paced open loop, same rate for every target; ${PACED_WARMUP_S} s unmeasured warm-up per target, then ${PACED_ROUNDS} interleaved rounds of ${PACED_SECONDS} s, each after ${ROUND_WARMUP_S} s unmeasured)`,
    );
    const halfRuns = Object.fromEntries(targets.map((t) => [t.name, []]));
    const pacer = await startChild(LOAD_TOOLS, 'pacer', { connections: CONNECTIONS }, children);
    const paced = (t, seconds) =>
      new Promise((resolveRun) => {
        pacer.once('message', resolveRun);
        pacer.send({ name: t.name, url: t.url, headers: t.headers, rate, seconds });
      });
    for (const t of targets) await paced(t, PACED_WARMUP_S);
    for (let round = 1; round <= PACED_ROUNDS; round++) {
      for (const t of targets) {
        if (ROUND_WARMUP_S > 0) await paced(t, ROUND_WARMUP_S);
        const r = await paced(t, PACED_SECONDS);
        halfRuns[t.name].push(r);
        console.log(`  round ${round} ${t.name.padEnd(15)} ${Math.round(r.rps).toString().padStart(6)} req/s   p50 ${ms(r.p50)}   p99 ${ms(r.p99)}   p99.9 ${ms(r.p999)}   non-2xx/errors ${r.failures}   pacer late ${r.lateTicks} ms`);
      }
    }
    pacer.kill();
    const half = summarize(halfRuns);
    console.log('  median over rounds:');
    for (const [name, r] of Object.entries(half)) console.log(`    ${name.padEnd(15)} ${Math.round(r.rps).toString().padStart(6)} req/s   p50 ${ms(r.p50)}   p99 ${ms(r.p99)}   non-2xx/errors ${r.failures}`);
    const added = (name, baseline) => {
      if (!halfRuns[name]?.length || !halfRuns[baseline]?.length) return 'n/a';
      const under = halfRuns[name].filter((run, i) => run.p99 - halfRuns[baseline][i].p99 < 2).length;
      return `${ms(pairedMedian(halfRuns[name], halfRuns[baseline], (x, y) => x.p99 - y.p99))} (${under}/${halfRuns[name].length} rounds < 2 ms)`;
    };
    console.log(`  p99 added over nginx (median of the rounds' differences; target < 2 ms):`);
    for (const name of ['nginx (A/A)', 'nginx+fa jwt', 'nginx+fa token', 'nginx+null auth', 'gateway']) console.log(`    ${name.padEnd(15)} ${added(name, 'nginx')}`);
    const given = process.argv.slice(2).map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ');
    console.log(`\nReproduce: npm run build && npm run bench:forward-auth${given ? ` -- ${given}` : ''}`);
  } finally {
    await cleanups.pop()();
  }
}

// Ctrl-C: stop what was started (the system, nginx, the children) rather than leave it running.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping`);
    Promise.allSettled(cleanups.map((cleanup) => cleanup())).finally(() => {
      for (const child of children) child.kill();
      process.exit(130);
    });
  });
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill();
  });
