import { Caller, GetDeliveryRequest, ListDeliveriesRequest, NotificationRpc } from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { DeliveryLogService } from './delivery-log.service';

@Controller()
export class DeliveriesHandlers {
  constructor(private readonly log: DeliveryLogService) {}

  @RpcHandler(NotificationRpc.listDeliveries)
  list(@RpcData() request: ListDeliveriesRequest, @RpcCaller() caller: Caller | null) {
    return this.log.list(caller, request);
  }

  @RpcHandler(NotificationRpc.getDelivery)
  get(@RpcData() request: GetDeliveryRequest, @RpcCaller() caller: Caller | null) {
    return this.log.get(caller, request.id);
  }
}
