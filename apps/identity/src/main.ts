import 'reflect-metadata';
import { runService } from '@gatehouse/service-runtime';
import { IdentityAppModule, SERVICE } from './app.module';
import { IdentityEnv } from './identity.env';

runService(SERVICE, IdentityEnv, (env) => IdentityAppModule.register(env));
