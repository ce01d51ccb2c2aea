import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EVENTS_MAX_AGE_MS } from '@gatehouse/messaging';
import { DURABLE_EVENTS_OPTIONS, DurableEventsOptions } from './durable-events.options';
import { HourlyPrune, pruneInBatches } from './hourly-prune';
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
export class EventRetention extends HourlyPrune {
  protected readonly logger = new Logger('EventRetention');
  protected readonly failure = 'Pruning old events failed; will retry';

  constructor(
    private readonly dataSource: DataSource,
    @Inject(DURABLE_EVENTS_OPTIONS) private readonly options: DurableEventsOptions,
  ) {
    super();
  }

  async prune(): Promise<PruneResult> {
    const schema = this.options.schema;
    const outboxHours = this.options.outboxRetentionHours;
    const outbox = await pruneInBatches(
      this.dataSource, `"${schema}".outbox`, 'seq', 'published_at IS NOT NULL AND published_at < now() - make_interval(hours => $1)', [outboxHours],
    );
    const processedEvents = await pruneInBatches(
      this.dataSource, `"${schema}".processed_events`, '(consumer, event_id)', 'processed_at < now() - make_interval(secs => $1)',
      [PROCESSED_EVENTS_RETENTION_MS / 1000],
    );
    const idempotencyRecords = await pruneInBatches(
      this.dataSource, `"${schema}".idempotency_records`, 'id', 'created_at < now() - make_interval(secs => $1)', [IDEMPOTENCY_RECORDS_RETENTION_MS / 1000],
    );
    if (outbox + processedEvents + idempotencyRecords > 0) this.logger.log({ outbox, processedEvents, idempotencyRecords }, 'Pruned old events');
    return { outbox, processedEvents, idempotencyRecords };
  }
}
