#!/usr/bin/env node
// `npm run start:services` (one of each) and `npm run cluster -- --replicas 2 [--gateways 2]`: the
// distributed topology. Installs what is missing, builds, checks Postgres and NATS, then runs N instances of every service
// (NATS queue groups share the work) and M gateways, each instance with its own health port. Prints every
// URL; Ctrl-C / SIGTERM stops all instances gracefully (SIGTERM, then SIGKILL after a grace period), also
// while they are still starting. An instance that dies is started again on the same port, after a
// back-off (1 s, doubling up to 30 s; back to 1 s once an instance has stayed up a minute).
//
// Ports: instance i of a process listens on base + 10*i, where base is the gateway port (PORT, default
// 8080) for gateways and 8081..8084 for identity, tenancy, authorization, notification (so 2 replicas use
// 8081 and 8091 for identity, 8080 and 8090 for the gateways). `--base-port P` shifts everything.
//
// Also a module: `startCluster(options)` is used by benchmarks/cluster/*.js to run a cluster on a
// private NATS server and database.
const { spawn, spawnSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { createServer } = require('node:net');
const { join, resolve } = require('node:path');
const readline = require('node:readline');

const ROOT = resolve(__dirname, '..');
const BACKEND_SERVICES = ['identity', 'tenancy', 'authorization', 'notification'];
const OFFSET = { gateway: 0, identity: 1, tenancy: 2, authorization: 3, notification: 4 };
const HOW_TO_START = 'Start it with `docker compose up -d postgres nats`, or your system\'s service manager.';

/** The Node flags an app asks for in its built `node-flags` file (one per line, '#' comments; see apps/gateway/node-flags). */
function nodeFlagsOf(service) {
  const file = join(ROOT, `dist/apps/${service}/node-flags`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
}

function redact(url) {
  const copy = new URL(url);
  if (copy.password) copy.password = '***';
  return copy.toString();
}

/** Creates the database named in `databaseUrl` when missing; throws with a clear message when unreachable. */
async function ensureDatabase(databaseUrl) {
  const { Client } = require('pg');
  const database = decodeURIComponent(new URL(databaseUrl).pathname.slice(1)) || 'gatehouse';
  const server = new URL(databaseUrl);
  server.pathname = '/postgres';
  const client = new Client({ connectionString: server.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`Cannot reach PostgreSQL at ${redact(server)} (${error.message}).\n${HOW_TO_START}`);
  }
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

async function checkNats(natsUrl, env) {
  const { connect } = require('nats');
  let nc;
  try {
    nc = await connect({ servers: natsUrl.split(','), timeout: 3000, user: env.NATS_USER, pass: env.NATS_PASSWORD });
  } catch (error) {
    throw new Error(`Cannot reach NATS at ${natsUrl} (${error.message}).\n${HOW_TO_START}`);
  }
  const jetstream = nc.info?.jetstream;
  await nc.close();
  if (!jetstream) throw new Error(`NATS at ${natsUrl} has no JetStream; start nats-server with -js.`);
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function waitReady(instance, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (instance.child.exitCode !== null || instance.child.signalCode !== null) break;
    try {
      if ((await fetch(instance.healthUrl, { signal: AbortSignal.timeout(1000) })).ok) return instance;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${instance.name} did not become ready at ${instance.healthUrl} (exit ${instance.child.exitCode ?? instance.child.signalCode})`);
}

/** SIGTERM (graceful: drains NATS subscriptions and HTTP), then SIGKILL after `graceMs`. */
async function stopChild(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

const RESTART_BACKOFF_MS = { first: 1000, max: 30_000, resetAfter: 60_000 };

/**
 * Starts `replicas` instances of every backend service and `gateways` gateways from the build in dist/.
 * options: { replicas, gateways, basePort (null = free ports), env, databaseUrl, natsUrl, output,
 * restart, signal, entry } where output is 'prefix' (lines prefixed with the instance name on stdout) or
 * 'ignore'; restart: start an instance that dies again (see RESTART_BACKOFF_MS; `cluster.stop()` ends
 * it); signal: an AbortSignal that stops everything started so far (Ctrl-C while starting) and rejects;
 * entry(service): the script to run (default dist/apps/<service>/src/main.js; tests pass a stand-in).
 */
async function startCluster(options) {
  const replicas = options.replicas ?? 1;
  const gateways = options.gateways ?? 1;
  const output = options.output ?? 'prefix';
  const host = options.env?.HTTP_HOST ?? '127.0.0.1';
  const instances = [];
  const counters = {};
  let stopped = false;
  const cluster = {
    instances,
    get gatewayUrls() {
      return instances.filter((i) => i.service === 'gateway' && i.child.exitCode === null && i.child.signalCode === null).map((i) => i.url);
    },
    /** Starts one more instance of a service and waits until it is ready. */
    async add(service) {
      return waitReady(await launch(service));
    },
    /** How many times instances were started again after dying. */
    restarts: 0,
    async stop(graceMs) {
      stopped = true;
      for (const instance of instances) clearTimeout(instance.restartTimer);
      // gateways first, so no new request enters while the services drain
      await Promise.all(instances.filter((i) => i.service === 'gateway').map((i) => stopChild(i.child, graceMs)));
      await Promise.all(instances.map((i) => stopChild(i.child, graceMs)));
    },
  };

  async function launch(service) {
    const index = (counters[service] = (counters[service] ?? -1) + 1);
    const port = options.basePort == null ? await freePort() : options.basePort + OFFSET[service] + 10 * index;
    const name = `${service}#${index}`;
    if (stopped) throw new Error('stopped before it started');
    const shown = host === '0.0.0.0' ? '127.0.0.1' : host;
    const url = `http://${shown}:${port}`;
    const instance = { service, index, name, port, url, healthUrl: `${url}/health/ready`, backoffMs: RESTART_BACKOFF_MS.first };
    spawnInstance(instance);
    instances.push(instance);
    return instance;
  }

  /** (Re)starts `instance`'s process on its port; with `restart`, watches it to start it again when it dies. */
  function spawnInstance(instance) {
    const { service, name, port } = instance;
    const entry = options.entry ? options.entry(service) : join(ROOT, `dist/apps/${service}/src/main.js`);
    const child = spawn(process.execPath, [...(options.entry ? [] : nodeFlagsOf(service)), entry], {
      cwd: ROOT,
      env: {
        ...options.env,
        DATABASE_URL: options.databaseUrl,
        NATS_URL: options.natsUrl,
        HTTP_HOST: host,
        ...(service === 'gateway' ? { PORT: String(port) } : { HEALTH_PORT: String(port) }),
      },
      stdio: ['ignore', output === 'prefix' ? 'pipe' : 'ignore', output === 'prefix' ? 'pipe' : 'ignore'],
    });
    if (output === 'prefix') {
      for (const stream of [child.stdout, child.stderr]) {
        readline.createInterface({ input: stream }).on('line', (line) => console.log(`[${name.padEnd(15)}] ${line}`));
      }
    }
    instance.child = child;
    instance.startedAt = Date.now();
    if (!options.restart) return;
    child.once('exit', (code, signal) => {
      if (stopped) return;
      if (Date.now() - instance.startedAt >= RESTART_BACKOFF_MS.resetAfter) instance.backoffMs = RESTART_BACKOFF_MS.first;
      const delay = instance.backoffMs;
      instance.backoffMs = Math.min(delay * 2, RESTART_BACKOFF_MS.max);
      if (output === 'prefix') console.log(`[${name.padEnd(15)}] exited unexpectedly (${signal ?? code}); starting it again in ${delay / 1000} s`);
      instance.restartTimer = setTimeout(() => {
        if (stopped) return;
        cluster.restarts++;
        spawnInstance(instance);
      }, delay);
    });
  }

  const abort = () => void cluster.stop(2000);
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    if (options.signal?.aborted) throw new Error('stopped before it started');
    const starting = [];
    for (const service of BACKEND_SERVICES) for (let i = 0; i < replicas; i++) starting.push(launch(service));
    for (let i = 0; i < gateways; i++) starting.push(launch('gateway'));
    await Promise.all((await Promise.all(starting)).map((instance) => waitReady(instance)));
    if (options.signal?.aborted) throw new Error('stopped before it started');
  } catch (error) {
    await cluster.stop(2000);
    throw options.signal?.aborted ? new Error('stopped before it started') : error;
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
  return cluster;
}

function parseArgs(argv) {
  const args = { replicas: 1, gateways: 1, build: true, basePort: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer`);
      return n;
    };
    if (flag === '--replicas') args.replicas = value();
    else if (flag === '--gateways') args.gateways = value();
    else if (flag === '--base-port') args.basePort = value();
    else if (flag === '--no-build') args.build = false;
    else if (flag === '--help' || flag === '-h') args.help = true;
    else throw new Error(`unknown option ${flag} (see --help)`);
  }
  return args;
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
  if (args.help) {
    console.log('Usage: npm run cluster -- [--replicas N] [--gateways M] [--base-port P] [--no-build]');
    return;
  }
  const env = { ...process.env };
  if (existsSync(join(ROOT, '.env'))) process.loadEnvFile(join(ROOT, '.env'));
  Object.assign(env, process.env);
  const databaseUrl = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/gatehouse';
  const natsUrl = env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const basePort = args.basePort ?? Number(env.PORT ?? 8080);

  if (args.build) {
    if (!existsSync(join(ROOT, 'node_modules/.bin/nx'))) {
      const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit', env, cwd: ROOT });
      if (install.status !== 0) {
        console.error(`\nnpm ci failed (exit ${install.status}).`);
        process.exit(1);
      }
    }
    const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit', env, cwd: ROOT });
    if (build.status !== 0) {
      console.error(`\nThe build failed (exit ${build.status}).`);
      process.exit(1);
    }
  }
  try {
    await ensureDatabase(databaseUrl);
    await checkNats(natsUrl, env);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }

  let cluster;
  let stopping = false;
  const starting = new AbortController();
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping every instance (SIGTERM, graceful)...');
    if (!cluster) {
      // Still starting: stop what was started; startCluster then rejects and main() exits.
      starting.abort();
      return;
    }
    await cluster.stop();
    console.log('All instances stopped.');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  try {
    cluster = await startCluster({ replicas: args.replicas, gateways: args.gateways, basePort, env, databaseUrl, natsUrl, restart: true, signal: starting.signal });
  } catch (error) {
    console.error(stopping ? 'All instances stopped.' : `\nGatehouse did not start: ${error.message}`);
    process.exit(stopping ? 0 : 1);
  }
  const multiTenancy = (env.MULTI_TENANCY_ENABLED ?? 'false').toLowerCase() === 'true';
  console.log(`\nGatehouse is running at ${cluster.gatewayUrls[0].replace('127.0.0.1', 'localhost')}`);
  console.log(`  mode: distributed, ${args.replicas} instance(s) of each service, ${args.gateways} gateway(s)`);
  for (const url of cluster.gatewayUrls) console.log(`  ${'gateway'.padEnd(17)}${url}`);
  for (const i of cluster.instances.filter((x) => x.service !== 'gateway')) console.log(`  ${i.name.padEnd(17)}${i.healthUrl}`);
  console.log(`  multi-tenancy: ${multiTenancy ? 'on' : 'off'} | database: ${redact(databaseUrl)} | NATS: ${natsUrl}`);
  console.log(
    `  first run: curl -s -XPOST ${cluster.gatewayUrls[0]}/api/v1/setup -H 'content-type: application/json' -d '{"username":"admin@example.com","password":"<a strong password>"}'`,
  );
  console.log('  Ctrl-C stops every instance.\n');
}

module.exports = { startCluster, stopChild, waitReady, freePort, ensureDatabase, checkNats, BACKEND_SERVICES };

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
