import { ServiceDefinition } from '@gatehouse/service-runtime';
import { TenancyAppModule } from './app.module';
import { TenancyEnv } from './tenancy.env';
import { SERVICE } from './service-name';

/** The tenancy service, as its main.ts runs it on NATS and local mode (apps/local) runs it in one process. */
export const TENANCY_SERVICE: ServiceDefinition<TenancyEnv> = { name: SERVICE, envClass: TenancyEnv, module: (env) => TenancyAppModule.register(env) };
