import { ownedSchema } from '@gatehouse/durable-events';
import { ServiceModule } from '@gatehouse/service-runtime';
import { DynamicModule, Module } from '@nestjs/common';
import { DeliveryLogRetention } from './common/delivery-log-retention';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { NOTIFICATION_MIGRATIONS } from './migrations';
import { NotificationEnv } from './notification.env';
import { SERVICE } from './service-name';
import { WebhooksModule } from './webhooks/webhooks.module';

/** Email delivery driven by domain events (SMTP or .eml files), the delivery logs (pruned after DELIVERY_LOG_RETENTION_DAYS), and webhooks fed by the audit events. */
@Module({})
export class NotificationAppModule {
  static register(env: NotificationEnv): DynamicModule {
    return {
      module: NotificationAppModule,
      imports: [
        ServiceModule.forService({
          name: SERVICE,
          envClass: NotificationEnv,
          env,
          database: ownedSchema({ entities: [], migrations: NOTIFICATION_MIGRATIONS }),
        }),
        DeliveriesModule,
        WebhooksModule,
      ],
      providers: [DeliveryLogRetention],
    };
  }
}
