import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ClaimPump } from '../common/claim-pump';
import { NotificationEnv } from '../notification.env';
import { AuditFeedGuard } from './audit-feed-guard';
import { ClaimedWebhook, WebhookQueue } from './webhook-queue';
import { WebhookSender } from './webhook-sender';
import { tenantIdOfKey, WebhookSubscriptionsService } from './webhook-subscriptions.service';

/** When authorization cannot judge an owner, the delivery waits this long (it is not an attempt). */
const OWNER_UNKNOWN_RETRY_MS = 5000;

/**
 * Sends due webhook deliveries, up to WEBHOOK_CONCURRENCY at a time per instance (one per subscription:
 * they go in order). Polls every WEBHOOK_POLL_MS and is woken at once when events queued deliveries.
 * Before sending, the subscription's owner must still be allowed to follow the audit trail; a delivery is
 * marked SUCCEEDED only after a 2xx, so a crash in between sends it again (same webhook-id) once its
 * lease has expired: at-least-once.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WebhookDispatcher');
  private readonly pump: ClaimPump<ClaimedWebhook>;

  constructor(
    private readonly queue: WebhookQueue,
    private readonly sender: WebhookSender,
    private readonly guard: AuditFeedGuard,
    private readonly subscriptions: WebhookSubscriptionsService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly env: NotificationEnv,
  ) {
    this.pump = new ClaimPump(this.logger, env.WEBHOOK_CONCURRENCY, (limit) => this.queue.claim(limit), (delivery) => this.deliver(delivery));
  }

  onApplicationBootstrap(): void {
    this.pump.start(this.env.WEBHOOK_POLL_MS);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.pump.stop();
  }

  wake(): void {
    this.pump.wake();
  }

  private async deliver(delivery: ClaimedWebhook): Promise<void> {
    const tenantId = tenantIdOfKey(delivery.tenantKey);
    let allowed: boolean;
    try {
      allowed = await this.guard.ownerMayFollow(delivery.owner, tenantId);
    } catch (error) {
      this.logger.warn({ err: error, delivery: delivery.id }, 'Cannot tell whether the webhook owner may still follow the audit trail; delivery waits');
      return this.queue.release(delivery, OWNER_UNKNOWN_RETRY_MS);
    }
    if (!allowed) {
      await this.dataSource.transaction((manager) => this.queue.disable(manager, delivery.subscriptionId, 'OWNER_LOST_ACCESS'));
      await this.queue.release(delivery, 0);
      this.logger.warn({ subscription: delivery.subscriptionId, owner: delivery.owner.id }, 'Webhook disabled: its owner can no longer read the audit trail');
      return;
    }
    let secret: string;
    try {
      secret = this.subscriptions.sealer.open(delivery.sealed, delivery.subscriptionId);
    } catch (error) {
      await this.queue.record(delivery, { ok: false, statusCode: null, error: `the signing secret cannot be opened: ${(error as Error).message}`, durationMs: 0, startedAt: new Date() });
      return;
    }
    const startedAt = new Date();
    const outcome = await this.sender.send({ url: delivery.url, webhookId: delivery.webhookId, body: JSON.stringify(delivery.payload), secret }, startedAt);
    const { disabled } = await this.queue.record(delivery, { ...outcome, startedAt });
    if (!outcome.ok) {
      this.logger.warn({ delivery: delivery.id, subscription: delivery.subscriptionId, attempt: delivery.attempts, error: outcome.error }, 'Webhook not delivered');
    }
    if (disabled) this.logger.warn({ subscription: delivery.subscriptionId }, 'Webhook disabled after too many failed attempts in a row');
  }
}
