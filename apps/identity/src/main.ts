import 'reflect-metadata';
import { runService } from '@gatehouse/service-runtime';
import { IdentityAppModule } from './app.module';
import { SERVICE } from './service-name';
import { IdentityEnv } from './identity.env';

runService(SERVICE, IdentityEnv, (env) => IdentityAppModule.register(env));
