import { BaseServiceEnv, EnvSources, loadConfigOrExit } from '@gatehouse/config';
import { DtoValidationPipe, ProblemExceptionFilter } from '@gatehouse/errors';
import {
  IDEMPOTENCY_LEDGER,
  IdempotencyLedger,
  MessagingTransport,
  MessagingTransportModule,
  NATS_TRANSPORT,
  NatsClient,
  natsConnectionOptions,
} from '@gatehouse/messaging';
import { DynamicModule, INestApplication, Module, NestInterceptor, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { DatabaseUnavailableInterceptor } from './database-unavailable.interceptor';
import { DrainingNatsServer, InFlightRequests } from './draining-nats-server';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IntrospectionModule } from './schema-introspection';
import { ReplySerializer } from './reply-serializer';
import { TraceContextInterceptor } from './trace-context.interceptor';

/** Root of every service: the service's own module plus what each service serves alike. */
@Module({})
class ServiceRootModule {}

export interface ServiceBootstrapOptions {
  /** Service name: also the NATS queue group, so N instances share the work. */
  name: string;
  module: DynamicModule;
  env: BaseServiceEnv;
  httpPort: number;
  httpHost: string;
  /**
   * How this process reaches the others, provided to every NatsClient (MESSAGING_TRANSPORT) and, when
   * it has a `server`, serving the handlers: NATS_TRANSPORT (runService), or local mode's
   * `inProcessTransport(broker)` (libs/local-transport, from apps/local).
   */
  transport: MessagingTransport;
  /**
   * Local mode: one of several services of this process. No HTTP port, and signals are left to the
   * launcher, which stops every service of the process in order.
   */
  sharedProcess?: boolean;
  /**
   * The service's own interceptors around its handlers (authorization's record of the grant guard's refusals),
   * providers of its module; innermost, inside the idempotency interceptor: they see a keyed request once, not
   * again on each replay of its stored outcome.
   */
  interceptors?: Array<Type<NestInterceptor>>;
}

/** How long SIGTERM waits for in-flight NATS requests to be answered before the connection closes. */
const DRAIN_TIMEOUT_MS = 8000;

/**
 * Starts a Gatehouse service: NATS handlers in the service's queue group, plus a small HTTP port for
 * health checks. SIGTERM drains NATS subscriptions before the process exits.
 */
export async function bootstrapService(options: ServiceBootstrapOptions): Promise<INestApplication> {
  const root: DynamicModule = {
    module: ServiceRootModule,
    imports: [MessagingTransportModule.use(options.transport), options.module, IntrospectionModule.forService(options.name)],
  };
  const app = await NestFactory.create<NestFastifyApplication>(root, new FastifyAdapter(), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  if (!options.sharedProcess) app.enableShutdownHooks();
  app.useGlobalPipes(new DtoValidationPipe());
  app.useGlobalFilters(new ProblemExceptionFilter());
  const inFlight = new InFlightRequests();
  // Outside the idempotency interceptor: a database that cannot be reached, for its record too, is a 503 (never recorded).
  app.useGlobalInterceptors(
    inFlight,
    new TraceContextInterceptor(),
    new DatabaseUnavailableInterceptor(),
    new IdempotencyInterceptor(app.get(NatsClient), ledgerOf(app)),
    ...(options.interceptors ?? []).map((type) => app.get(type, { strict: false })),
  );
  const natsOptions = {
    ...natsConnectionOptions(options.env, options.name),
    queue: options.name,
    gracefulShutdown: true,
    gracePeriod: 1000,
    serializer: new ReplySerializer(),
  };
  app.connectMicroservice<MicroserviceOptions>(
    { strategy: options.transport.server ? options.transport.server(natsOptions) : new DrainingNatsServer(natsOptions, inFlight, DRAIN_TIMEOUT_MS) },
    { inheritAppConfig: true },
  );
  // A hybrid app subscribes its handlers in startAllMicroservices but runs onModuleInit hooks (read
  // models, caches, consumers) only in init(): init first, or a new replica joining a busy queue group
  // answers from empty state (e.g. "This tenant does not exist").
  await app.init();
  await app.startAllMicroservices();
  inFlight.answerProbes(app.get(NatsClient), options.name);
  if (options.sharedProcess) {
    await app.init();
    app.get(Logger).log(`${options.name} ready: ${options.transport.name} queue "${options.name}"`);
    return app;
  }
  await app.listen(options.httpPort, options.httpHost);
  app.get(Logger).log(`${options.name} ready: NATS queue "${options.name}", health on http://${options.httpHost}:${options.httpPort}/health/ready`);
  return app;
}

/** The service's own idempotency record, when it owns a database (the gateway has none). */
function ledgerOf(app: INestApplication): IdempotencyLedger | undefined {
  try {
    return app.get<IdempotencyLedger>(IDEMPOTENCY_LEDGER, { strict: false });
  } catch {
    return undefined;
  }
}

/**
 * What a service is, for whoever starts it: its name (also its NATS queue group), its environment class
 * and its root module. Each app exports one from `src/service.ts`; its `main.ts` runs it on NATS
 * (runService), local mode (apps/local) runs all of them in one process (startSharedService).
 */
export interface ServiceDefinition<E extends BaseServiceEnv = BaseServiceEnv> {
  name: string;
  envClass: Type<E>;
  module: (env: E) => DynamicModule;
  /** Its own interceptors around its handlers (ServiceBootstrapOptions.interceptors). */
  interceptors?: Array<Type<NestInterceptor>>;
}

/** A service's whole `main.ts`: validate the environment, then start on NATS; any start-up failure exits 1. */
export function runService<E extends BaseServiceEnv & { HEALTH_PORT: number }>(service: ServiceDefinition<E>): void {
  const env = loadConfigOrExit(service.envClass);
  bootstrapService({ ...startOf(service, env), httpPort: env.HEALTH_PORT, httpHost: env.HTTP_HOST, transport: NATS_TRANSPORT }).catch(
    (error: unknown) => {
      process.stderr.write(`${service.name} failed to start: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}

/**
 * Starts `service` as one of several services of this process (local mode) over `transport`: no HTTP
 * port, and signals are left to the launcher, which stops the services in order.
 */
export function startSharedService<E extends BaseServiceEnv>(
  service: ServiceDefinition<E>,
  transport: MessagingTransport,
  sources: EnvSources = {},
): Promise<INestApplication> {
  const env = loadConfigOrExit(service.envClass, sources);
  return bootstrapService({ ...startOf(service, env), httpPort: 0, httpHost: '127.0.0.1', transport, sharedProcess: true });
}

function startOf<E extends BaseServiceEnv>(service: ServiceDefinition<E>, env: E): Pick<ServiceBootstrapOptions, 'name' | 'module' | 'env' | 'interceptors'> {
  return { name: service.name, module: service.module(env), env, interceptors: service.interceptors };
}
