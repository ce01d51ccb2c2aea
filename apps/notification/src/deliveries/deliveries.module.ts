import { linkTokenSealerProvider } from '@gatehouse/database';
import { Module } from '@nestjs/common';
import { MailTransport } from '../mail/mail-transport';
import { NotificationEnv } from '../notification.env';
import { DeliveriesHandlers } from './deliveries.handlers';
import { DeliveryLogService } from './delivery-log.service';
import { DeliveryQueue } from './delivery-queue';
import { DeliveryWorker } from './delivery-worker';
import { EventIntake } from './event-intake';
import { LinkTokens } from './link-tokens';

/** Domain events → queued deliveries → SMTP, and the delivery log. */
@Module({
  controllers: [DeliveriesHandlers],
  providers: [MailTransport, DeliveryQueue, DeliveryWorker, EventIntake, DeliveryLogService, LinkTokens, linkTokenSealerProvider(NotificationEnv)],
  exports: [DeliveryQueue, DeliveryWorker],
})
export class DeliveriesModule {}
