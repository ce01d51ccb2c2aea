import { EVENTS_STREAM, EventEnvelope } from '@gatehouse/contracts';
import { ensureEventsStream, NatsClient } from '@gatehouse/messaging';
import { createServiceDatabase, ServiceDatabase, startTestNats, TestNats } from '@gatehouse/testing';
import { Logger } from '@nestjs/common';
import { JSONCodec } from 'nats';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { eventRetentionIndexesSql, outboxTablesSql } from '../outbox.migration';
import { idempotencyRecordsSql } from '../idempotency-ledger';
import { DurableEventsOptions } from '../durable-events.options';

export const SCHEMA = 'durable_unit';
const codec = JSONCodec();

/** A service schema as every service's first migration makes it, plus a table handlers write to. */
class DurableUnitSchema1000000000000 implements MigrationInterface {
  name = 'DurableUnitSchema1000000000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of [...outboxTablesSql(SCHEMA), ...eventRetentionIndexesSql(SCHEMA), ...idempotencyRecordsSql(SCHEMA)]) await q.query(sql);
    await q.query(`CREATE TABLE "${SCHEMA}".effects (event_id uuid NOT NULL, label text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
  }

  async down(): Promise<void> {
    // never reverted: the database is dropped
  }
}

export interface DurableEventsWorld {
  db: ServiceDatabase;
  nats: TestNats;
  client: NatsClient;
  options: DurableEventsOptions;
  /** Every event in the stream, oldest first. */
  streamEvents(): Promise<EventEnvelope[]>;
  purgeStream(): Promise<void>;
  close(): Promise<void>;
}

/** Real Postgres (a database of its own) and a private nats-server with JetStream, for one spec file. */
export async function openWorld(): Promise<DurableEventsWorld> {
  Logger.overrideLogger(['fatal']);
  const [dbResult, natsResult] = await Promise.allSettled([
    createServiceDatabase({ schema: SCHEMA, entities: [], migrations: [DurableUnitSchema1000000000000] }),
    startTestNats('nats://127.0.0.1:4222'),
  ]);
  if (dbResult.status === 'rejected' || natsResult.status === 'rejected') {
    if (dbResult.status === 'fulfilled') await dbResult.value.drop();
    if (natsResult.status === 'fulfilled') await natsResult.value.stop();
    throw dbResult.status === 'rejected' ? dbResult.reason : (natsResult as PromiseRejectedResult).reason;
  }
  const [db, nats] = [dbResult.value, natsResult.value];
  const client = new NatsClient();
  await client.connect({ servers: nats.url, name: 'durable-events-unit' });
  const jsm = await client.nc.jetstreamManager();
  await ensureEventsStream(jsm);
  return {
    db,
    nats,
    client,
    options: { service: 'unit', schema: SCHEMA, outboxRetentionHours: 1 },
    streamEvents: async () => {
      const { state } = await jsm.streams.info(EVENTS_STREAM);
      const events: EventEnvelope[] = [];
      for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
        const message = await jsm.streams.getMessage(EVENTS_STREAM, { seq }).catch(() => null);
        if (message) events.push(codec.decode(message.data) as EventEnvelope);
      }
      return events;
    },
    purgeStream: async () => {
      await jsm.streams.purge(EVENTS_STREAM);
    },
    close: async () => {
      await client.onApplicationShutdown();
      await Promise.all([db.drop(), nats.stop()]);
    },
  };
}

/** Polls `probe` until it returns true (or fails after `timeoutMs`). */
export async function eventually(probe: () => Promise<boolean> | boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
