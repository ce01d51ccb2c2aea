import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EVENTS_MAX_AGE_MS } from '@gatehouse/messaging';
import { DURABLE_EVENTS_OPTIONS, DurableEventsOptions } from './durable-events.options';
import { deleteInBatches, HourlyPrune, PRUNE_BATCH } from './hourly-prune';
import { IDEMPOTENCY_RECORDS_RETENTION_MS } from './idempotency-ledger';

/**
 * A processed-event row guards against a redelivery of its event; the stream drops events after
 * EVENTS_MAX_AGE_MS, so a row a day older than that can no longer be needed.
 */
export const PROCESSED_EVENTS_RETENTION_MS = EVENTS_MAX_AGE_MS + 24 * 3600 * 1000;

export interface PruneResult {
  outbox: number;
  processedEvents: number;
  idempotencyRecords: number;
}

/**
 * Keeps the outbox, processed_events and idempotency_records tables bounded: published outbox rows older than the
 * retention, and processed-event rows older than the stream's own retention, are deleted hourly in
 * small batches (`SKIP LOCKED`, so instances pruning side by side do not wait on each other).
 * Unpublished outbox rows are never deleted.
 */
@Injectable()
export class EventRetention implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('EventRetention');
  private readonly schedule = new HourlyPrune(this.logger, 'Pruning old events failed; will retry', () => this.prune());

  constructor(
    private readonly dataSource: DataSource,
    @Inject(DURABLE_EVENTS_OPTIONS) private readonly options: DurableEventsOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.schedule.stop();
  }

  async prune(): Promise<PruneResult> {
    const schema = this.options.schema;
    const outboxHours = this.options.outboxRetentionHours;
    const outbox = await deleteInBatches(
      this.dataSource,
      `DELETE FROM "${schema}".outbox WHERE seq IN (
         SELECT seq FROM "${schema}".outbox
         WHERE published_at IS NOT NULL AND published_at < now() - make_interval(hours => $1)
         LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED)`,
      [outboxHours],
    );
    const processedEvents = await deleteInBatches(
      this.dataSource,
      `DELETE FROM "${schema}".processed_events WHERE (consumer, event_id) IN (
         SELECT consumer, event_id FROM "${schema}".processed_events
         WHERE processed_at < now() - make_interval(secs => $1)
         LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED)`,
      [PROCESSED_EVENTS_RETENTION_MS / 1000],
    );
    const idempotencyRecords = await deleteInBatches(
      this.dataSource,
      `DELETE FROM "${schema}".idempotency_records WHERE id IN (
         SELECT id FROM "${schema}".idempotency_records
         WHERE created_at < now() - make_interval(secs => $1)
         LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED)`,
      [IDEMPOTENCY_RECORDS_RETENTION_MS / 1000],
    );
    if (outbox + processedEvents + idempotencyRecords > 0) this.logger.log({ outbox, processedEvents, idempotencyRecords }, 'Pruned old events');
    return { outbox, processedEvents, idempotencyRecords };
  }
}
