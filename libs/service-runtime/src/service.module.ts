import { BaseServiceEnv, GatehouseConfigModule } from '@gatehouse/config';
import { LoggingModule } from '@gatehouse/logging';
import { MessagingModule } from '@gatehouse/messaging';
import { DynamicModule, Module, Type } from '@nestjs/common';
import { HealthModule } from './health.module';

/**
 * The Postgres half of a service that owns a schema: `ownedSchema(...)` of @gatehouse/durable-events
 * builds it. Passed in rather than imported here, so that a process without a database (the gateway)
 * never loads TypeORM.
 */
export interface ServiceDatabase<E> {
  /** TypeORM on the service's own schema; its migrations run at start-up. */
  database: (service: string, env: E) => DynamicModule;
  /** The outbox, durable event consumers and audit recorder, on that schema. */
  events: (service: string, env: E) => DynamicModule;
}

export interface ServiceModuleOptions<E extends BaseServiceEnv> {
  /** Service name: NATS queue group and connection names, log `service`, Postgres application name and schema. */
  name: string;
  /** The validated environment, injectable by its class everywhere in the service. */
  envClass: Type<E>;
  env: E;
  /** A service that owns a Postgres schema: `ownedSchema({ entities, migrations })`. None for the gateway. */
  database?: ServiceDatabase<E>;
  /** On shutdown, how long /health/ready answers 503 while the process still serves (see ShutdownDelay). */
  shutdownDelayMs?: number;
}

/**
 * The infrastructure every Gatehouse service has alike: validated config, logging, its database and
 * durable events (if it owns a schema), NATS messaging and health. A service's app.module imports it
 * once, then lists only its own bounded contexts.
 */
@Module({})
export class ServiceModule {
  static forService<E extends BaseServiceEnv>(options: ServiceModuleOptions<E>): DynamicModule {
    const { name, env, envClass, database } = options;
    const imports: DynamicModule[] = [
      GatehouseConfigModule.forRoot(envClass, env),
      // Global: every context module may write through the root logger (e.g. the gateway's access log).
      { ...LoggingModule.forRoot({ service: name, level: env.LOG_LEVEL }), global: true },
      ...(database ? [database.database(name, env)] : []),
      MessagingModule.forRoot({ service: name, settings: env }),
      ...(database ? [database.events(name, env)] : []),
      HealthModule.forRoot({ database: !!database, shutdownDelayMs: options.shutdownDelayMs }),
    ];
    return { module: ServiceModule, imports, exports: imports };
  }
}
