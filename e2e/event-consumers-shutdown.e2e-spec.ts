import { randomUUID } from 'node:crypto';
import { event, EventEnvelope } from '@gatehouse/contracts';
import { EventConsumers, outboxTablesSql } from '@gatehouse/durable-events';
import { NatsClient } from '@gatehouse/messaging';
import { testDatabaseUrl, testDb, TestDbClient } from '@gatehouse/testing';
import { Logger } from '@nestjs/common';
import { JSONCodec } from 'nats';
import { DataSource } from 'typeorm';

const codec = JSONCodec<EventEnvelope>();
const EVENTS = 150;

/**
 * An instance stopping while events are buffered (pulled but not yet handled) must still stop at once,
 * and hand those events back so that another instance handles each exactly once. On real NATS
 * JetStream and Postgres.
 */
describe('event consumers at shutdown', () => {
  let db: TestDbClient;
  const schema = `consumers_${randomUUID().slice(0, 8)}`;
  const service = `shutdown-test-${randomUUID().slice(0, 8)}`;
  const definition = event<{ n: number }>(`events.test.${service}`);
  const nats = new NatsClient();
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await testDb();
    await db.query(`CREATE SCHEMA "${schema}"`);
    for (const sql of outboxTablesSql(schema)) await db.query(sql);
    dataSource = await new DataSource({ type: 'postgres', url: testDatabaseUrl() }).initialize();
    await nats.connect({ servers: process.env.E2E_NATS_URL });
  });
  afterAll(async () => {
    await nats.onApplicationShutdown();
    await dataSource?.destroy();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db?.end();
  });

  function consumers(handled: number[]): EventConsumers {
    const instance = new EventConsumers(nats, { service, schema, outboxRetentionHours: 1 }, dataSource);
    instance.on(definition, 'slow', async (data) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      handled.push(data.n);
    });
    return instance;
  }

  it('stops without waiting out its bound, and every buffered event is handled once, by the next instance', async () => {
    const warnings = jest.spyOn(Logger.prototype, 'warn');
    const first: number[] = [];
    const stopping = consumers(first);
    await stopping.onApplicationBootstrap();
    const js = nats.nc.jetstream();
    for (let n = 0; n < EVENTS; n++) {
      const envelope: EventEnvelope = { id: randomUUID(), subject: definition.subject, occurredAt: new Date().toISOString(), source: service, data: { n } };
      await js.publish(definition.subject, codec.encode(envelope), { msgID: envelope.id });
    }
    while (first.length < 5) await new Promise((resolve) => setTimeout(resolve, 5));

    await stopping.beforeApplicationShutdown();
    expect(first.length).toBeLessThan(EVENTS); // it stopped with events still pulled or pending
    expect(warnings.mock.calls.filter((args) => args.some((arg) => String(arg).includes('still busy')))).toEqual([]);
    warnings.mockRestore();

    const second: number[] = [];
    const next = consumers(second);
    await next.onApplicationBootstrap();
    const deadline = Date.now() + 30_000;
    while (first.length + second.length < EVENTS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await next.beforeApplicationShutdown();

    expect([...first, ...second].sort((a, b) => a - b)).toEqual([...Array(EVENTS).keys()]);
    const recorded = await db.query(`SELECT count(*)::int AS n FROM "${schema}".processed_events`);
    expect(recorded.rows[0].n).toBe(EVENTS);
  }, 60_000);
});
