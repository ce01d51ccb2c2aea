import 'reflect-metadata';
import { runService } from '@gatehouse/service-runtime';
import { AuthorizationAppModule } from './app.module';
import { SERVICE } from './service-name';
import { AuthorizationEnv } from './authorization.env';

runService(SERVICE, AuthorizationEnv, (env) => AuthorizationAppModule.register(env));
