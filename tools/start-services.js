#!/usr/bin/env node
// `npm run start:services`: the distributed topology. Installs what is missing, builds, checks Postgres
// and NATS, then runs every service and the gateway on this machine (one process each) and prints the
// URL. Ctrl-C stops them all. (`npm start` is local mode: tools/start.js.)
const { spawn, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const readline = require('node:readline');

const SERVICES = ['identity', 'tenancy', 'authorization', 'notification', 'gateway'];
const HEALTH = { identity: 8081, tenancy: 8082, authorization: 8083, notification: 8084 };
const env = { ...process.env };
if (existsSync('.env')) process.loadEnvFile('.env');
Object.assign(env, process.env);
const databaseUrl = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/gatehouse';
const natsUrl = env.NATS_URL ?? 'nats://127.0.0.1:4222';
const port = Number(env.PORT ?? 8080);
const HOW_TO_START = 'Start it with `docker compose up -d postgres nats`, or your system\'s service manager.';

function step(cmd, args, what) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`\n${what} failed (exit ${result.status}).`);
    process.exit(1);
  }
}

async function checkPostgres() {
  const { Client } = require('pg');
  const target = new URL(databaseUrl);
  const database = decodeURIComponent(target.pathname.slice(1)) || 'gatehouse';
  const server = new URL(databaseUrl);
  server.pathname = '/postgres';
  const client = new Client({ connectionString: server.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    console.error(`Cannot reach PostgreSQL at ${redact(server)} (${error.message}).\n${HOW_TO_START}`);
    process.exit(1);
  }
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount === 0) {
    await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    console.log(`Created database ${database}.`);
  }
  await client.end();
}

async function checkNats() {
  const { connect } = require('nats');
  try {
    const nc = await connect({ servers: natsUrl.split(','), timeout: 3000, user: env.NATS_USER, pass: env.NATS_PASSWORD });
    const jetstream = nc.info?.jetstream;
    await nc.close();
    if (!jetstream) {
      console.error(`NATS at ${natsUrl} has no JetStream; start nats-server with -js.`);
      process.exit(1);
    }
  } catch (error) {
    console.error(`Cannot reach NATS at ${natsUrl} (${error.message}).\n${HOW_TO_START}`);
    process.exit(1);
  }
}

function redact(url) {
  const copy = new URL(url);
  if (copy.password) copy.password = '***';
  return copy.toString();
}

async function waitReady(url, child, name) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} did not become ready at ${url}`);
}

async function main() {
  if (!existsSync('node_modules/.bin/nx')) step('npm', ['ci', '--no-audit', '--no-fund'], 'npm ci');
  step('npm', ['run', '--silent', 'build'], 'The build');
  await checkPostgres();
  await checkNats();

  const children = [];
  const stop = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  for (const name of SERVICES) {
    const child = spawn(process.execPath, [`dist/apps/${name}/src/main.js`], { env: { ...env, DATABASE_URL: databaseUrl, NATS_URL: natsUrl, ...(HEALTH[name] ? { HEALTH_PORT: String(HEALTH[name]) } : {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => console.log(`[${name.padEnd(13)}] ${line}`));
    }
    child.on('exit', (code, signal) => {
      console.log(`[${name.padEnd(13)}] exited (${signal ?? code})`);
      if (!children.every((c) => c.exitCode !== null || c.signalCode !== null)) stop();
    });
    children.push(child);
  }
  try {
    await Promise.all(
      SERVICES.map((name, i) =>
        waitReady(`http://127.0.0.1:${HEALTH[name] ?? port}/health/ready`, children[i], name),
      ),
    );
  } catch (error) {
    console.error(`\nGatehouse did not start: ${error.message}`);
    stop();
    process.exitCode = 1;
    return;
  }
  const multiTenancy = (env.MULTI_TENANCY_ENABLED ?? 'false').toLowerCase() === 'true';
  console.log(`\nGatehouse is running at http://localhost:${port}`);
  console.log('  mode: distributed (one process per service, NATS + PostgreSQL)');
  console.log(`  multi-tenancy: ${multiTenancy ? 'on' : 'off'} | database: ${redact(databaseUrl)} | NATS: ${natsUrl}`);
  console.log(`  first run: curl -s -XPOST http://localhost:${port}/api/v1/setup -H 'content-type: application/json' -d '{"username":"admin@example.com","password":"<a strong password>"}'`);
  console.log('  Ctrl-C stops every service.\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
