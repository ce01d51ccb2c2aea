import { EVENTS_STREAM } from '@gatehouse/contracts';
import { connect } from 'nats';
import type { TestDbClient } from '../test-database';

const SERVICE_SCHEMAS = ['identity', 'tenancy', 'authorization', 'notification'];

/**
 * The tables of the services' schemas (`schema.table`) with a row whose text holds `secret`: outboxes,
 * audit logs, delivery queues and logs alike. A secret that must never be stored gives `[]`.
 */
export async function tablesHolding(db: TestDbClient, secret: string): Promise<string[]> {
  const { rows: tables } = await db.query(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
      WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE' ORDER BY 1, 2`,
    [SERVICE_SCHEMAS],
  );
  const holding: string[] = [];
  for (const { schema, name } of tables as Array<{ schema: string; name: string }>) {
    const { rows } = await db.query(`SELECT 1 FROM "${schema}"."${name}" t WHERE strpos(t::text, $1) > 0 LIMIT 1`, [secret]);
    if (rows.length > 0) holding.push(`${schema}.${name}`);
  }
  return holding;
}

/** Every message of the events stream (GATEHOUSE_EVENTS) on `subject`, as the stream stores it, oldest first. */
export async function streamMessagesOn(natsUrl: string, subject: string): Promise<string[]> {
  const nc = await connect({ servers: natsUrl, name: 'e2e-stream-reader' });
  try {
    const consumer = await nc.jetstream().consumers.get(EVENTS_STREAM, { filterSubjects: subject });
    const { num_pending: pending, name } = await consumer.info();
    const messages: string[] = [];
    try {
      if (pending === 0) return messages;
      for await (const message of await consumer.fetch({ max_messages: pending, expires: 5000 })) {
        messages.push(message.string());
        if (message.info.pending === 0) break;
      }
      return messages;
    } finally {
      // Not left behind for the server to expire: it would still count the events that arrive meanwhile.
      await (await nc.jetstreamManager()).consumers.delete(EVENTS_STREAM, name).catch(() => undefined);
    }
  } finally {
    await nc.close();
  }
}
