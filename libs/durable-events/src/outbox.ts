import { randomUUID } from 'node:crypto';
import { EventDefinition, EventEnvelope } from '@gatehouse/contracts';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JSONCodec } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import { ensureEventsStream, NatsClient } from '@gatehouse/messaging';
import { DURABLE_EVENTS_OPTIONS, DurableEventsOptions } from './durable-events.options';

const codec = JSONCodec();
const BATCH = 200;
const POLL_MS = 500;

/**
 * Transactional outbox: `add` writes an event in the caller's transaction; the relay publishes pending
 * rows to JetStream (msgID = event id, so a re-publish after a crash is deduplicated) and marks them
 * sent. `FOR UPDATE SKIP LOCKED` lets several instances relay side by side.
 */
@Injectable()
export class Outbox implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Outbox');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private streamReady?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly nats: NatsClient,
    @Inject(DURABLE_EVENTS_OPTIONS) private readonly options: DurableEventsOptions,
  ) {}

  async add<T>(manager: EntityManager, definition: EventDefinition<T>, data: T): Promise<EventEnvelope<T>> {
    const envelope: EventEnvelope<T> = {
      id: randomUUID(),
      subject: definition.subject,
      occurredAt: new Date().toISOString(),
      source: this.options.service,
      data,
    };
    await manager.query(`INSERT INTO "${this.options.schema}".outbox (id, subject, envelope) VALUES ($1, $2, $3)`, [
      envelope.id,
      envelope.subject,
      JSON.stringify(envelope),
    ]);
    return envelope;
  }

  /** Ask the relay to publish now (call after the transaction that added events has committed). */
  flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.relay().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.flush();
      }
    });
    return this.running;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), POLL_MS);
    this.timer.unref();
  }

  /** Before, not on, shutdown: TypeORM closes its pool in its own onApplicationShutdown, in parallel. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async relay(): Promise<void> {
    if (!this.nats.isReady() || !this.dataSource.isInitialized) return;
    try {
      let published = BATCH;
      while (published === BATCH && !this.stopped) published = await this.publishBatch();
    } catch (error) {
      this.logger.warn({ err: error }, 'Outbox relay failed; will retry');
    }
  }

  private async publishBatch(): Promise<number> {
    this.streamReady ??= this.nats.nc.jetstreamManager().then(ensureEventsStream).catch((error: unknown) => {
      this.streamReady = undefined;
      throw error;
    });
    await this.streamReady;
    const js = this.nats.nc.jetstream();
    return this.dataSource.transaction(async (manager) => {
      const rows: Array<{ seq: string; id: string; subject: string; envelope: EventEnvelope }> = await manager.query(
        `SELECT seq, id, subject, envelope FROM "${this.options.schema}".outbox
         WHERE published_at IS NULL ORDER BY seq LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
      );
      const published: string[] = [];
      let failure: unknown;
      for (const row of rows) {
        try {
          await js.publish(row.subject, codec.encode(row.envelope), { msgID: row.id });
        } catch (error) {
          failure = error;
          break;
        }
        published.push(row.seq);
      }
      // Mark what did reach the stream even when a later publish failed: re-publishing it after the
      // stream's duplicate window would hand consumers the same event twice.
      if (published.length > 0) {
        await manager.query(`UPDATE "${this.options.schema}".outbox SET published_at = now() WHERE seq = ANY($1::bigint[])`, [
          published,
        ]);
      }
      if (failure !== undefined) {
        this.logger.warn({ err: failure, published: published.length, pending: rows.length - published.length }, 'Outbox publish failed; will retry');
        return 0;
      }
      return rows.length;
    });
  }
}
