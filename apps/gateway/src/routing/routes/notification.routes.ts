import { NotificationRpc } from '@gatehouse/contracts';
import { RouteDefinition } from '../../request/route-definition';

/**
 * Delivery log (owned by notification). Instance level: the gateway requires TENANT:READ at instance
 * scope, which only Super Admins and Instance Admins hold; notification then admits Super Admins only.
 */
export const NOTIFICATION_ROUTES: RouteDefinition[] = [
  {
    method: 'GET',
    path: '/api/v1/notifications/deliveries',
    summary: 'Search the email delivery log (Super Admin); filters status, recipient, template, q',
    access: { permission: 'TENANT', action: 'READ' },
    target: NotificationRpc.listDeliveries,
  },
  {
    method: 'GET',
    path: '/api/v1/notifications/deliveries/:id',
    summary: 'Read one email delivery (Super Admin)',
    access: { permission: 'TENANT', action: 'READ' },
    target: NotificationRpc.getDelivery,
  },
];
