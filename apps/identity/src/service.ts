import { ServiceDefinition } from '@gatehouse/service-runtime';
import { IdentityAppModule } from './app.module';
import { IdentityEnv } from './identity.env';
import { SERVICE } from './service-name';

/** The identity service, as its main.ts runs it on NATS and local mode (apps/local) runs it in one process. */
export const IDENTITY_SERVICE: ServiceDefinition<IdentityEnv> = { name: SERVICE, envClass: IdentityEnv, module: (env) => IdentityAppModule.register(env) };
