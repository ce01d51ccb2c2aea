import { DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions, MixedList, EntitySchema } from 'typeorm';
import { DeadlineSubscriber } from './deadline.subscriber';
import { SnakeNamingStrategy } from './snake-naming.strategy';

export interface DatabaseOptions {
  url: string;
  /** The Postgres schema this service owns; no other service touches it. */
  schema: string;
  poolSize: number;
  applicationName: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: Function[];
}

export function dataSourceOptions(options: DatabaseOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    applicationName: options.applicationName,
    entities: options.entities,
    migrations: options.migrations,
    subscribers: [DeadlineSubscriber],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    namingStrategy: new SnakeNamingStrategy(),
    // JIT off: the services' statements are short, and a generic estimate past jit_above_cost (GET /tenants'
    // per-tenant counts at 10,000 tenants: 0.7 s of compiling for 80 ms of work) pays the compiler every call.
    extra: { max: options.poolSize, connectionTimeoutMillis: 5000, options: '-c jit=off' },
  };
}

/** How often a replica that finds another one migrating asks again for the lock. */
const MIGRATION_LOCK_POLL_MS = 100;

/**
 * Creates the schema and runs pending migrations while holding a Postgres advisory lock, so replicas
 * starting together migrate once and the others wait. They wait between statements, asking again
 * (pg_try_advisory_lock), never inside one: a replica blocked in pg_advisory_lock holds a snapshot, which
 * a CREATE INDEX CONCURRENTLY of the migrating replica waits out while that one holds the lock, a deadlock
 * Postgres does not detect.
 */
export async function migrate(dataSource: DataSource, schema: string): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    while (!((await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [`gatehouse:migrations:${schema}`])) as Array<{ locked: boolean }>)[0].locked) {
      await new Promise((r) => setTimeout(r, MIGRATION_LOCK_POLL_MS));
    }
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) {
      new Logger('Migrations').log(`${schema}: applied ${applied.map((m) => m.name).join(', ')}`);
    }
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`gatehouse:migrations:${schema}`]).catch(() => undefined);
    await runner.release();
  }
}

/** TypeORM for one service: its own schema and migrations table, migrations run at start-up. */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(options),
          dataSourceFactory: async (opts) => {
            const dataSource = await new DataSource(opts as DataSourceOptions).initialize();
            await migrate(dataSource, options.schema);
            return dataSource;
          },
        }),
      ],
    };
  }
}
