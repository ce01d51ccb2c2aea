import 'reflect-metadata';
import { BaseServiceEnv, EnvSources, loadConfigOrExit } from '@gatehouse/config';
import { EmbeddedDatabase, InProcessBroker, inProcessTransport } from '@gatehouse/local-transport';
import { ServiceDefinition, startSharedService } from '@gatehouse/service-runtime';
import { INestApplication } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
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
}

async function main(): Promise<void> {
  const local = loadConfigOrExit(LocalEnv);
  const dataDir = resolve(local.GATEHOUSE_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const started: Started = { services: [] };
  let stopping: Promise<void> | undefined;
  const stop = (code: number) => {
    stopping ??= (async () => {
      console.log('\nStopping Gatehouse (local mode)...');
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
    started.services = await Promise.all([start(IDENTITY_SERVICE), start(TENANCY_SERVICE), start(AUTHORIZATION_SERVICE), start(NOTIFICATION_SERVICE)]);
    const gatewayEnv = loadConfigOrExit(GatewayEnv, sources);
    started.gateway = await startGateway(gatewayEnv, { transport, shutdownHooks: false });
    const [, tenancy, , notification] = started.services;
    printBanner({
      url: `http://localhost:${gatewayEnv.PORT}`,
      dataDir,
      database: started.database.displayUrl,
      mailDir: notification.get(NOTIFICATION_SERVICE.envClass).MAIL_DIR,
      multiTenancy: tenancy.get(TENANCY_SERVICE.envClass).MULTI_TENANCY_ENABLED,
    });
  } catch (error) {
    if (!started.database && postgresLog.length > 0) console.error(postgresLog.slice(-20).join('\n'));
    console.error(`\nGatehouse (local mode) did not start: ${(error as Error).stack ?? String(error)}`);
    await stop(1);
  }
}

function printBanner(shown: { url: string; dataDir: string; database: string; mailDir: string; multiTenancy: boolean }): void {
  const path = (p: string) => (isAbsolute(p) && p.startsWith(`${process.cwd()}/`) ? relative(process.cwd(), p) : p);
  const { url } = shown;
  console.log(`\nGatehouse is running at ${url}`);
  console.log(`  mode: ${MODE} (every service in this process, pid ${process.pid})`);
  console.log(`  data: ${shown.dataDir} (postgres/, messaging/, mail/; kept across restarts, delete it to start over)`);
  console.log(`  database: ${shown.database} | emails: ${path(shown.mailDir)}`);
  console.log(`  multi-tenancy: ${shown.multiTenancy ? 'on' : 'off (MULTI_TENANCY_ENABLED=true npm start to create tenants)'} | console: ${url}/ui/ | API docs: ${url}/api/docs`);
  console.log(`  first run: curl -s -XPOST ${url}/api/v1/setup -H 'content-type: application/json' -d '{"username":"admin@example.com","password":"<a strong password>"}'`);
  console.log('  distributed topology (real NATS + Postgres, one process per service): npm run start:services, or docker compose up');
  console.log('  Ctrl-C stops.\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
