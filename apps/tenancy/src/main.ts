import 'reflect-metadata';
import { runService } from '@gatehouse/service-runtime';
import { SERVICE, TenancyAppModule } from './app.module';
import { TenancyEnv } from './tenancy.env';

runService(SERVICE, TenancyEnv, (env) => TenancyAppModule.register(env));
