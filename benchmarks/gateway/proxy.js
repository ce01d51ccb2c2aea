#!/usr/bin/env node
// Gateway proxy benchmark (not a test). Same run, same trivial Node upstream, measured through:
//   - direct:     autocannon → upstream
//   - http-proxy: autocannon → Fastify with @fastify/http-proxy → upstream (the baseline the issue names)
//   - bare proxy: autocannon → a minimal Fastify route proxying with an undici keep-alive pool → upstream
//                 (the least a Fastify proxy can do: a stricter baseline than @fastify/http-proxy)
//   - gateway:  autocannon → Gatehouse gateway (JWT verified, authorization decision for FLOW:READ on the
//               path's namespace, identity headers, trace context, metrics, access log) → upstream
//   - gateway+token: the same with the upstream's `internalToken: true` (signed x-gatehouse-token)
// Phase 1: each at full load (autocannon, closed loop, --connections); phase 2: each at a constant rate
// of half the gateway's full-load throughput (a paced open-loop undici client in its own process, see runPacer()) for the
// latency the gateway adds; phase 3: the gateway's RSS while a 50 MB upload and a 50 MB download stream
// through it. Latency percentiles come from every response's own time (sub-millisecond; for phase 1
// autocannon's 'response' event rather than its 1 ms-bucket histogram).
//
// Each target is measured in --rounds interleaved rounds (direct, bare, gateway, ... then again): this
// machine's speed drifts by tens of percent over a minute, so ratios are taken within a round and the
// median over rounds is reported.
//
// Usage: npm run build && node benchmarks/gateway/proxy.js [--duration=10] [--connections=50] [--rounds=3]
//        [--log-level=info] [--postgres=postgres://postgres@127.0.0.1:5432/postgres]
//        [--stream-mb=50] [--only=gateway,bare proxy] [--rate=N  (phase 2 only, at N req/s)] [--warmup=5] [--half-rounds=5] [--half-duration=6] [--round-warmup=2]
//        [--cpu-profile]   (writes tmp/bench-profile/gateway-<pid>.cpuprofile, sampled at full load)
//        [--heap-profile]  (writes tmp/bench-profile/gateway-<pid>.heapprofile: sampled allocations at full load)
//        [--trace-slow]    (phase 2: every request over 5 ms, and the gateway's event-loop stalls and GC pauses
//                           (stall-probe-preload.js), to tmp/bench-trace/; prints what the gateway's slow requests met)
//        [--control=N]     (adds "control": a second bare proxy that spins N µs of CPU per request; N=0 is an A/A
//                           control whose "added latency" over the bare proxy is this machine's noise floor)
//        BENCH_NODE_OPTIONS=...  (NODE_OPTIONS for the Gatehouse processes, e.g. --require a tracing preload)
// Rate limits are switched off for the gateway (RATE_LIMIT_*=0): the benchmark is one client and one subject.
require('reflect-metadata');
const { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { Readable } = require('node:stream');

const { cannon: cannonFor, cpuOf, flowReader, ms, pairedMedian, runPacer, runUpstream, startChild: startChildOf, summarize, warm: warmFor } = require('./load-tools');

const ROOT = resolve(__dirname, '../..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const ROLE = args.role;
const MB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------------
// Child roles: the upstream (load-tools.js) and the bare proxy run in their own processes, like the gateway.

function runBare() {
  const fastify = require('fastify')({ logger: false });
  const { Pool } = require('undici');
  const pool = new Pool(args.target, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000 });
  const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);
  const strip = (headers) => {
    const out = {};
    for (const name in headers) if (!HOP.has(name)) out[name] = headers[name];
    return out;
  };
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_req, _payload, done) => done(null));
  // --control: a copy that also spins for burnUs of CPU per request (0: an A/A control of the bare proxy).
  const burnNs = BigInt(Math.round(Number(args['burn-us'] ?? 0) * 1000));
  fastify.all('/*', async (request, reply) => {
    if (burnNs > 0n) for (const until = process.hrtime.bigint() + burnNs; process.hrtime.bigint() < until; );
    const response = await pool.request({
      method: request.method,
      path: request.url,
      headers: strip(request.headers),
      body: request.method === 'GET' || request.method === 'HEAD' ? undefined : request.raw,
    });
    reply.code(response.statusCode).headers(strip(response.headers));
    return reply.send(response.body);
  });
  void fastify.listen({ port: Number(args.port), host: '127.0.0.1' }).then(() => process.send?.('ready'));
}

/** The proxy the issue names as the baseline: @fastify/http-proxy (undici under @fastify/reply-from). */
function runHttpProxy() {
  const fastify = require('fastify')({ logger: false });
  fastify.register(require('@fastify/http-proxy'), { upstream: args.target, prefix: '/', http: undefined });
  void fastify.listen({ port: Number(args.port), host: '127.0.0.1' }).then(() => process.send?.('ready'));
}

// ---------------------------------------------------------------------------------------------------
// Orchestrator

const distTesting = join(ROOT, 'dist/libs/testing/src/index.js');
const testing = ROLE ? undefined : existsSync(distTesting) ? require(distTesting) : undefined;

const DURATION = Number(args.duration ?? 10);
const CONNECTIONS = Number(args.connections ?? 50);
const LOG_LEVEL = args['log-level'] ?? 'info';
const STREAM_MB = Number(args['stream-mb'] ?? 50);
const ONLY = args.only?.split(',');
const ROUNDS = Number(args.rounds ?? 3);
const PACED_WARMUP_S = Number(args['warmup'] ?? 5);
// Phase 2 runs more, shorter rounds than phase 1: a p99 on this shared machine is at the mercy of a
// second-long slowdown of the whole machine, and the median of 5 rounds survives two of them.
const PACED_ROUNDS = Number(args['half-rounds'] ?? 5);
const PACED_SECONDS = Number(args['half-duration'] ?? 6);
// Each measured round is preceded by --round-warmup unmeasured seconds at the same rate, for every target:
// a target sat idle while the others were measured (24 s and more), and V8 shrinks an idle process's
// young generation, so the gateway scavenged 6x as often in its first 0.5 s back under load and 3x over
// its first 2 s (--trace-gc). The half-load p99 is a steady-state figure; that transient is not half load.
const ROUND_WARMUP_S = Number(args['round-warmup'] ?? 2);
/** --rate=N skips phase 1 and runs phase 2 at N req/s (to repeat a half-load measurement). */
const FIXED_RATE = args.rate ? Number(args.rate) : undefined;
const HEAP_PROFILE = 'heap-profile' in args;
const CPU_PROFILE = 'cpu-profile' in args || HEAP_PROFILE;
const PROFILE_DIR = resolve(ROOT, 'tmp/bench-profile');
const TRACE_SLOW = 'trace-slow' in args;
const TRACE_DIR = resolve(ROOT, 'tmp/bench-trace');
/** --control=N: a second bare proxy spinning N µs of CPU per request, measured like the others. */
const CONTROL_US = args.control === undefined ? undefined : Number(args.control);
const POSTGRES = args.postgres ?? process.env.E2E_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const children = [];
const startChild = (role, extra) => startChildOf(__filename, role, extra, children);
const cannon = (name, url, headers) => cannonFor(name, url, headers, { duration: DURATION, connections: CONNECTIONS });
const warm = (url, headers) => warmFor(url, headers, CONNECTIONS);

function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

/** Peak RSS of `pid` while `work` runs (sampled every 20 ms). */
async function peakRss(pid, work) {
  let peak = rssOf(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, rssOf(pid));
}


/** NODE_OPTIONS of the Gatehouse processes: BENCH_NODE_OPTIONS plus the preloads the options ask for (those act in the gateway only); each adds to the others. */
function servicesNodeOptions() {
  const preloads = [TRACE_SLOW && 'stall-probe-preload.js', CPU_PROFILE && 'cpu-profile-preload.js'].filter(Boolean);
  return [process.env.BENCH_NODE_OPTIONS, ...preloads.map((file) => `--require ${join(__dirname, file)}`)].filter(Boolean).join(' ');
}

const readJsonLines = (file) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

/** --trace-slow: what the slow half-load requests (over 5 ms) of each target met in the gateway. */
function summarizeSlowRequests() {
  const slow = readJsonLines(join(TRACE_DIR, 'slow.jsonl'));
  const probe = readdirSync(TRACE_DIR).filter((f) => f.startsWith('gateway-')).flatMap((f) => readJsonLines(join(TRACE_DIR, f)));
  const stalls = probe.filter((e) => e.kind === 'stall');
  const pauses = probe.filter((e) => e.kind === 'gc');
  const overlaps = (request, events) => events.some((e) => e.at < request.at + request.ms && request.at < e.at + e.ms);
  console.log(`  --trace-slow (${TRACE_DIR}): requests over 5 ms in the measured rounds, and what they met in the gateway`);
  for (const name of [...new Set(slow.map((r) => r.target))]) {
    const mine = slow.filter((r) => r.target === name);
    const inStall = mine.filter((r) => overlaps(r, stalls)).length;
    const inGc = mine.filter((r) => overlaps(r, pauses)).length;
    console.log(`    ${name.padEnd(14)} ${String(mine.length).padStart(6)} slow;  overlapping a gateway event-loop stall ${inStall}, a gateway GC pause ${inGc}`);
  }
  const offCpu = stalls.filter((s) => s.cpuMs < s.ms / 2);
  const sum = (events) => Math.round(events.reduce((total, e) => total + e.ms, 0));
  console.log(
    `    gateway stalls over 4 ms: ${stalls.length} (${sum(stalls)} ms), ${offCpu.length} of them mostly off-CPU (${sum(offCpu)} ms); ` +
      `GC pauses: ${pauses.filter((p) => p.type === 'major').length} major, ${pauses.filter((p) => p.type === 'minor').length} minor over 1 ms (${sum(pauses)} ms in all)`,
  );
}

async function main() {
  const upstreamPort = await testing.freePort();
  const barePort = await testing.freePort();
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
  const upstreamPid = (await startChild('upstream', { port: upstreamPort })).pid;
  const barePid = (await startChild('bare', { port: barePort, target: upstreamUrl })).pid;
  const controlPort = CONTROL_US === undefined ? undefined : await testing.freePort();
  const controlPid = controlPort && (await startChild('bare', { port: controlPort, target: upstreamUrl, 'burn-us': CONTROL_US })).pid;
  const httpProxyPort = await testing.freePort();
  const httpProxyPid = (await startChild('http-proxy', { port: httpProxyPort, target: upstreamUrl })).pid;

  const routesFile = resolve(ROOT, 'tmp/bench-gateway-routes.yaml');
  mkdirSync(resolve(ROOT, 'tmp'), { recursive: true });
  writeFileSync(
    routesFile,
    `upstreams:
  bench: { url: ${upstreamUrl}, timeoutMs: 30000 }
  bench-signed: { url: ${upstreamUrl}, timeoutMs: 30000, internalToken: true }
routes:
  - path: /api/v1/{tenant}/flows/{namespace}/**
    permission: FLOW
    namespace: { from: path, name: namespace }
    upstream: bench
    stripPrefix: /api/v1/{tenant}/flows
  - path: /api/v1/{tenant}/signed/{namespace}/**
    permission: FLOW
    namespace: { from: path, name: namespace }
    upstream: bench-signed
    stripPrefix: /api/v1/{tenant}/signed
`,
  );
  process.env.E2E_LOG_LEVEL = LOG_LEVEL;
  if (TRACE_SLOW) {
    rmSync(TRACE_DIR, { recursive: true, force: true });
    mkdirSync(TRACE_DIR, { recursive: true });
  }
  const system = await testing.TestSystem.start({
    name: 'bench-gateway',
    postgresUrl: POSTGRES,
    env: {
      MULTI_TENANCY_ENABLED: 'true',
      GATEWAY_ROUTES_FILE: routesFile,
      RATE_LIMIT_PER_IP_PER_MINUTE: '0',
      RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0',
      // One sign-in serves the whole run (three rounds take longer than the default 5 minutes).
      ACCESS_TOKEN_TTL_SECONDS: '3600',
      ...(servicesNodeOptions() ? { NODE_OPTIONS: servicesNodeOptions() } : {}),
      ...(TRACE_SLOW ? { PROBE_DIR: TRACE_DIR } : {}),
      ...(CPU_PROFILE ? { PROFILE_DIR, PROFILE_MS: String(DURATION * 600), PROFILE_KIND: HEAP_PROFILE ? 'heap' : 'cpu' } : {}),
    },
  });
  try {
    system.useForFixtures();
    const { admin, tenant, reader } = await flowReader(testing);
    const auth = { authorization: `Bearer ${reader.token}` };
    const writerAuth = { authorization: `Bearer ${admin.token}` }; // the reader may not POST (FLOW:CREATE)
    const gatewayPid = system.instancesOf('gateway')[0].process.pid;

    const allTargets = [
      { name: 'direct', url: `${upstreamUrl}/company.team.flows/x`, headers: {}, pid: upstreamPid },
      { name: 'http-proxy', url: `http://127.0.0.1:${httpProxyPort}/company.team.flows/x`, headers: {}, pid: httpProxyPid },
      { name: 'bare proxy', url: `http://127.0.0.1:${barePort}/company.team.flows/x`, headers: {}, pid: barePid },
      ...(controlPid ? [{ name: 'control', url: `http://127.0.0.1:${controlPort}/company.team.flows/x`, headers: {}, pid: controlPid }] : []),
      { name: 'gateway', url: `${system.gatewayUrl}/api/v1/${tenant}/flows/company.team.flows/x`, headers: auth, pid: gatewayPid },
      { name: 'gateway+token', url: `${system.gatewayUrl}/api/v1/${tenant}/signed/company.team.flows/x`, headers: auth, pid: gatewayPid },
    ];
    const targets = allTargets.filter((t) => !ONLY || ONLY.includes(t.name));
    if (CPU_PROFILE) mkdirSync(PROFILE_DIR, { recursive: true });
    for (const t of targets) {
      const probe = await fetch(t.url, { headers: t.headers });
      if (probe.status !== 200) throw new Error(`${t.name}: ${probe.status} ${await probe.text()}`);
      await probe.arrayBuffer().catch(() => undefined);
    }

    let full = {};
    if (!FIXED_RATE) {
      console.log(`\nPhase 1: full load (${CONNECTIONS} connections, ${DURATION} s per run, ${ROUNDS} interleaved rounds, gateway LOG_LEVEL=${LOG_LEVEL})`);
      const fullRuns = Object.fromEntries(targets.map((t) => [t.name, []]));
      for (let round = 1; round <= ROUNDS; round++) {
        for (const t of targets) {
          if (round === 1) await warm(t.url, t.headers);
          const profiling = CPU_PROFILE && round === 1 && t.name === 'gateway' ? setTimeout(() => writeFileSync(join(PROFILE_DIR, 'start'), ''), 1000) : undefined;
          const cpuBefore = cpuOf(t.pid);
          const r = await cannon(t.name, t.url, t.headers);
          r.cpuPerRequest = (cpuOf(t.pid) - cpuBefore) / (r.rps * DURATION);
          clearTimeout(profiling);
          fullRuns[t.name].push(r);
          console.log(`  round ${round} ${t.name.padEnd(14)} ${Math.round(r.rps).toString().padStart(6)} req/s   p50 ${ms(r.p50)}   p99 ${ms(r.p99)}   CPU ${Math.round(r.cpuPerRequest)} µs/req   non-2xx/errors ${r.failures}`);
        }
      }
      full = summarize(fullRuns);
      console.log('  median over rounds:');
      for (const [name, r] of Object.entries(full)) {
        console.log(`    ${name.padEnd(14)} ${Math.round(r.rps).toString().padStart(6)} req/s (${r.range})   p50 ${ms(r.p50)}   p99 ${ms(r.p99)}   CPU ${Math.round(r.cpuPerRequest)} µs/req   non-2xx/errors ${r.failures}`);
      }
      console.log('  (CPU: user + system time of the process answering the client - upstream, bare proxy or gateway - per request)');
      const metrics = await (await fetch(`${system.gatewayUrl}/metrics`)).text();
      const cache = (result) => Number(new RegExp(`gatehouse_decision_cache_total\\{result="${result}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
      console.log(`  gateway decision cache: ${cache('hit')} hits, ${cache('miss')} misses (TTL ${process.env.GATEWAY_DECISION_CACHE_TTL_MS ?? 3000} ms)`);
      // Each round's ratio pairs runs made seconds apart, so a machine-wide slowdown hits both alike.
      const ratio = (a, b) => (fullRuns[a]?.length && fullRuns[b]?.length ? pairedMedian(fullRuns[a], fullRuns[b], (x, y) => (x.rps / y.rps) * 100) : undefined);
      const percent = (value) => (value === undefined ? 'n/a' : `${value.toFixed(1)} %`);
      console.log(`  gateway / http-proxy throughput: ${percent(ratio('gateway', 'http-proxy'))}  (median of the rounds' ratios; target >= 70 %)`);
      console.log(`  gateway / bare proxy:            ${percent(ratio('gateway', 'bare proxy'))}`);
      console.log(`  gateway+token / http-proxy:      ${percent(ratio('gateway+token', 'http-proxy'))}`);
      console.log(`  http-proxy / bare proxy:         ${percent(ratio('http-proxy', 'bare proxy'))}`);
      console.log(`  bare proxy / direct:             ${percent(ratio('bare proxy', 'direct'))}`);
      console.log(`  gateway / direct:                ${percent(ratio('gateway', 'direct'))}`);
    }

    const rate = FIXED_RATE ?? Math.max(100, Math.round((full.gateway ?? Object.values(full)[0]).rps / 2));
    console.log(
      `\nPhase 2: half load (${rate} req/s = half the gateway's median full-load throughput, paced open loop, same rate for every target; ${PACED_WARMUP_S} s unmeasured warm-up per target, then ${PACED_ROUNDS} interleaved rounds of ${PACED_SECONDS} s, each after ${ROUND_WARMUP_S} s unmeasured)`,
    );
    const halfRuns = Object.fromEntries(targets.map((t) => [t.name, []]));
    // One client pool per target for the whole phase, warmed once: opening connections is not steady state.
    const pacer = await startChild('pacer', { connections: CONNECTIONS });
    const paced = (t, seconds, measured = false) =>
      new Promise((resolveRun) => {
        pacer.once('message', resolveRun);
        pacer.send({ name: t.name, url: t.url, headers: t.headers, rate, seconds, slowLog: TRACE_SLOW && measured ? join(TRACE_DIR, 'slow.jsonl') : undefined });
      });
    for (const t of targets) await paced(t, PACED_WARMUP_S);
    for (let round = 1; round <= PACED_ROUNDS; round++) {
      for (const t of targets) {
        if (ROUND_WARMUP_S > 0) await paced(t, ROUND_WARMUP_S);
        const r = await paced(t, PACED_SECONDS, true);
        halfRuns[t.name].push(r);
        console.log(`  round ${round} ${t.name.padEnd(14)} ${Math.round(r.rps).toString().padStart(6)} req/s   p50 ${ms(r.p50)}   p99 ${ms(r.p99)}   p99.9 ${ms(r.p999)}   non-2xx/errors ${r.failures}   pacer late ${r.lateTicks} ms`);
      }
    }
    pacer.kill();
    if (TRACE_SLOW) {
      await new Promise((r) => setTimeout(r, 1200)); // the probe writes once a second
      summarizeSlowRequests();
    }
    const half = summarize(halfRuns);
    console.log('  median over rounds:');
    for (const [name, r] of Object.entries(half)) {
      console.log(`    ${name.padEnd(14)} ${Math.round(r.rps).toString().padStart(6)} req/s   p50 ${ms(r.p50)}   p99 ${ms(r.p99)}   non-2xx/errors ${r.failures}`);
    }
    for (const name of ['control', 'gateway', 'gateway+token'].filter((n) => halfRuns[n]?.length)) {
      const added = (base) => {
        if (!halfRuns[base]?.length) return 'n/a';
        const under = halfRuns[name].filter((run, i) => run.p99 - halfRuns[base][i].p99 < 2).length;
        return `${ms(pairedMedian(halfRuns[name], halfRuns[base], (x, y) => x.p99 - y.p99))} (${under}/${halfRuns[name].length} rounds < 2 ms)`;
      };
      console.log(
        `  ${name} p99 added latency: ${added('direct')} vs direct, ${added('http-proxy')} vs http-proxy, ${added('bare proxy')} vs bare proxy (median of the rounds' differences; target < 2 ms)`,
      );
    }

    console.log(`\nPhase 3: gateway memory while ${STREAM_MB} MB stream through`);
    const idle = rssOf(gatewayPid);
    const body = () =>
      Readable.from((function* () {
        const chunk = Buffer.alloc(64 * 1024, 3);
        for (let sent = 0; sent < STREAM_MB * MB; sent += chunk.length) yield chunk;
      })());
    let uploaded;
    const uploadPeak = await peakRss(gatewayPid, async () => {
      const response = await fetch(`${system.gatewayUrl}/api/v1/${tenant}/flows/company.team/upload`, {
        method: 'POST',
        headers: { ...writerAuth, 'content-type': 'application/octet-stream' },
        body: body(),
        duplex: 'half',
      });
      const answer = await response.text();
      uploaded = response.status === 200 ? JSON.parse(answer).received : `${response.status} ${answer}`;
    });
    let downloaded = 0;
    const downloadPeak = await peakRss(gatewayPid, async () => {
      const response = await fetch(`${system.gatewayUrl}/api/v1/${tenant}/flows/company.team/download?bytes=${STREAM_MB * MB}`, { headers: auth });
      for await (const chunk of response.body) downloaded += chunk.length;
    });
    const mb = (n) => `${(n / MB).toFixed(1)} MB`;
    console.log(`  gateway RSS before: ${mb(idle)}`);
    console.log(`  upload   ${typeof uploaded === 'number' ? mb(uploaded) : uploaded} through: peak RSS ${mb(uploadPeak)} (+${mb(uploadPeak - idle)})`);
    console.log(`  download ${mb(downloaded)} through: peak RSS ${mb(downloadPeak)} (+${mb(downloadPeak - idle)})`);
  } finally {
    await system.stop();
  }
}

if (ROLE === 'upstream') runUpstream(Number(args.port));
else if (ROLE === 'bare') runBare();
else if (ROLE === 'http-proxy') runHttpProxy();
else if (ROLE === 'pacer') runPacer(Number(args.connections));
else if (!testing) {
  console.error('No build in dist/: run "npm run build" first');
  process.exitCode = 2;
} else {
  main()
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => {
      for (const child of children) child.kill();
    });
}
