import 'reflect-metadata';
import { runService } from '@gatehouse/service-runtime';
import { AuthorizationAppModule, SERVICE } from './app.module';
import { AuthorizationEnv } from './authorization.env';

runService(SERVICE, AuthorizationEnv, (env) => AuthorizationAppModule.register(env));
