#!/usr/bin/env node
/**
 * Benchmark (not a test): under an open-loop load (a constant arrival rate: a new request every 1/rate
 * s whatever the earlier ones are doing, as real clients arrive, so an outage cannot slow the load down
 * and hide its failures), restart NATS, then Postgres, and measure how the cluster recovers by itself:
 * time from the restart to the first successful read and write, time until every instance reports ready
 * again, and the requests that failed in each phase: while the server was down, between its restart and
 * every instance being ready again, and after that (should be none). Asserts that readiness went false on
 * every instance that depends on the restarted server while it was down. Exit code 1 if an assertion fails.
 *
 *   npm run build && npm run bench:restarts -- [--replicas 2] [--gateways 2] [--down 3] [--rate 40]
 *
 * Never touches the machine's shared servers: it runs a private nats-server (fixed port and JetStream
 * store, so a restart keeps streams and consumers) and a private Postgres (initdb + pg_ctl in a temp dir,
 * run as the `postgres` user when root).
 */
const { randomUUID } = require('node:crypto');
const { startCluster } = require('../../tools/cluster');
const { arg, BENCH_ENV, call, freshDatabase, load, privateNats, privatePostgres, seed, sleep } = require('./support');

const REPLICAS = arg('replicas', 2);
const GATEWAYS = arg('gateways', REPLICAS);
const DOWN_S = arg('down', 3);
const RATE = arg('rate', 40);
const STEADY_MS = 5000;

const requests = [];
const readiness = [];
let running = true;
const t = () => Date.now();

/**
 * Open loop: request i starts at i / RATE s, whatever the earlier ones are doing; round-robin over the
 * gateways like a load balancer, one attempt each, no retries (every failure counts).
 */
async function openLoop(urls, f) {
  const inFlight = new Set();
  const began = t();
  for (let i = 0; running; i++) {
    const due = began + (i * 1000) / RATE;
    if (due > t()) await sleep(due - t());
    const request = send(urls[i % urls.length], f, i);
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  }
  await Promise.all(inFlight);
}

async function send(url, f, i) {
  const write = i % 4 === 3;
  const kind = write ? 'write' : 'read';
  const started = t();
  let result;
  try {
    if (write) {
      const key = randomUUID();
      result = await call(url, 'POST', `/api/v1/${f.tenant}/groups`, { token: f.token, body: { name: `r-${key}` }, key });
    } else if (i % 2 === 0) {
      result = await call(url, 'GET', `/api/v1/${f.tenant}/groups?size=10`, { token: f.token });
    } else {
      result = await call(url, 'GET', '/api/v1/me', { token: f.apiToken });
    }
  } catch (error) {
    result = { status: 0, body: { detail: String(error) } };
  }
  const { status } = result;
  const ok = status >= 200 && status < 300;
  requests.push({ kind, started, ended: t(), status, ok, detail: ok ? undefined : `${kind} ${status} ${result.body?.detail ?? ''}` });
}

async function pollReadiness(instances) {
  const last = new Map();
  while (running) {
    await Promise.all(
      instances.map(async (instance) => {
        let ready = false;
        try {
          ready = (await fetch(instance.healthUrl, { signal: AbortSignal.timeout(1000) })).ok;
        } catch {
          ready = false;
        }
        if (last.get(instance.name) !== ready) {
          last.set(instance.name, ready);
          readiness.push({ name: instance.name, service: instance.service, at: t(), ready });
        }
      }),
    );
    await sleep(100);
  }
}

function isReadyAt(name, at) {
  const events = readiness.filter((e) => e.name === name && e.at <= at);
  return events.at(-1)?.ready ?? false;
}

async function waitAllReady(instances, timeoutMs = 120_000) {
  const deadline = t() + timeoutMs;
  while (t() < deadline) {
    if (instances.every((i) => isReadyAt(i.name, t()))) return t();
    await sleep(50);
  }
  return null;
}

async function firstSuccessAfter(kind, since, timeoutMs = 120_000) {
  const deadline = t() + timeoutMs;
  while (t() < deadline) {
    const hit = requests.find((r) => r.kind === kind && r.ok && r.started >= since);
    if (hit) return hit.ended;
    await sleep(50);
  }
  return null;
}

async function outage(label, instances, dependents, stop, start) {
  await sleep(STEADY_MS);
  const before = requests.length;
  console.log(`\n== ${label}: stopping (load average ${load()})`);
  const stopped = t();
  await stop();
  await sleep(DOWN_S * 1000);
  const restartBegan = t();
  await start();
  const restarted = t();
  console.log(`   down for ${((restarted - stopped) / 1000).toFixed(1)} s (server start took ${restarted - restartBegan} ms)`);
  const [read, write, ready] = await Promise.all([firstSuccessAfter('read', restarted), firstSuccessAfter('write', restarted), waitAllReady(instances)]);
  await sleep(STEADY_MS);
  const window = requests.slice(before);
  const failed = window.filter((r) => !r.ok);
  const lastFailure = failed.at(-1);
  const wentDown = dependents.map((i) => ({ name: i.name, down: readiness.some((e) => e.name === i.name && !e.ready && e.at >= stopped && e.at <= restarted + 2000) }));
  const stayedUp = instances.filter((i) => !dependents.includes(i)).map((i) => ({ name: i.name, down: readiness.some((e) => e.name === i.name && !e.ready && e.at >= stopped && e.at <= (ready ?? t())) }));
  const byStatus = {};
  const details = {};
  for (const r of failed) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    details[r.detail] = (details[r.detail] ?? 0) + 1;
  }
  const ms = (x) => (x == null ? 'never' : `${x - restarted} ms`);
  const outcome = {
    label,
    downMs: restarted - stopped,
    firstReadMs: read == null ? null : read - restarted,
    firstWriteMs: write == null ? null : write - restarted,
    allReadyMs: ready == null ? null : ready - restarted,
    lastFailureMs: lastFailure ? lastFailure.ended - restarted : null,
    requests: window.length,
    failed: failed.length,
    failedWhileDown: failed.filter((r) => r.started < restarted).length,
    failedAfterRestart: failed.filter((r) => r.started >= restarted).length,
    failedRecovering: failed.filter((r) => r.started >= restarted && (ready == null || r.started < ready)).length,
    failedAfterRecovery: ready == null ? null : failed.filter((r) => r.started >= ready).length,
    byStatus,
    readinessWentFalse: wentDown,
    readinessUnaffected: stayedUp,
  };
  console.log(`   after the restart: first successful read ${ms(read)}, first successful write ${ms(write)}, every instance ready again ${ms(ready)}`);
  console.log(`   last failed request ended ${lastFailure ? ms(lastFailure.ended) : '(none)'} after the restart`);
  console.log(
    `   requests in the window (stop -> ${STEADY_MS / 1000} s after recovery): ${window.length}, failed ${failed.length}: ` +
      `${outcome.failedWhileDown} started while down, ${outcome.failedRecovering} after the restart until every instance was ready, ` +
      `${outcome.failedAfterRecovery ?? '?'} after recovery; by status ${JSON.stringify(byStatus)}`,
  );
  for (const [detail, n] of Object.entries(details)) console.log(`     ${n} x ${detail}`);
  console.log(`   readiness went false meanwhile: ${wentDown.map((w) => `${w.name}=${w.down ? 'yes' : 'NO'}`).join(' ')}`);
  if (stayedUp.length) console.log(`   not depending on it (may stay ready): ${stayedUp.map((w) => `${w.name}=${w.down ? 'went false' : 'stayed ready'}`).join(' ')}`);
  return outcome;
}

async function main() {
  console.log(`replicas=${REPLICAS} gateways=${GATEWAYS} down=${DOWN_S}s rate=${RATE}/s (open loop) load average: ${load()}`);
  const nats = await privateNats();
  let pg = null;
  let whyNoPg = null;
  try {
    pg = await privatePostgres();
  } catch (error) {
    whyNoPg = error.message;
    console.log(`No private Postgres (${whyNoPg}): only the NATS restart is measured; the shared server is never restarted.`);
  }
  const db = await freshDatabase(pg?.url ?? process.env.E2E_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  let cluster;
  const failures = [];
  try {
    cluster = await startCluster({ replicas: REPLICAS, gateways: GATEWAYS, basePort: null, env: BENCH_ENV, databaseUrl: db.url, natsUrl: nats.url, output: 'ignore' });
    const urls = cluster.gatewayUrls;
    const fixture = await seed(urls[0]);
    const instances = cluster.instances;
    console.log(`cluster up (${instances.length} processes): ${urls.join(', ')}`);
    const loadDone = Promise.all([pollReadiness(instances), openLoop(urls, fixture)]);

    const results = [];
    results.push(await outage('NATS restart', instances, instances, () => nats.stop(), () => nats.start()));
    if (pg) {
      const withDb = instances.filter((i) => i.service !== 'gateway');
      results.push(await outage('Postgres restart', instances, withDb, async () => pg.stop(), async () => pg.start()));
    }
    running = false;
    await loadDone;

    const exited = instances.filter((i) => i.child.exitCode !== null || i.child.signalCode !== null);
    if (exited.length) failures.push(`instances exited: ${exited.map((i) => i.name).join(', ')}`);
    for (const r of results) {
      for (const w of r.readinessWentFalse) if (!w.down) failures.push(`${r.label}: readiness of ${w.name} never went false`);
      if (r.allReadyMs == null) failures.push(`${r.label}: not every instance became ready again`);
      if (r.firstReadMs == null || r.firstWriteMs == null) failures.push(`${r.label}: no successful read/write after the restart`);
      if (r.failedAfterRecovery) failures.push(`${r.label}: ${r.failedAfterRecovery} request(s) failed after every instance was ready again`);
    }
    const tail = requests.filter((r) => r.started > t() - STEADY_MS + 500);
    if (tail.some((r) => !r.ok)) failures.push('requests still failing at the end');

    console.log('\n| restart | down ms | first read ms | first write ms | all ready ms | last failure ms | requests | failed: while down / recovering / after recovery |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of results) {
      console.log(`| ${r.label} | ${r.downMs} | ${r.firstReadMs} | ${r.firstWriteMs} | ${r.allReadyMs} | ${r.lastFailureMs ?? '-'} | ${r.requests} | ${r.failedWhileDown} / ${r.failedRecovering} / ${r.failedAfterRecovery ?? '?'} |`);
    }
    if (whyNoPg) console.log(`Postgres restart not measured: ${whyNoPg}`);
    console.log(`load average at the end: ${load()}`);
    console.log(failures.length ? `\nASSERTIONS FAILED:\n- ${failures.join('\n- ')}` : '\nASSERTIONS OK: readiness went false on every dependent instance during each outage; every instance recovered by itself');
  } finally {
    running = false;
    await cluster?.stop(5000);
    await db.drop().catch(() => undefined);
    await nats.destroy();
    pg?.destroy();
  }
  if (failures.length) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
