import { Module } from '@nestjs/common';
import { DeliveriesModule } from '../deliveries/deliveries.module';
import { AuditFeedGuard } from './audit-feed-guard';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookIntake } from './webhook-intake';
import { WebhookLogService } from './webhook-log.service';
import { WebhookQueue } from './webhook-queue';
import { WebhookSender } from './webhook-sender';
import { WebhookSubscriptionsService } from './webhook-subscriptions.service';
import { WebhooksHandlers } from './webhooks.handlers';

/** Audit events → per-subscription ordered queues → signed HTTPS deliveries, the delivery log, and the Admins' email when one is disabled. */
@Module({
  imports: [DeliveriesModule],
  controllers: [WebhooksHandlers],
  providers: [AuditFeedGuard, WebhookSender, WebhookSubscriptionsService, WebhookQueue, WebhookDispatcher, WebhookIntake, WebhookLogService],
})
export class WebhooksModule {}
