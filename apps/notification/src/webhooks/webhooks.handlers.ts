import {
  Caller, CreateWebhookRequest, ListWebhookDeliveriesRequest, ListWebhooksRequest, UpdateWebhookRequest, WebhookDeliveryRequest, WebhookIdRequest,
  WebhooksRpc,
} from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookLogService } from './webhook-log.service';
import { WebhookSubscriptionsService } from './webhook-subscriptions.service';

/** A tenant's subscriptions (the envelope's tenant; null = default) or the instance-wide ones (no tenant). */
@Controller()
export class WebhooksHandlers {
  constructor(
    private readonly subscriptions: WebhookSubscriptionsService,
    private readonly log: WebhookLogService,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  @RpcHandler(WebhooksRpc.list)
  list(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: ListWebhooksRequest) {
    return this.subscriptions.list(caller, tenantId, request);
  }

  @RpcHandler(WebhooksRpc.get)
  get(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: WebhookIdRequest) {
    return this.subscriptions.get(caller, tenantId, request.id);
  }

  @RpcHandler(WebhooksRpc.create)
  async create(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: CreateWebhookRequest) {
    return this.subscriptions.create(caller, tenantId, request);
  }

  @RpcHandler(WebhooksRpc.update)
  async update(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: UpdateWebhookRequest) {
    const updated = await this.subscriptions.update(caller, tenantId, request);
    if (updated.enabled) this.dispatcher.wake();
    return updated;
  }

  @RpcHandler(WebhooksRpc.delete)
  delete(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: WebhookIdRequest) {
    return this.subscriptions.delete(caller, tenantId, request.id);
  }

  @RpcHandler(WebhooksRpc.rotateSecret)
  rotateSecret(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: WebhookIdRequest) {
    return this.subscriptions.rotateSecret(caller, tenantId, request.id);
  }

  @RpcHandler(WebhooksRpc.listDeliveries)
  listDeliveries(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: ListWebhookDeliveriesRequest) {
    return this.log.list(caller, tenantId, request);
  }

  @RpcHandler(WebhooksRpc.getDelivery)
  getDelivery(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: WebhookDeliveryRequest) {
    return this.log.get(caller, tenantId, request.id, request.deliveryId);
  }

  @RpcHandler(WebhooksRpc.redeliver)
  async redeliver(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: WebhookDeliveryRequest) {
    const queued = await this.log.redeliver(caller, tenantId, request.id, request.deliveryId);
    this.dispatcher.wake();
    return queued;
  }
}
