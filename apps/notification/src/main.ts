import 'reflect-metadata';
import { runService } from '@gatehouse/service-runtime';
import { NotificationAppModule } from './app.module';
import { SERVICE } from './service-name';
import { NotificationEnv } from './notification.env';

runService(SERVICE, NotificationEnv, (env) => NotificationAppModule.register(env));
