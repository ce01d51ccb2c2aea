import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * Migrations from this one on build indexes on tables that already exist with createIndexConcurrently
 * (libs/database/src/concurrent-index.ts): a plain CREATE INDEX blocks every write to the table while it
 * builds, which on a large install holds up the services' requests for minutes during an upgrade. The
 * migrations before it were released already; they keep what they did.
 */
const FIRST_CHECKED = 1766700000000;

interface MigrationFile {
  path: string;
  source: string;
}

function checkedMigrations(): MigrationFile[] {
  const files: MigrationFile[] = [];
  for (const app of readdirSync(join(ROOT, 'apps'))) {
    const dir = join(ROOT, 'apps', app, 'src', 'migrations');
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const timestamp = Number(/^(\d{13})-/.exec(name)?.[1]);
      if (timestamp >= FIRST_CHECKED) files.push({ path: `apps/${app}/src/migrations/${name}`, source: readFileSync(join(dir, name), 'utf8') });
    }
  }
  return files;
}

/** Indexes a migration builds with one blocking statement, on a table it did not create itself. */
export function blockingIndexBuilds(source: string): string[] {
  const created = new Set([...source.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?([\w".]+)/gi)].map((m) => m[1].replace(/"/g, '')));
  const blocking: string[] = [];
  for (const m of source.matchAll(/CREATE (?:UNIQUE )?INDEX (?!CONCURRENTLY)(?:IF NOT EXISTS )?([\w"]+)\s+ON\s+(?:ONLY\s+)?([\w".]+)/gi)) {
    if (!created.has(m[2].replace(/"/g, ''))) blocking.push(`${m[1]} on ${m[2]}`);
  }
  if (/trigramIndexSql\(/.test(source)) blocking.push('trigramIndexSql (use createIndexConcurrently with trigramIndex)');
  return blocking;
}

describe('migrations build indexes on existing tables without blocking writes', () => {
  const migrations = checkedMigrations();

  it('finds the migrations it checks', () => {
    expect(migrations.length).toBeGreaterThanOrEqual(4);
  });

  it('builds no index on an existing table with a blocking statement', () => {
    const blocking = migrations.flatMap((m) => blockingIndexBuilds(m.source).map((build) => `${m.path}: ${build}`));
    expect(blocking).toEqual([]);
  });

  it('runs each migration that builds or drops concurrently without a transaction, which CONCURRENTLY needs', () => {
    const inTransaction = migrations.filter((m) => /(create|drop)IndexConcurrently\(/.test(m.source) && !/^\s*transaction = false;$/m.test(m.source)).map((m) => m.path);
    expect(inTransaction).toEqual([]);
  });

  it('tells a blocking build from a concurrent one and from an index on a table made in the same migration', () => {
    expect(blockingIndexBuilds(`CREATE INDEX x_idx ON "authorization".bindings (a)`)).toEqual(['x_idx on "authorization".bindings']);
    expect(blockingIndexBuilds(`CREATE UNIQUE INDEX IF NOT EXISTS x_idx ON notification.deliveries (a) WHERE b`)).toEqual(['x_idx on notification.deliveries']);
    expect(blockingIndexBuilds(`CREATE INDEX CONCURRENTLY "x_idx" ON t (a)`)).toEqual([]);
    expect(blockingIndexBuilds(`CREATE TABLE notification.things (a int); CREATE INDEX things_a ON notification.things (a)`)).toEqual([]);
    expect(blockingIndexBuilds(`await q.query(trigramIndexSql('tenancy', 'tenants', 'id'))`)).toHaveLength(1);
  });
});
