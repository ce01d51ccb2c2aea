import { randomUUID } from 'node:crypto';
import { EventDefinition, EventEnvelope } from '@gatehouse/contracts';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JSONCodec } from 'nats';
import {
  DataSource, EntityManager, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent, TransactionStartEvent,
} from 'typeorm';
import { ensureEventsStream, idempotentRun, NatsClient } from '@gatehouse/messaging';
import { DURABLE_EVENTS_OPTIONS, DurableEventsOptions } from './durable-events.options';
import { PostgresIdempotencyLedger } from './idempotency-ledger';

const codec = JSONCodec();
const BATCH = 200;
const POLL_MS = 500;

type PendingEvent = { id: string; subject: string; envelope: string };

/**
 * Transactional outbox: `add` writes an event in the caller's transaction; the relay publishes pending
 * rows to JetStream (msgID = event id, so a re-publish after a crash is deduplicated) and marks them
 * sent. `FOR UPDATE SKIP LOCKED` lets several instances relay side by side.
 *
 * Within a transaction the events are held and written by one statement just before it commits (a
 * TypeORM subscriber): a change that records an account, its confirmation link and two audit entries
 * makes one round trip to the outbox instead of four. A rollback drops them; a nested transaction
 * (savepoint) writes what came before it first, so rolling back to it drops only its own.
 */
@Injectable()
export class Outbox implements OnApplicationBootstrap, BeforeApplicationShutdown, EntitySubscriberInterface {
  private readonly logger = new Logger('Outbox');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private streamReady?: Promise<void>;

  private readonly held = new WeakMap<QueryRunner, PendingEvent[]>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly nats: NatsClient,
    @Inject(DURABLE_EVENTS_OPTIONS) private readonly options: DurableEventsOptions,
    private readonly ledger: PostgresIdempotencyLedger,
  ) {
    dataSource.subscribers.push(this);
  }

  async beforeTransactionStart(event: TransactionStartEvent): Promise<void> {
    if (event.queryRunner.isTransactionActive) await this.write(event.queryRunner);
  }

  async beforeTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    await this.write(event.queryRunner);
  }

  beforeTransactionRollback(event: TransactionRollbackEvent): void {
    this.held.delete(event.queryRunner);
  }

  async add<T>(manager: EntityManager, definition: EventDefinition<T>, data: T): Promise<EventEnvelope<T>> {
    const [envelope] = await this.addAll(manager, definition, [data]);
    return envelope;
  }

  /** Several events of one kind, published in this order. */
  async addAll<T>(manager: EntityManager, definition: EventDefinition<T>, items: T[]): Promise<Array<EventEnvelope<T>>> {
    const envelopes = this.envelopes(definition, items);
    const events = envelopes.map((e) => ({ id: e.id, subject: e.subject, envelope: JSON.stringify(e) }));
    const runner = manager.queryRunner;
    if (runner?.isTransactionActive && runner.connection === this.dataSource) {
      const held = this.held.get(runner);
      if (held) held.push(...events);
      else this.held.set(runner, events);
    } else {
      await this.insert(manager, events);
    }
    return envelopes;
  }

  /**
   * A change of one statement (`change`: an INSERT, UPDATE or DELETE on `parameters` $1…) and events of one
   * kind, written by one statement (the change a CTE of the events' insert): atomic by itself, so it needs no
   * transaction, and it saves the round trips of BEGIN, of the events' own insert and of COMMIT. In a
   * transaction, or while a keyed request runs (its key is claimed with the events, in a transaction), the
   * change is a statement of its own and the events are `addAll`'s.
   */
  async addAllWith<T>(manager: EntityManager, change: { sql: string; parameters: unknown[] }, definition: EventDefinition<T>, items: T[]): Promise<void> {
    if (manager.queryRunner?.isTransactionActive || idempotentRun.current()) {
      const apart = async (m: EntityManager) => {
        await m.query(change.sql, change.parameters);
        await this.addAll(m, definition, items);
      };
      await (manager.queryRunner?.isTransactionActive ? apart(manager) : this.dataSource.transaction(apart));
      return;
    }
    const events = this.envelopes(definition, items).map((e) => ({ id: e.id, subject: e.subject, envelope: JSON.stringify(e) }));
    const n = change.parameters.length;
    await manager.query(
      `WITH change AS (${change.sql})
       INSERT INTO "${this.options.schema}".outbox (id, subject, envelope)
       SELECT e.id, e.subject, e.envelope FROM unnest($${n + 1}::uuid[], $${n + 2}::text[], $${n + 3}::jsonb[]) WITH ORDINALITY AS e(id, subject, envelope, o) ORDER BY e.o`,
      [...change.parameters, events.map((e) => e.id), events.map((e) => e.subject), events.map((e) => e.envelope)],
    );
  }

  private envelopes<T>(definition: EventDefinition<T>, items: T[]): Array<EventEnvelope<T>> {
    const occurredAt = new Date().toISOString();
    return items.map((data): EventEnvelope<T> => ({ id: randomUUID(), subject: definition.subject, occurredAt, source: this.options.service, data }));
  }

  private async write(runner: QueryRunner): Promise<void> {
    const events = this.held.get(runner);
    this.held.delete(runner);
    if (events?.length) await this.insert(runner.manager, events);
  }

  private async insert(manager: EntityManager, events: PendingEvent[]): Promise<void> {
    if (events.length === 0) return;
    // While a keyed request (Idempotency-Key) runs, its key is claimed in the same transaction as its
    // events: the change and the record that it was made commit together.
    await this.ledger.claim(manager);
    // unnest WITH ORDINALITY keeps the given order in the rows' seq, which is the publishing order.
    await manager.query(
      `INSERT INTO "${this.options.schema}".outbox (id, subject, envelope)
       SELECT e.id, e.subject, e.envelope FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) WITH ORDINALITY AS e(id, subject, envelope, n) ORDER BY e.n`,
      [events.map((e) => e.id), events.map((e) => e.subject), events.map((e) => e.envelope)],
    );
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
    this.streamReady ??= this.nats.nc.jetstreamManager().then((jsm) => ensureEventsStream(jsm, this.nats.jetstreamReplicas)).catch((error: unknown) => {
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
