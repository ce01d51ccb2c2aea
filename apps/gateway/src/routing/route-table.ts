import { RouteDefinition } from '../request/route-definition';
import { AUTHORIZATION_ROUTES } from './routes/authorization.routes';
import { FEDERATION_ROUTES } from './routes/federation.routes';
import { IDENTITY_ROUTES } from './routes/identity.routes';
import { NOTIFICATION_ROUTES } from './routes/notification.routes';
import { OIDC_ROUTES } from './routes/oidc.routes';
import { SCIM_ROUTES } from './routes/scim.routes';
import { TENANCY_ROUTES } from './routes/tenancy.routes';

/**
 * The built-in Gatehouse API, declared as data: what each route needs and which service owns it.
 * Paths with a `:tenant` segment are tenant-scoped (`default` = the default tenant).
 */
export const ROUTES: RouteDefinition[] = [...TENANCY_ROUTES, ...IDENTITY_ROUTES, ...AUTHORIZATION_ROUTES, ...NOTIFICATION_ROUTES, ...OIDC_ROUTES, ...SCIM_ROUTES, ...FEDERATION_ROUTES];
