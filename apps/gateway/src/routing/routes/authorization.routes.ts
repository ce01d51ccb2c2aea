import { RouteDefinition } from '../route-definition';

/** Catalogue, roles, groups, bindings, tenant access, invitations and decisions (owned by authorization). */
export const AUTHORIZATION_ROUTES: RouteDefinition[] = [];
