import { QueryRunner } from 'typeorm';

/** An index a migration builds on a table that may already be big. */
export interface ConcurrentIndex {
  schema: string;
  name: string;
  /** What follows the index's name: `ON "schema".table [USING …] (…) [INCLUDE (…)] [WHERE …]`. */
  definition: string;
}

/**
 * Builds an index without blocking writes to its table. A plain CREATE INDEX holds off every write while
 * it builds (minutes at millions of rows, with the services' requests queued behind it); CONCURRENTLY
 * does not, but cannot run in a transaction, so the migration says `transaction = false`. An interrupted
 * build leaves an INVALID index behind that `IF NOT EXISTS` would take for done: it is dropped and built
 * again.
 */
export async function createIndexConcurrently(q: QueryRunner, index: ConcurrentIndex): Promise<void> {
  if (q.isTransactionActive) {
    throw new Error(`Index ${index.schema}.${index.name}: CREATE INDEX CONCURRENTLY cannot run in a transaction; give the migration \`transaction = false\``);
  }
  const [existing] = (await q.query(
    `SELECT i.indisvalid AS valid FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [index.schema, index.name],
  )) as Array<{ valid: boolean }>;
  if (existing?.valid) return;
  if (existing) await q.query(`DROP INDEX CONCURRENTLY "${index.schema}"."${index.name}"`);
  await q.query(`CREATE INDEX CONCURRENTLY "${index.name}" ${index.definition}`);
}

/** Drops an index without blocking reads and writes of its table (in a migration with `transaction = false`). */
export async function dropIndexConcurrently(q: QueryRunner, schema: string, name: string): Promise<void> {
  await q.query(`DROP INDEX CONCURRENTLY IF EXISTS "${schema}"."${name}"`);
}

/** In a migration without a transaction: statements that need one (an advisory transaction lock), in their own. */
export async function inOwnTransaction(q: QueryRunner, statements: string[]): Promise<void> {
  await q.startTransaction();
  try {
    for (const sql of statements) await q.query(sql);
    await q.commitTransaction();
  } catch (error) {
    await q.rollbackTransaction();
    throw error;
  }
}
