import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently, dropIndexConcurrently } from '../concurrent-index';
import { dataSourceOptions, migrate } from '../database.module';
import { scratchDatabase } from './scratch-database';

class CreateTable1700000000000 implements MigrationInterface {
  name = 'CreateTable1700000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE replicas.t (id int PRIMARY KEY, name text)`);
    await q.query(`SELECT pg_sleep(0.5)`); // time for the second replica to come and wait for the lock
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE replicas.t`);
  }
}

class IndexConcurrently1700000000001 implements MigrationInterface {
  name = 'IndexConcurrently1700000000001';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await createIndexConcurrently(q, { schema: 'replicas', name: 't_name_idx', definition: 'ON replicas.t (name)' });
  }

  async down(q: QueryRunner): Promise<void> {
    await dropIndexConcurrently(q, 'replicas', 't_name_idx');
  }
}

describe('migrate: replicas starting together (real Postgres)', () => {
  const scratch = scratchDatabase('migrate');
  let url: string;
  const replicas: DataSource[] = [];

  beforeAll(async () => {
    url = await scratch.create();
  }, 30_000);
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.destroy().catch(() => undefined)));
    await scratch.drop();
  });

  const replica = async (name: string) => {
    const options = { url, schema: 'replicas', poolSize: 2, applicationName: name, entities: [], migrations: [CreateTable1700000000000, IndexConcurrently1700000000001] };
    const dataSource = await new DataSource(dataSourceOptions(options)).initialize();
    replicas.push(dataSource);
    return dataSource;
  };

  it('migrates once, the second replica waiting for the first, even when the first builds an index concurrently', async () => {
    const [first, second] = [await replica('first'), await replica('second')];
    const migrating = migrate(first, 'replicas');
    await new Promise((r) => setTimeout(r, 200));
    // A replica waiting inside pg_advisory_lock held a snapshot that CREATE INDEX CONCURRENTLY waits out,
    // while the first replica held the lock: neither ever finished (the e2e system's two authorization instances).
    await Promise.all([migrating, migrate(second, 'replicas')]);
    expect(await first.query(`SELECT name FROM replicas.migrations ORDER BY id`)).toEqual([{ name: 'CreateTable1700000000000' }, { name: 'IndexConcurrently1700000000001' }]);
    expect(await first.query(`SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'replicas.t_name_idx'::regclass`)).toEqual([{ valid: true }]);
  }, 15_000);
});
