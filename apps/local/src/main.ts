import 'reflect-metadata';
import { BaseServiceEnv, EnvSources, loadConfigOrExit } from '@gatehouse/config';
import { OPERATOR_SOCKET_FILE } from '@gatehouse/contracts';
import { EmbeddedDatabase, InProcessBroker, inProcessTransport, OperatorRelay } from '@gatehouse/local-transport';
import { ServiceDefinition, startSharedService } from '@gatehouse/service-runtime';
import { INestApplication } from '@nestjs/common';
import { chmodSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { AUTHORIZATION_SERVICE } from '../../authorization/src/service';
import { startGateway } from '../../gateway/src/gateway';
import { GatewayEnv } from '../../gateway/src/gateway.env';
import { IDENTITY_SERVICE } from '../../identity/src/service';
import { NOTIFICATION_SERVICE } from '../../notification/src/service';
import { TENANCY_SERVICE } from '../../tenancy/src/service';
import { LocalEnv } from './local.env';

/**
 * Local mode (`npm start`, through tools/start.js which builds first): every service and the gateway
 * in this one process, on an embedded PostgreSQL and libs/local-transport's in-process transport, so a
 * machine with nothing but Node runs the whole system. The only app allowed to import other apps, and
 * only their entry points (eslint.config.mjs); the distributed topology is each app's own main.ts.
 */
const MODE = 'local: embedded Postgres + in-process messaging';

interface Started {
  database?: EmbeddedDatabase;
  broker?: InProcessBroker;
  services: INestApplication[];
  gateway?: INestApplication;
  operator?: OperatorRelay;
}

const SERVICES = [IDENTITY_SERVICE, TENANCY_SERVICE, AUTHORIZATION_SERVICE, NOTIFICATION_SERVICE] as const;

async function main(): Promise<void> {
  const local = loadConfigOrExit(LocalEnv);
  const dataDir = resolve(local.GATEHOUSE_DATA_DIR);
  prepareDataDir(dataDir);
  const started: Started = { services: [] };
  let stopping: Promise<void> | undefined;
  const stop = (code: number) => {
    stopping ??= (async () => {
      console.log('\nStopping Gatehouse (local mode)...');
      await started.operator?.close().catch((error: Error) => console.error(`operator socket: ${error.message}`));
      await started.gateway?.close().catch((error: Error) => console.error(`gateway: ${error.message}`));
      await Promise.all(started.services.map((app) => app.close().catch((error: Error) => console.error(error.message))));
      started.broker?.close();
      await started.database?.stop();
      process.exit(code);
    })();
    return stopping;
  };
  process.on('SIGINT', () => (stopping ? process.exit(130) : void stop(0)));
  process.on('SIGTERM', () => (stopping ? process.exit(143) : void stop(0)));

  const postgresLog: string[] = [];
  try {
    started.database = await EmbeddedDatabase.start({
      dir: join(dataDir, 'postgres'),
      database: 'gatehouse',
      port: local.LOCAL_POSTGRES_PORT,
      log: (line) => postgresLog.push(line),
    });
    const sources: EnvSources = {
      defaults: { HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'warn', MAIL_DIR: join(dataDir, 'mail') },
      overrides: { DATABASE_URL: started.database.url },
    };
    started.broker = new InProcessBroker({ storeDir: join(dataDir, 'messaging') });
    // The one place local mode chooses its transport: handed to each service and the gateway, which
    // provide it to their NatsClient and (services) serve their handlers on it.
    const transport = inProcessTransport(started.broker);
    const start = <E extends BaseServiceEnv>(service: ServiceDefinition<E>) => startSharedService(service, transport, sources);
    const [identity, tenancy, authorization, notification] = SERVICES;
    started.services = await Promise.all([start(identity), start(tenancy), start(authorization), start(notification)]);
    const gatewayEnv = loadConfigOrExit(GatewayEnv, sources);
    started.gateway = await startGateway(gatewayEnv, { transport, shutdownHooks: false });
    const operator = await openOperatorSocket(started.broker, join(dataDir, OPERATOR_SOCKET_FILE));
    if (operator instanceof OperatorRelay) started.operator = operator;
    const [, tenancyApp, , notificationApp] = started.services;
    printBanner({
      url: `http://localhost:${gatewayEnv.PORT}`,
      dataDir,
      database: started.database.displayUrl,
      mailDir: notificationApp.get(notification.envClass).MAIL_DIR,
      multiTenancy: tenancyApp.get(tenancy.envClass).MULTI_TENANCY_ENABLED,
      operator,
    });
  } catch (error) {
    if (!started.database && postgresLog.length > 0) console.error(postgresLog.slice(-20).join('\n'));
    console.error(`\nGatehouse (local mode) did not start: ${(error as Error).stack ?? String(error)}`);
    await stop(1);
  }
}

/**
 * The data folder holds the database, the message store and the emails (password-reset links): owner
 * only. As root, Postgres runs as the `postgres` user, which must still reach its own folder in it, so
 * others keep the search bit (they still cannot list it, nor use the operator socket, itself 0600).
 */
function prepareDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, userInfo().uid === 0 ? 0o711 : 0o700);
}

/**
 * The operator socket (`<data>/operator.sock`, owner only): the CLI's operator commands reach the
 * services through it on this host, as they reach them over NATS in the distributed topology. Without
 * it local mode still runs; the banner says why it is missing.
 */
async function openOperatorSocket(broker: InProcessBroker, path: string): Promise<OperatorRelay | string> {
  try {
    const connection = await broker.connect({ name: 'operator-socket', inboxPrefix: '_INBOX_cli' });
    return await OperatorRelay.listen({ path, connection, services: SERVICES.map((service) => service.name) });
  } catch (error) {
    return (error as Error).message;
  }
}

function printBanner(shown: {
  url: string; dataDir: string; database: string; mailDir: string; multiTenancy: boolean;
  /** The operator socket, or why it is not there. */
  operator: OperatorRelay | string;
}): void {
  const path = (p: string) => (isAbsolute(p) && p.startsWith(`${process.cwd()}/`) ? relative(process.cwd(), p) : p);
  const { url } = shown;
  console.log(`\nGatehouse is running at ${url}`);
  console.log(`  mode: ${MODE} (every service in this process, pid ${process.pid})`);
  console.log(`  data: ${shown.dataDir} (postgres/, messaging/, mail/; kept across restarts, delete it to start over)`);
  console.log(`  database: ${shown.database} | emails: ${path(shown.mailDir)}`);
  console.log(`  multi-tenancy: ${shown.multiTenancy ? 'on' : 'off (MULTI_TENANCY_ENABLED=true npm start to create tenants)'} | console: ${url}/ui/ | API docs: ${url}/api/docs`);
  console.log(shown.operator instanceof OperatorRelay
    ? `  operator commands (gatehouse auths users create|sync-access|set-superadmin, tenants create): on this host, as this user, through ${path(shown.operator.path)}`
    : `  operator commands: not available (${shown.operator})`);
  console.log(`  first run: curl -s -XPOST ${url}/api/v1/setup -H 'content-type: application/json' -d '{"username":"admin@example.com","password":"<a strong password>"}'`);
  console.log('  distributed topology (real NATS + Postgres, one process per service): npm run start:services, or docker compose up');
  console.log('  Ctrl-C stops.\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
