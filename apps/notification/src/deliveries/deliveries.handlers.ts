import { Caller, GetDeliveryRequest, ListDeliveriesRequest, NotificationRpc } from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { DeliveryLogService } from './delivery-log.service';

@Controller()
export class DeliveriesHandlers {
  constructor(private readonly log: DeliveryLogService) {}

  @RpcHandler(NotificationRpc.listDeliveries)
  list(@RpcCaller() caller: Caller | null, @RpcData() request: ListDeliveriesRequest) {
    return this.log.list(caller, request);
  }

  @RpcHandler(NotificationRpc.getDelivery)
  get(@RpcCaller() caller: Caller | null, @RpcData() request: GetDeliveryRequest) {
    return this.log.get(caller, request.id);
  }
}
