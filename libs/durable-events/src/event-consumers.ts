import { EVENTS_STREAM, EventDefinition, EventEnvelope } from '@gatehouse/contracts';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AckPolicy, ConsumerMessages, DeliverPolicy, JSONCodec, JsMsg, nanos } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import { ensureEventsStream, NatsClient } from '@gatehouse/messaging';
import { DURABLE_EVENTS_OPTIONS, DurableEventsOptions } from './durable-events.options';

const codec = JSONCodec();

/** Runs inside the transaction that records the event; may return work to do after the commit. */
export type EventHandler<T> = (
  data: T,
  manager: EntityManager,
  event: EventEnvelope<T>,
) => Promise<void | (() => unknown)>;

export interface ConsumerOptions<T = unknown> {
  /**
   * One event at a time across every instance (JetStream max_ack_pending 1), in the stream's order: the
   * next is handed out only once this one is acked, a failed one is retried first. For consumers whose
   * effects must follow the events' order (webhook deliveries); costs throughput.
   */
  ordered?: boolean;
  /**
   * Asked first, outside any transaction: true acks the event at once, with no transaction and no record of
   * its id (a redelivery is asked again). Only for a handler that would do nothing with the event in the
   * state this reads (webhooks: no subscription takes it); the event then counts as consumed at this read,
   * as it would at the handler's. Saves the transaction's round trips for the many events nobody wants.
   */
  skipIf?: (data: T, event: EventEnvelope<T>) => Promise<boolean>;
  /**
   * The handler is one statement that a repetition leaves as it was (an insert keyed by the event's id, ON
   * CONFLICT DO NOTHING): it runs on its own, without a transaction and without a processed_events record,
   * a redelivery repeating it harmlessly. Three round trips of four fewer per event (BEGIN, the record,
   * COMMIT). Only for a handler of exactly one such statement: two statements would no longer commit together.
   */
  selfIdempotent?: boolean;
}

interface Registration {
  definition: EventDefinition<unknown>;
  name: string;
  handler: EventHandler<unknown>;
  options: ConsumerOptions;
}

/**
 * A pulled event handed back at shutdown is redelivered after this: at once, the server handed it to this
 * instance's own pull request again (still open until it expires), where it sat unseen until ack_wait.
 */
const HANDOVER_DELAY_MS = 500;

/** How long shutdown waits for the events being handled (handlers are short transactions). */
const HANDLER_DRAIN_MS = 3_000;

/**
 * Durable JetStream consumers. Each registration is one durable consumer shared by every instance of
 * the service (work-queue style). A message is handled inside a transaction that also records its
 * event id, so a redelivery is skipped; the ack comes only after the commit.
 */
@Injectable()
export class EventConsumers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('EventConsumers');
  private readonly registrations: Registration[] = [];
  private readonly running: ConsumerMessages[] = [];
  private readonly loops: Promise<void>[] = [];
  private stopped = false;

  constructor(
    private readonly nats: NatsClient,
    @Inject(DURABLE_EVENTS_OPTIONS) private readonly options: DurableEventsOptions,
    private readonly dataSource: DataSource,
  ) {}

  /** Call from a module's onModuleInit. `name` identifies the consumer within the service. */
  on<T>(definition: EventDefinition<T>, name: string, handler: EventHandler<T>, options: ConsumerOptions<T> = {}): void {
    this.registrations.push({ definition, name, handler: handler as EventHandler<unknown>, options: options as ConsumerOptions });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.registrations.length === 0) return;
    const jsm = await this.nats.nc.jetstreamManager();
    await ensureEventsStream(jsm, this.nats.jetstreamReplicas);
    for (const registration of this.registrations) {
      const durable = `${this.options.service}-${registration.name}`.replace(/[^\w-]/g, '_');
      try {
        await jsm.consumers.info(EVENTS_STREAM, durable);
      } catch {
        await jsm.consumers.add(EVENTS_STREAM, {
          durable_name: durable,
          filter_subject: registration.definition.subject,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          // A message pulled by an instance that dies is redelivered after this; handlers are short transactions.
          ack_wait: nanos(10_000),
          max_deliver: -1,
          ...(registration.options.ordered ? { max_ack_pending: 1 } : {}),
        }).catch((error: Error) => {
          if (!error.message.includes('already')) throw error;
        });
      }
      const consumer = await this.nats.nc.jetstream().consumers.get(EVENTS_STREAM, durable);
      const messages = await consumer.consume({ max_messages: registration.options.ordered ? 1 : 64 });
      this.running.push(messages);
      this.loops.push(this.loop(durable, registration, messages));
    }
  }

  /**
   * Stops pulling and waits for the events being handled to commit, before any onApplicationShutdown
   * hook (TypeORM's closes the database, in parallel: a handler cut off there fails with "Connection
   * terminated"). The wait is bounded in case a handler hangs; an event not acked by then is
   * redelivered to another instance.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    const drained = Promise.all(this.running.map((m) => m.close().catch(() => undefined))).then(() => Promise.all(this.loops));
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), HANDLER_DRAIN_MS)));
    if ((await Promise.race([drained, patience])) === 'late') {
      this.logger.warn({ waitedMs: HANDLER_DRAIN_MS }, 'Event consumers still busy at shutdown; their events will be redelivered');
    }
    clearTimeout(timer);
  }

  private async loop(durable: string, registration: Registration, messages: ConsumerMessages): Promise<void> {
    for await (const message of messages) {
      // Not `break`: nats.js queues its stop behind the messages already pulled, and only ends the iterator
      // (and resolves close()) once the loop reaches it; leaving early left close() pending for good (the
      // shutdown hang under load). The pulled events are handed back for another instance at once.
      if (this.stopped) {
        message.nak(HANDOVER_DELAY_MS);
        continue;
      }
      await this.handle(durable, registration, message).catch((error: unknown) =>
        this.logger.error({ err: error, durable }, 'Unexpected error while handling an event'),
      );
    }
    if (!this.stopped) this.logger.error({ durable }, 'Event consumer stopped receiving messages');
  }

  /** The handler in a transaction that records the event's id: a redelivery of a recorded event does nothing. */
  private handleOnce(durable: string, registration: Registration, event: EventEnvelope<unknown>): Promise<void | (() => unknown)> {
    return this.dataSource.transaction(async (manager) => {
      const fresh = await manager.query(
        `INSERT INTO "${this.options.schema}".processed_events (consumer, event_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [durable, event.id],
      );
      if (fresh.length === 0) return undefined;
      return registration.handler(event.data, manager, event);
    });
  }

  private async handle(durable: string, registration: Registration, message: JsMsg): Promise<void> {
    let event: EventEnvelope<unknown>;
    try {
      event = codec.decode(message.data) as EventEnvelope<unknown>;
      if (!event || typeof event.id !== 'string') throw new Error('no event id');
    } catch (error) {
      // a message that can never be handled must not be redelivered forever
      this.logger.error({ err: error, durable, seq: message.seq }, 'Undecodable event dropped');
      message.term();
      return;
    }
    let afterCommit: void | (() => unknown);
    try {
      if (await registration.options.skipIf?.(event.data, event)) {
        message.ack();
        return;
      }
      afterCommit = registration.options.selfIdempotent
        ? await registration.handler(event.data, this.dataSource.manager, event)
        : await this.handleOnce(durable, registration, event);
    } catch (error) {
      const attempt = message.info.redeliveryCount;
      this.logger.warn({ err: error, eventId: event.id, subject: event.subject, attempt }, 'Event handling failed; will retry');
      message.nak(Math.min(30_000, 250 * 2 ** Math.min(attempt, 7)));
      return;
    }
    message.ack();
    // after the ack: a failure here must not nak (and so redeliver) an event that is already recorded
    if (typeof afterCommit === 'function') {
      try {
        await afterCommit();
      } catch (error) {
        this.logger.warn({ err: error, eventId: event.id, subject: event.subject }, 'After-commit work of an event failed');
      }
    }
  }
}
