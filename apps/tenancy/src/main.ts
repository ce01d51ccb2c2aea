import 'reflect-metadata';
import { runService } from '@gatehouse/service-runtime';
import { TenancyAppModule } from './app.module';
import { SERVICE } from './service-name';
import { TenancyEnv } from './tenancy.env';

runService(SERVICE, TenancyEnv, (env) => TenancyAppModule.register(env));
