import { TOTAL_CAP } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { EntityManager } from 'typeorm';
import type { ConcurrentIndex } from './concurrent-index';

/**
 * Keyset pagination: a page continues after the last row of the previous one, `(sort key, id) > (its
 * values)`, which an index on (sort key, id) finds directly at any depth, where OFFSET reads and drops
 * every row before the page. The cursor carries the sort it belongs to, so it is refused with another.
 */
export interface Keyset {
  /** SQL expressions of the sort, most significant first, ending with the unique id. */
  columns: string[];
  dir: 'ASC' | 'DESC';
  /** The sort's name (field:dir): a cursor made for another sort is refused. */
  sort: string;
}

/** Values of the last row of a page, to continue after it. */
export function encodeCursor(keyset: Keyset, values: unknown[]): string {
  return Buffer.from(JSON.stringify({ s: keyset.sort, v: values })).toString('base64url');
}

/** The values a cursor continues after; 400 naming `cursor` for a cursor that is not one of this sort's. */
export function decodeCursor(keyset: Keyset, cursor: string): unknown[] {
  let decoded: { s?: unknown; v?: unknown } | undefined;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown; v?: unknown };
  } catch {
    decoded = undefined;
  }
  const values = decoded?.v;
  if (decoded?.s !== keyset.sort || !Array.isArray(values) || values.length !== keyset.columns.length || values.some((v) => typeof v !== 'string' && typeof v !== 'number')) {
    throw ProblemException.validation([{ field: 'cursor', message: 'cursor must be the next of a page of this list with the same sort' }]);
  }
  return values;
}

/**
 * The condition continuing after the cursor's values, given as `placeholders` (`$3`, `:k0`, one per
 * column): `(a, id) > ($3, $4)` ascending, `<` descending; an index on the columns serves it in order.
 */
export function keysetCondition(keyset: Keyset, placeholders: string[]): string {
  return `(${keyset.columns.join(', ')}) ${keyset.dir === 'ASC' ? '>' : '<'} (${placeholders.join(', ')})`;
}

/** `ORDER BY` of the keyset: every column in the sort's direction. */
export function keysetOrder(keyset: Keyset): string {
  return keyset.columns.map((c) => `${c} ${keyset.dir}`).join(', ');
}

/**
 * Counts the rows `select` (a SELECT, with `params`) returns, up to TOTAL_CAP: past it, the count stops
 * and says so, so a total never costs a scan of the whole table.
 */
export async function cappedCount(manager: EntityManager, select: string, params: unknown[]): Promise<{ total: number; totalCapped?: true }> {
  const [{ n }] = (await manager.query(cappedCountSql(select), params)) as Array<{ n: number }>;
  return capped(n);
}

/**
 * cappedCount's statement: `n`, the rows `select` returns counted up to TOTAL_CAP + 1 (TOTAL_CAP + 1 means more),
 * for a count written inside a bigger statement (a scalar subquery, correlated or not); `capped` reads `n`.
 */
export function cappedCountSql(select: string): string {
  return `SELECT count(*)::int AS n FROM (SELECT 1 FROM (${select}) counted LIMIT ${TOTAL_CAP + 1}) capped`;
}

/**
 * A page's total, counted (`count`) only when the page cannot tell it. A page read at an offset with one row
 * more than it shows (`fetched` rows, LIMIT size + 1) and no row past it ends the list: its total is the
 * offset plus its rows, the count would read the same matches again (a search's first page, most often). A
 * full page, a page after a cursor (the rows before it are not known) or an empty page past the first (the
 * list may end before its offset) are counted.
 */
export async function pageTotal(
  page: { offset: number; size: number },
  fetched: number,
  afterCursor: boolean,
  count: () => Promise<{ total: number; totalCapped?: true }>,
): Promise<{ total: number; totalCapped?: true }> {
  const endsHere = !afterCursor && fetched <= page.size && (fetched > 0 || page.offset === 0);
  return endsHere ? capped(page.offset + fetched) : count();
}

/** A count made up to TOTAL_CAP + 1 as a page's total: TOTAL_CAP and `totalCapped` past the cap. */
export function capped(n: number): { total: number; totalCapped?: true } {
  return n > TOTAL_CAP ? { total: TOTAL_CAP, totalCapped: true } : { total: n };
}

/**
 * Statements a migration runs before creating trigram indexes (substring search, `ILIKE '%x%'`): the
 * pg_trgm extension, once per database, in `public` so every service's schema can use its operator
 * classes (`public.gin_trgm_ops`); the lock keeps services migrating at once from racing to create it.
 */
export const TRIGRAM_EXTENSION_SQL = [
  `SELECT pg_advisory_xact_lock(hashtext('gatehouse:pg_trgm'))`,
  `CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public`,
];

/** A GIN trigram index on `table (column)`: ILIKE '%x%' on the column reads the index, not the table. */
export function trigramIndex(schema: string, table: string, column: string): ConcurrentIndex {
  return { schema, name: `${table}_${column}_trgm`, definition: `ON "${schema}".${table} USING gin (${column} public.gin_trgm_ops)` };
}

/** The same, as one statement in a migration's transaction: a table created with it, or migrations released before createIndexConcurrently. */
export function trigramIndexSql(schema: string, table: string, column: string): string {
  const index = trigramIndex(schema, table, column);
  return `CREATE INDEX IF NOT EXISTS ${index.name} ${index.definition}`;
}
