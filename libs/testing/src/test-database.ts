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

/** Runs statements on a test database directly: the state a change leaves when no service hears of it. */
export async function runSql(url: string, statements: Array<[string, unknown[]]>): Promise<void> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    for (const [sql, values] of statements) await db.query(sql, values);
  } finally {
    await db.end();
  }
}
