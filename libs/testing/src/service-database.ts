import { dataSourceOptions, DatabaseOptions, migrate } from '@gatehouse/database';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from './test-database';

/** The Postgres server unit specs create their databases on (the e2e default). */
export const UNIT_POSTGRES_URL = process.env.E2E_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ServiceDatabase {
  /** Initialised, with the service's migrations applied. */
  dataSource: DataSource;
  database: TestDatabase;
  /** What DatabaseModule.forRoot takes to reach the same database (for a Nest testing module). */
  options: DatabaseOptions;
  /** Closes the connections and drops the database. */
  drop(): Promise<void>;
}

/**
 * For unit specs of code that talks to Postgres: a database of its own (`gatehouse_unit_<schema>_...`,
 * dropped by `drop()`), with one service's schema migrated exactly as the service migrates at start-up.
 */
export async function createServiceDatabase(
  service: Pick<DatabaseOptions, 'schema' | 'entities' | 'migrations'>,
): Promise<ServiceDatabase> {
  const database = await createTestDatabase(UNIT_POSTGRES_URL, `gatehouse_unit_${service.schema}`);
  const options: DatabaseOptions = { ...service, url: database.url, poolSize: 4, applicationName: `unit-${service.schema}` };
  let dataSource: DataSource | undefined;
  try {
    dataSource = await new DataSource(dataSourceOptions(options)).initialize();
    await migrate(dataSource, service.schema);
  } catch (error) {
    await dataSource?.destroy().catch(() => undefined);
    await database.drop();
    throw error;
  }
  const ready = dataSource;
  return {
    dataSource: ready,
    database,
    options,
    drop: async () => {
      if (ready.isInitialized) await ready.destroy();
      await database.drop();
    },
  };
}
