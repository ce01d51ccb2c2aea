import { DatabaseServiceEnv } from '@gatehouse/config';
import { DatabaseModule, DatabaseOptions } from '@gatehouse/database';
import { DynamicModule } from '@nestjs/common';
import { DurableEventsModule } from './durable-events.module';

export interface OwnedSchemaOptions {
  entities: DatabaseOptions['entities'];
  migrations: DatabaseOptions['migrations'];
  /** The Postgres schema; the service's name when left out. */
  schema?: string;
}

/**
 * The database part of `ServiceModule.forService` (@gatehouse/service-runtime) for a service that owns
 * a Postgres schema: TypeORM on that schema (pool size from DATABASE_POOL_SIZE, migrations run at
 * start-up), plus the outbox, durable consumers and audit recorder kept in it (OUTBOX_RETENTION_HOURS).
 */
export function ownedSchema(options: OwnedSchemaOptions): {
  database: (service: string, env: DatabaseServiceEnv) => DynamicModule;
  events: (service: string, env: DatabaseServiceEnv) => DynamicModule;
} {
  return {
    database: (service, env) =>
      DatabaseModule.forRoot({
        url: env.DATABASE_URL,
        schema: options.schema ?? service,
        poolSize: env.DATABASE_POOL_SIZE,
        applicationName: service,
        entities: options.entities,
        migrations: options.migrations,
      }),
    events: (service, env) =>
      DurableEventsModule.forRoot({ service, schema: options.schema ?? service, outboxRetentionHours: env.OUTBOX_RETENTION_HOURS }),
  };
}
