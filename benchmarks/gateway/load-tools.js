// What the gateway benchmarks share (proxy.js, forward-auth.js): the upstream and paced-load roles they run
// as child processes (`node load-tools.js --role=upstream|pacer`), full-load runs with autocannon, medians
// over interleaved rounds, CPU time per process. Not a test.
const { spawn } = require('node:child_process');
const { createServer } = require('node:http');
const { appendFileSync, readdirSync, readFileSync } = require('node:fs');
const { Readable } = require('node:stream');

/** A trivial upstream: a small JSON answer, or `/download?bytes=N`, or the size of a body it was sent. */
function runUpstream(port) {
  const body = JSON.stringify({ ok: true, service: 'bench-upstream' });
  const server = createServer((req, res) => {
    if (req.url.includes('/download')) {
      const bytes = Number(new URL(req.url, 'http://x').searchParams.get('bytes') ?? 0);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes) });
      const chunk = Buffer.alloc(64 * 1024, 7);
      Readable.from((function* () {
        for (let sent = 0; sent < bytes; sent += chunk.length) yield bytes - sent >= chunk.length ? chunk : chunk.subarray(0, bytes - sent);
      })()).pipe(res);
      return;
    }
    let size = 0;
    req.on('data', (c) => (size += c.length));
    req.on('end', () => {
      const answer = size > 0 ? JSON.stringify({ received: size }) : body;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1', () => process.send?.('ready'));
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

/**
 * The phase-2 load generator, in a process of its own: a lean heap whose garbage collections do not
 * delay the responses it times (in the orchestrator, which also ran autocannon and the test system,
 * its own pauses showed up in every target's p99). One warmed keep-alive pool per target.
 */
function runPacer(connections) {
  const { Pool } = require('undici');
  const pools = new Map();
  process.on('message', async ({ name, url, headers, rate, seconds, slowLog }) => {
    if (!pools.has(name)) pools.set(name, new Pool(new URL(url).origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 }));
    process.send(await paced(name, url, headers, rate, seconds, pools.get(name), slowLog));
  });
  process.send('ready');
}

/**
 * Open loop at a constant rate: every millisecond, the requests due are sent (autocannon's overallRate
 * sends each second's budget in a burst, which measures queueing, not the latency at that load).
 * When this process itself was held up (its own GC, or descheduled on this 2-core machine), it catches
 * up at twice the rate rather than all at once: a catch-up burst of 30-40 requests in one millisecond
 * was the largest single source of slow requests, for every target, and not a load any target was
 * asked to take. Such ticks are counted (`lateTicks`).
 */
async function paced(name, url, headers, rate, seconds, pool, slowLog) {
  const target = new URL(url);
  const path = target.pathname + target.search;
  const samples = [];
  const slow = [];
  let failures = 0;
  const inFlight = new Set();
  const started = process.hrtime.bigint();
  const end = started + BigInt(seconds) * 1_000_000_000n;
  let sent = 0;
  let lateTicks = 0;
  const maxPerTick = 2 * Math.ceil(rate / 1000);
  await new Promise((done) => {
    const tick = () => {
      const now = process.hrtime.bigint();
      if (now >= end) return done();
      const due = Math.floor((Number(now - started) / 1e9) * rate);
      if (due - sent > maxPerTick) lateTicks++;
      for (const last = Math.min(due, sent + maxPerTick); sent < last; sent++) {
        const t0 = process.hrtime.bigint();
        const call = pool
          .request({ method: 'GET', path, headers })
          .then(async (response) => {
            await response.body.dump();
            if (response.statusCode !== 200) return failures++;
            const ms = Number(process.hrtime.bigint() - t0) / 1e6;
            samples.push(ms);
            if (slowLog && ms > 5) slow.push({ target: name, at: Math.round((performance.timeOrigin + performance.now() - ms) * 10) / 10, ms });
          })
          .catch(() => failures++)
          .finally(() => inFlight.delete(call));
        inFlight.add(call);
      }
      setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inFlight);
  if (slowLog && slow.length) appendFileSync(slowLog, slow.map((l) => JSON.stringify(l)).join('\n') + '\n');
  samples.sort((a, b) => a - b);
  return { name, rps: samples.length / seconds, p50: pct(samples, 50) ?? NaN, p99: pct(samples, 99) ?? NaN, p999: pct(samples, 99.9) ?? NaN, failures, lateTicks };
}

/** Full load (autocannon, closed loop): req/s and p50/p99 of the 200s from each response's own time. */
async function cannon(name, url, headers, { duration, connections, ...options }) {
  const samples = [];
  const instance = require('autocannon')({ url, headers, connections, duration, ...options });
  instance.on('response', (_client, status, _bytes, time) => {
    if (status === 200) samples.push(time);
  });
  const result = await new Promise((resolveResult, reject) => {
    instance.on('done', resolveResult);
    instance.on('error', reject);
  });
  samples.sort((a, b) => a - b);
  const failures = result.non2xx + result.errors + result.timeouts;
  return {
    name,
    rps: samples.length / duration,
    p50: pct(samples, 50) ?? NaN,
    p99: pct(samples, 99) ?? NaN,
    failures,
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};

/** Per target: the median of each figure over the rounds, the req/s range and the failures summed. */
function summarize(runsByTarget) {
  return Object.fromEntries(
    Object.entries(runsByTarget).map(([name, runs]) => {
      const rps = runs.map((r) => r.rps);
      return [
        name,
        {
          rps: median(rps),
          range: `${Math.round(Math.min(...rps))}-${Math.round(Math.max(...rps))}`,
          p50: median(runs.map((r) => r.p50)),
          p99: median(runs.map((r) => r.p99)),
          ...(runs[0].cpuPerRequest === undefined ? {} : { cpuPerRequest: median(runs.map((r) => r.cpuPerRequest)) }),
          failures: runs.reduce((sum, r) => sum + r.failures, 0),
        },
      ];
    }),
  );
}

/** The median over rounds of f(a's run, b's run) for runs of the same round. */
const pairedMedian = (a, b, f) => median(a.map((run, i) => f(run, b[i])));

async function warm(url, headers, connections) {
  await new Promise((resolveDone) => require('autocannon')({ url, headers, connections, duration: 2 }, resolveDone));
}

const CLOCK_TICK_US = 10_000; // USER_HZ is 100 on Linux

/** CPU time (user + system) the process has used so far, in µs. */
function cpuOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_US;
}

/**
 * CPU seconds used so far by the processes serving a benchmark, by name and pid (read them with cpuPerUnit): the Gatehouse services and nats-server
 * that `parentPid` started (a TestSystem's children), and, with `database`, the Postgres backends connected to
 * that database, and the server's background processes (WAL writer, checkpointer: shared with any other load on
 * that server). From /proc, so other load on the machine does not inflate it as it does rates and latencies.
 * A backend that exits between two readings takes its CPU with it (the services' pools keep theirs open).
 */
function cpuByService(parentPid, database) {
  const used = {};
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      let service;
      if (Number(fields[1]) === parentPid) {
        service = /dist\/apps\/([a-z-]+)\//.exec(command)?.[1] ?? (command.includes('nats-server') ? 'nats-server' : undefined);
      } else if (database && command.startsWith('postgres: ')) {
        // "postgres: [cluster: ]user database client state", or a background process (WAL writer, checkpointer...)
        const backend = /^postgres: (?:[^ ]+: )?\S+ (\S+) \S+\(\d+\)/.exec(command);
        if (backend) service = backend[1] === database ? 'postgres' : undefined;
        else service = 'postgres (shared background)';
      }
      if (service) used[`${service}\0${pid}`] = (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // gone meanwhile
    }
  }
  const self = process.cpuUsage();
  used[`benchmark client\0${process.pid}`] = (self.user + self.system) / 1e6;
  return used;
}

/**
 * What each process used between two cpuByService readings, per unit of work, in ms, by name, heaviest first, and the
 * total. Per process: one that exited in between is left out (its CPU went with it), one that started counts from zero.
 */
function cpuPerUnit(before, after, units) {
  const byService = {};
  for (const [key, seconds] of Object.entries(after)) {
    const service = key.split('\0')[0];
    byService[service] = (byService[service] ?? 0) + seconds - (before[key] ?? 0);
  }
  const rows = Object.entries(byService)
    .map(([service, seconds]) => [service, (seconds * 1000) / units])
    .sort(([, a], [, b]) => b - a);
  return { rows, total: rows.reduce((sum, [, ms]) => sum + ms, 0) };
}

/** Starts `node <file> --role=<role> --k=v...` and resolves once it says it is ready; `children` collects it (to kill at the end). */
function startChild(file, role, extra, children) {
  return new Promise((resolveReady, reject) => {
    const child = spawn(process.execPath, [file, `--role=${role}`, ...Object.entries(extra).map(([k, v]) => `--${k}=${v}`)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    child.once('message', () => resolveReady(child));
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

const ms = (n) => `${n.toFixed(2)} ms`;

/**
 * The benchmarks' subject: a user with FLOW:READ on company.team only (a custom role, a namespaced binding)
 * in a tenant of its own, signed in (a JWT), through the fixtures of libs/testing (`testing`, from dist/).
 */
async function flowReader(testing) {
  const root = await testing.superAdminToken();
  const admin = await testing.createUser(root);
  const tenant = (await testing.createTenant(root, { adminUser: admin.username })).id;
  const role = await testing.createRole(admin.token, tenant, { name: 'bench-flow-reader', permissions: { FLOW: ['READ'] } });
  const reader = await testing.createUser(root);
  await testing.bindRole(admin.token, tenant, { roleId: role.id, subjectId: reader.user.id, namespaces: ['company.team'] });
  return { admin, tenant, reader };
}

module.exports = { runUpstream, runPacer, startChild, cannon, warm, median, summarize, pairedMedian, cpuOf, cpuByService, cpuPerUnit, pct, ms, flowReader };

if (require.main === module) {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  if (args.role === 'upstream') runUpstream(Number(args.port));
  else if (args.role === 'pacer') runPacer(Number(args.connections));
}
