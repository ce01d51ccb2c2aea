import { GatehouseConfigModule } from '@gatehouse/config';
import { DatabaseModule } from '@gatehouse/database';
import { DurableEventsModule } from '@gatehouse/durable-events';
import { LoggingModule } from '@gatehouse/logging';
import { MessagingModule } from '@gatehouse/messaging';
import { HealthModule } from '@gatehouse/service-runtime';
import { DynamicModule, Module } from '@nestjs/common';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { NOTIFICATION_MIGRATIONS } from './migrations';
import { NotificationEnv } from './notification.env';

export const SERVICE = 'notification';

/** Email delivery driven by domain events (SMTP or .eml files), and the delivery log. */
@Module({})
export class NotificationAppModule {
  static register(env: NotificationEnv): DynamicModule {
    return {
      module: NotificationAppModule,
      imports: [
        GatehouseConfigModule.forRoot(NotificationEnv, env),
        LoggingModule.forRoot({ service: SERVICE, level: env.LOG_LEVEL }),
        DatabaseModule.forRoot({
          url: env.DATABASE_URL,
          schema: SERVICE,
          poolSize: env.DATABASE_POOL_SIZE,
          applicationName: SERVICE,
          entities: [],
          migrations: NOTIFICATION_MIGRATIONS,
        }),
        MessagingModule.forRoot({ service: SERVICE, settings: env }),
        DurableEventsModule.forRoot({ service: SERVICE, schema: SERVICE, outboxRetentionHours: env.OUTBOX_RETENTION_HOURS }),
        HealthModule.forRoot({ database: true }),
        DeliveriesModule,
      ],
    };
  }
}
