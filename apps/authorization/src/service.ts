import { ServiceDefinition } from '@gatehouse/service-runtime';
import { AuthorizationAppModule } from './app.module';
import { AuthorizationEnv } from './authorization.env';
import { RefusalAudit } from './grants/refusal-audit';
import { SERVICE } from './service-name';

/** The authorization service, as its main.ts runs it on NATS and local mode (apps/local) runs it in one process. */
export const AUTHORIZATION_SERVICE: ServiceDefinition<AuthorizationEnv> = {
  name: SERVICE, envClass: AuthorizationEnv, module: (env) => AuthorizationAppModule.register(env),
  // The grant guard's refusals recorded in the audit trail, around every handler (docs/access-model.md).
  interceptors: [RefusalAudit],
};
