import { randomUUID } from 'node:crypto';
import { EventDefinition, EventEnvelope } from '@gatehouse/contracts';
import { TestDbClient } from '@gatehouse/testing';

/**
 * Writes a domain event into a producer's outbox table, exactly as `Outbox.add` does; the producer's
 * relay publishes it to JetStream. Lets the notification suites drive the pipeline without the
 * producers' HTTP routes.
 */
export async function emitOutboxEvent<T>(
  db: TestDbClient,
  schema: 'identity' | 'authorization',
  definition: EventDefinition<T>,
  data: T,
  options: { eventId?: string } = {},
): Promise<EventEnvelope<T>> {
  const envelope: EventEnvelope<T> = {
    id: options.eventId ?? randomUUID(),
    subject: definition.subject,
    occurredAt: new Date().toISOString(),
    source: schema,
    data,
  };
  // the outbox row id is JetStream's msgID; a second row with the same envelope id is a redelivery
  await db.query(`INSERT INTO "${schema}".outbox (id, subject, envelope) VALUES ($1, $2, $3)`, [
    options.eventId ? randomUUID() : envelope.id,
    envelope.subject,
    JSON.stringify(envelope),
  ]);
  return envelope;
}

/** Polls `probe` until it returns a truthy value. */
export async function eventually<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
