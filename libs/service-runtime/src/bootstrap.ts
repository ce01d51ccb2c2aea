import { BaseServiceEnv, loadConfigOrExit } from '@gatehouse/config';
import { DtoValidationPipe, ProblemExceptionFilter } from '@gatehouse/errors';
import { NatsClient, natsConnectionOptions } from '@gatehouse/messaging';
import { DynamicModule, INestApplication, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions, Transport } from '@nestjs/microservices';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IntrospectionModule } from './schema-introspection';
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
}

/**
 * Starts a Gatehouse service: NATS handlers in the service's queue group, plus a small HTTP port for
 * health checks. SIGTERM drains NATS subscriptions before the process exits.
 */
export async function bootstrapService(options: ServiceBootstrapOptions): Promise<INestApplication> {
  const root: DynamicModule = { module: ServiceRootModule, imports: [options.module, IntrospectionModule.forService(options.name)] };
  const app = await NestFactory.create<NestFastifyApplication>(root, new FastifyAdapter(), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.useGlobalPipes(new DtoValidationPipe());
  app.useGlobalFilters(new ProblemExceptionFilter());
  app.useGlobalInterceptors(new TraceContextInterceptor(), new IdempotencyInterceptor(app.get(NatsClient)));
  app.connectMicroservice<MicroserviceOptions>({
    transport: Transport.NATS,
    options: {
      ...natsConnectionOptions(options.env, options.name),
      queue: options.name,
      gracefulShutdown: true,
      gracePeriod: 1000,
    },
  }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(options.httpPort, options.httpHost);
  app.get(Logger).log(`${options.name} ready: NATS queue "${options.name}", health on http://${options.httpHost}:${options.httpPort}/health/ready`);
  return app;
}

/** A service's whole `main.ts`: validate the environment, then start; any start-up failure exits 1. */
export function runService<E extends BaseServiceEnv & { HEALTH_PORT: number }>(
  name: string,
  envClass: Type<E>,
  moduleFor: (env: E) => DynamicModule,
): void {
  const env = loadConfigOrExit(envClass);
  bootstrapService({ name, module: moduleFor(env), env, httpPort: env.HEALTH_PORT, httpHost: env.HTTP_HOST }).catch(
    (error: unknown) => {
      process.stderr.write(`${name} failed to start: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
