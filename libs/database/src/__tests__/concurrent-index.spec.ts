import { DataSource } from 'typeorm';
import { createIndexConcurrently, dropIndexConcurrently, inOwnTransaction } from '../concurrent-index';
import { scratchDatabase } from './scratch-database';

describe('createIndexConcurrently against a real Postgres', () => {
  const scratch = scratchDatabase('cic');
  let db: DataSource;
  const index = { schema: 'public', name: 't_name_idx', definition: 'ON public.t (name)' };
  const state = async () =>
    (await db.query(`SELECT i.indisvalid AS valid FROM pg_index i WHERE i.indexrelid = to_regclass('public.t_name_idx')`)) as Array<{ valid: boolean }>;

  beforeAll(async () => {
    db = await new DataSource({ type: 'postgres', url: await scratch.create() }).initialize();
    await db.query(`CREATE TABLE t (id int PRIMARY KEY, name text)`);
    await db.query(`INSERT INTO t SELECT g, 'n' || g FROM generate_series(1, 1000) g`);
  }, 30_000);
  afterAll(async () => {
    await db?.destroy();
    await scratch.drop();
  });

  const withRunner = async (use: (q: ReturnType<DataSource['createQueryRunner']>) => Promise<void>) => {
    const q = db.createQueryRunner();
    try {
      await use(q);
    } finally {
      await q.release();
    }
  };

  it('builds the index, and a second run leaves it as it is', async () => {
    await withRunner((q) => createIndexConcurrently(q, index));
    expect(await state()).toEqual([{ valid: true }]);
    await withRunner((q) => createIndexConcurrently(q, index));
    expect(await state()).toEqual([{ valid: true }]);
  });

  it('rebuilds an index an interrupted build left INVALID (IF NOT EXISTS would have kept it)', async () => {
    await db.query(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'public.t_name_idx'::regclass`);
    expect(await state()).toEqual([{ valid: false }]);
    await withRunner((q) => createIndexConcurrently(q, index));
    expect(await state()).toEqual([{ valid: true }]);
  });

  it('names the index and the cure when its migration runs in a transaction', async () => {
    await withRunner(async (q) => {
      await q.startTransaction();
      await expect(createIndexConcurrently(q, index)).rejects.toThrow('public.t_name_idx: CREATE INDEX CONCURRENTLY cannot run in a transaction; give the migration `transaction = false`');
      await q.rollbackTransaction();
    });
  });

  it('drops it, and statements that need a transaction get their own', async () => {
    await withRunner((q) => dropIndexConcurrently(q, 'public', 't_name_idx'));
    expect(await state()).toEqual([]);
    await withRunner(async (q) => {
      await inOwnTransaction(q, [`SELECT pg_advisory_xact_lock(42)`, `INSERT INTO t VALUES (5000, 'x')`]);
      expect(q.isTransactionActive).toBe(false);
      await expect(inOwnTransaction(q, [`INSERT INTO t VALUES (5001, 'y')`, `INSERT INTO t VALUES (5001, 'dup')`])).rejects.toThrow(/duplicate key/);
    });
    expect(await db.query(`SELECT id FROM t WHERE id >= 5000 ORDER BY id`)).toEqual([{ id: 5000 }]);
  });
});
