import 'reflect-metadata';
import { runService } from '@gatehouse/service-runtime';
import { NotificationAppModule, SERVICE } from './app.module';
import { NotificationEnv } from './notification.env';

runService(SERVICE, NotificationEnv, (env) => NotificationAppModule.register(env));
