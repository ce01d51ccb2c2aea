import { ServiceDefinition } from '@gatehouse/service-runtime';
import { NotificationAppModule } from './app.module';
import { NotificationEnv } from './notification.env';
import { SERVICE } from './service-name';

/** The notification service, as its main.ts runs it on NATS and local mode (apps/local) runs it in one process. */
export const NOTIFICATION_SERVICE: ServiceDefinition<NotificationEnv> = { name: SERVICE, envClass: NotificationEnv, module: (env) => NotificationAppModule.register(env) };
