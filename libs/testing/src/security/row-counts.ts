import type { TestDbClient } from '../test-database';

const SERVICE_SCHEMAS = ['identity', 'tenancy', 'authorization', 'notification'];
/** Transport and bookkeeping tables: they move on their own (publishing, consumer dedupe, migrations). */
const TRANSPORT = /outbox|inbox|processed|migrations|idempotency|consumed/i;

/** Rows per domain table of every service (`schema.table` → count). */
export async function rowCounts(db: TestDbClient): Promise<Record<string, number>> {
  const { rows } = await db.query<{ table_schema: string; table_name: string }>(
    `SELECT table_schema, table_name FROM information_schema.tables
     WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE' ORDER BY 1, 2`,
    [SERVICE_SCHEMAS],
  );
  const tables = rows.filter((r) => !TRANSPORT.test(r.table_name)).map((r) => `"${r.table_schema}"."${r.table_name}"`);
  if (tables.length === 0) return {};
  const union = tables.map((t) => `SELECT '${t}' AS name, count(*)::int AS n FROM ${t}`).join(' UNION ALL ');
  const counts = await db.query<{ name: string; n: number }>(union);
  return Object.fromEntries(counts.rows.map((r) => [r.name, r.n]));
}

/** Row counts once they stop moving (events of earlier requests settle), within `timeoutMs`. */
export async function settledRowCounts(db: TestDbClient, timeoutMs = 5000): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  let previous = await rowCounts(db);
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const current = await rowCounts(db);
    if (JSON.stringify(current) === JSON.stringify(previous) || Date.now() > deadline) return current;
    previous = current;
  }
}

/** Tables whose row count differs between two snapshots. */
export function countChanges(before: Record<string, number>, after: Record<string, number>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((t) => before[t] !== after[t])
    .map((t) => `${t}: ${before[t] ?? 0} -> ${after[t] ?? 0}`);
}
