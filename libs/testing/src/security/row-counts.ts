import { EVENTS_STREAM } from '@gatehouse/contracts';
import { connect, JetStreamManager } from 'nats';
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

/** Events written by a service but not yet published to the stream, over every service's outbox. */
async function unpublishedEvents(db: TestDbClient): Promise<number> {
  const { rows } = await db.query<{ table_schema: string }>(
    `SELECT table_schema FROM information_schema.tables WHERE table_schema = ANY($1) AND table_name = 'outbox'`,
    [SERVICE_SCHEMAS],
  );
  if (rows.length === 0) return 0;
  const union = rows.map((r) => `SELECT count(*)::int AS n FROM "${r.table_schema}".outbox WHERE published_at IS NULL`).join(' UNION ALL ');
  return (await db.query<{ n: number }>(union)).rows.reduce((sum, r) => sum + r.n, 0);
}

/**
 * The services' consumers of the events stream (durable ones) that still have events to handle (not yet
 * delivered, or delivered and not acked). An ephemeral consumer is a test reading the stream, not a service.
 */
async function consumersBehind(jsm: JetStreamManager): Promise<string[]> {
  const behind: string[] = [];
  try {
    for await (const consumer of jsm.consumers.list(EVENTS_STREAM)) {
      if (consumer.config.durable_name && (consumer.num_pending > 0 || consumer.num_ack_pending > 0)) {
        behind.push(`${consumer.name}: ${consumer.num_pending} pending, ${consumer.num_ack_pending} unacked`);
      }
    }
  } catch (error) {
    // No stream yet: nothing was ever published, so nothing is in flight.
    if (/stream not found/i.test((error as Error).message)) return [];
    throw error;
  }
  return behind;
}

/**
 * Waits until the events of earlier requests have been handled: every outbox published and every
 * consumer of the events stream caught up. Counts that merely stood still for a moment are not that:
 * a consumer retrying with backoff, or a relay between polls, leaves them still for longer.
 */
async function eventsDrained(db: TestDbClient, natsUrl: string | undefined, deadline: number): Promise<void> {
  const nc = natsUrl ? await connect({ servers: natsUrl.split(','), timeout: 2000 }) : undefined;
  try {
    const jsm = await nc?.jetstreamManager({ timeout: 2000 });
    for (;;) {
      const waiting = await unpublishedEvents(db);
      const behind = jsm ? await consumersBehind(jsm) : [];
      if (waiting === 0 && behind.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`Events still in flight: ${waiting} unpublished; ${behind.join('; ') || 'consumers caught up'}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await nc?.close();
  }
}

/**
 * Row counts once the events of earlier requests have been handled and the counts stop moving, within
 * `timeoutMs`. The consumers are read from the system's NATS (`E2E_NATS_URL` unless given).
 */
export async function settledRowCounts(
  db: TestDbClient,
  { timeoutMs = 20_000, natsUrl = process.env.E2E_NATS_URL || undefined }: { timeoutMs?: number; natsUrl?: string } = {},
): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  await eventsDrained(db, natsUrl, deadline);
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
