import { HourlyPrune, pruneInBatches } from '@gatehouse/durable-events';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { NotificationEnv } from '../notification.env';

/** A delivery log and its finished statuses: the partial index it is pruned by (migration 1767000000000) is on these. */
interface DeliveryLog {
  table: string;
  finished: string[];
}

export const EMAIL_LOG: DeliveryLog = { table: 'notification.deliveries', finished: ['SENT', 'DEAD'] };
export const WEBHOOK_LOG: DeliveryLog = { table: 'notification.webhook_deliveries', finished: ['SUCCEEDED', 'DEAD'] };

/** A log's finished entries last changed more than $1 days ago (what the partial index serves). */
export const oldFinishedEntries = (log: DeliveryLog): string =>
  `status IN (${log.finished.map((s) => `'${s}'`).join(', ')}) AND updated_at < now() - make_interval(days => $1)`;

export interface DeliveryLogPruneResult {
  emails: number;
  webhooks: number;
}

/**
 * Keeps the two delivery logs bounded: emails SENT or DEAD and webhook deliveries SUCCEEDED or DEAD (with
 * their attempts, ON DELETE CASCADE) whose last change (`updated_at`) is older than DELIVERY_LOG_RETENTION_DAYS
 * are deleted hourly in small batches (`SKIP LOCKED`, so instances pruning side by side, or a redelivery
 * holding its row, are not waited on). Queued, sending and failing entries are never deleted, so no queue
 * loses its head; a redelivery asked for a pruned webhook delivery is a 404 like any unknown one.
 */
@Injectable()
export class DeliveryLogRetention extends HourlyPrune {
  protected readonly logger = new Logger('DeliveryLogRetention');
  protected readonly failure = 'Pruning the delivery logs failed; will retry';

  constructor(@InjectDataSource() private readonly dataSource: DataSource, private readonly env: NotificationEnv) {
    super();
  }

  async prune(): Promise<DeliveryLogPruneResult> {
    const days = this.env.DELIVERY_LOG_RETENTION_DAYS;
    const emails = await pruneInBatches(this.dataSource, EMAIL_LOG.table, 'id', oldFinishedEntries(EMAIL_LOG), [days]);
    const webhooks = await pruneInBatches(this.dataSource, WEBHOOK_LOG.table, 'id', oldFinishedEntries(WEBHOOK_LOG), [days]);
    if (emails + webhooks > 0) this.logger.log({ emails, webhooks, retentionDays: days }, 'Pruned old delivery log entries');
    return { emails, webhooks };
  }
}
