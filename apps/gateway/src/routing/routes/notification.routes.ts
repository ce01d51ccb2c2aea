import { NotificationRpc, WebhooksRpc } from '@gatehouse/contracts';
import { RouteDefinition } from '../../request/route-definition';

const WEBHOOK_ROUTES = (base: string, permission: 'AUDITLOG' | 'TENANT', who: string): RouteDefinition[] => [
  { method: 'GET', path: base, summary: `Search webhook subscriptions (${who})`, access: { permission }, target: WebhooksRpc.list },
  {
    method: 'POST', path: base, summary: `Subscribe an HTTPS endpoint to audit events (${who}); the signing secret is shown once`,
    access: { permission }, target: WebhooksRpc.create, status: 201, grants: 'audit-feed', stepUp: true,
  },
  { method: 'GET', path: `${base}/:id`, summary: `Read a webhook subscription (${who}; never its secret)`, access: { permission }, target: WebhooksRpc.get },
  {
    method: 'PATCH', path: `${base}/:id`, summary: `Change a webhook subscription: URL, description, event types, enabled (${who})`,
    access: { permission }, target: WebhooksRpc.update, grants: 'audit-feed', stepUp: true,
  },
  { method: 'DELETE', path: `${base}/:id`, summary: `Delete a webhook subscription and its delivery log (${who})`, access: { permission }, target: WebhooksRpc.delete },
  {
    method: 'POST', path: `${base}/:id/secret`, summary: `Rotate a webhook's signing secret (${who}; the new one is shown once and signs from the next attempt)`,
    access: { permission, action: 'UPDATE' }, target: WebhooksRpc.rotateSecret, stepUp: true,
  },
  {
    method: 'GET', path: `${base}/:id/deliveries`, summary: `A webhook's delivery log, newest first (${who}); filter status, q (event type or webhook-id)`,
    access: { permission }, target: WebhooksRpc.listDeliveries,
  },
  {
    method: 'GET', path: `${base}/:id/deliveries/:deliveryId`, summary: `One delivery with its body and every attempt: status code, duration, error (${who})`,
    access: { permission }, target: WebhooksRpc.getDelivery,
  },
  {
    method: 'POST', path: `${base}/:id/deliveries/:deliveryId/redeliver`, summary: `Send a delivered or given-up delivery again, same webhook-id, at the end of the queue (${who})`,
    access: { permission, action: 'UPDATE' }, target: WebhooksRpc.redeliver,
  },
];

/**
 * Delivery log and webhooks (owned by notification). The email delivery log and the instance-wide webhooks
 * are instance level: the gateway requires TENANT at instance scope (Super Admins and Instance Admins);
 * notification then admits Super Admins only. A tenant's webhooks need AUDITLOG there (a webhook is a
 * standing read of the audit trail; creating or retargeting one also needs AUDITLOG:READ: authorization's
 * audit-feed rule).
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
  ...WEBHOOK_ROUTES('/api/v1/:tenant/webhooks', 'AUDITLOG', "the tenant's audit events; AUDITLOG"),
  ...WEBHOOK_ROUTES('/api/v1/notifications/webhooks', 'TENANT', 'instance-level audit events; Super Admin'),
];
