import {
  AUDIT_SOURCES, auditEvent, AuthorizationRpc, IdentityRpc, NotificationEvents, TenancyEvents, WebhookDisabled,
} from '@gatehouse/contracts';
import { EventConsumers } from '@gatehouse/durable-events';
import { RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { DeliveryQueue } from '../deliveries/delivery-queue';
import { DeliveryWorker } from '../deliveries/delivery-worker';
import { renderEmail } from '../mail/templates';
import { NotificationEnv } from '../notification.env';
import { SERVICE } from '../service-name';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookQueue } from './webhook-queue';

/**
 * What feeds the webhooks, from the durable stream:
 * - every service's audit events, one ordered consumer per source (one event at a time, in the stream's
 *   order, across instances), each queuing its deliveries in the transaction that records the event (an
 *   event that no subscription takes when it is consumed is acked without one);
 * - a disabled subscription's event, which emails the tenant's Admins (the Super Admins for an
 *   instance-wide one) through the email queue;
 * - a deleted tenant, whose subscriptions and their log go with it.
 */
@Injectable()
export class WebhookIntake implements OnModuleInit {
  constructor(
    private readonly consumers: EventConsumers,
    private readonly queue: WebhookQueue,
    private readonly dispatcher: WebhookDispatcher,
    private readonly emails: DeliveryQueue,
    private readonly emailWorker: DeliveryWorker,
    private readonly rpc: RpcClient,
    private readonly env: NotificationEnv,
  ) {}

  onModuleInit(): void {
    for (const source of AUDIT_SOURCES) {
      this.consumers.on(
        auditEvent(source),
        `webhook-audit-${source}`,
        async (entry, manager, event) => ((await this.queue.enqueue(manager, entry, event)) > 0 ? () => this.dispatcher.wake() : undefined),
        // An event no subscription takes (most of them: every sign-in's) is acked without a transaction.
        { ordered: true, skipIf: async (entry) => !(await this.queue.wanted(entry)) },
      );
    }
    this.consumers.on(NotificationEvents.webhookDisabled, 'webhook-disabled', async (disabled, manager, event) => {
      let queued = 0;
      for (const recipient of await this.recipients(disabled)) {
        const data: WebhookDisabled = { ...disabled, username: recipient.username };
        const { subject } = renderEmail('webhook-disabled', data, { baseUrl: this.env.PUBLIC_BASE_URL.replace(/\/+$/, '') });
        if (await this.emails.enqueue(manager, event, { template: 'webhook-disabled', recipient: recipient.email, subject, data })) queued += 1;
      }
      return queued > 0 ? () => this.emailWorker.wake() : undefined;
    });
    this.consumers.on(TenancyEvents.tenantDeleted, 'webhook-tenant-cleanup', async ({ tenantId }, manager) => {
      await manager.query(`DELETE FROM notification.webhook_subscriptions WHERE tenant_key = $1 AND scope = 'TENANT'`, [tenantId]);
    });
  }

  /** The verified addresses of the scope's administrators (asked again on a redelivery: an outage only delays the email). */
  private async recipients(disabled: WebhookDisabled): Promise<Array<{ email: string; username: string }>> {
    const tenantId = disabled.scope === 'INSTANCE' ? undefined : disabled.tenantId ?? null;
    const { userIds } = await this.rpc.internal(SERVICE, AuthorizationRpc.administrators, {}, tenantId, RETRY_SAFE);
    if (userIds.length === 0) return [];
    const users = await this.rpc.internal(SERVICE, IdentityRpc.getUsersByIds, { ids: userIds }, undefined, RETRY_SAFE);
    return users
      .filter((u) => u.email && u.emailVerified && u.status === 'ACTIVE')
      .map((u) => ({ email: u.email as string, username: u.username }));
  }
}
