import { RouteDefinition } from '../route-definition';

/** Delivery log (owned by notification). */
export const NOTIFICATION_ROUTES: RouteDefinition[] = [];
