import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates a database of its own for one test run (`<prefix>_<time>_<random>`) on the given server. */
export async function createTestDatabase(serverUrl: string, prefix = 'gatehouse_e2e'): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(serverUrl, name),
    drop: async () => {
      const client = new Client({ connectionString: withDatabase(serverUrl, 'postgres') });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A client on a test database, as `testDb` gives it. */
export type TestDbClient = Client;

/** Whose database a spec reaches: a system it started itself (`TestSystem`), else the e2e run's one. */
export interface HasTestDatabase {
  database: { url: string };
}

/** The URL of the e2e run's database (set by e2e/global-setup.ts), or of `system`'s. */
export function testDatabaseUrl(system?: HasTestDatabase): string {
  const url = system?.database.url ?? process.env.E2E_DATABASE_URL;
  if (!url) throw new Error('E2E_DATABASE_URL is not set: e2e specs run under the e2e global setup');
  return url;
}

/**
 * The one way an e2e spec reaches a test database: a connected client on the run's database (or on that
 * of a system the spec started). For reading what the services wrote (outboxes, audit rows), and for the
 * few tests that change rows behind the services' back (the state a change leaves when no service hears
 * of it); never for writing what a test then asserts through the API. End it, or use `withTestDb`.
 */
export async function testDb(system?: HasTestDatabase): Promise<TestDbClient> {
  const client = new Client({ connectionString: testDatabaseUrl(system) });
  await client.connect();
  return client;
}

/** Runs `use` with a client from `testDb(system)` and ends the client afterwards. */
export async function withTestDb<T>(use: (db: TestDbClient) => Promise<T>, system?: HasTestDatabase): Promise<T> {
  const db = await testDb(system);
  try {
    return await use(db);
  } finally {
    await db.end();
  }
}
