import { AuthorizationRpc, BatchCheckRequest, CheckRequest, Decision } from '@gatehouse/contracts';
import { RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { DecisionService } from './decision.service';

@Controller()
export class DecisionHandlers {
  constructor(private readonly decisions: DecisionService) {}

  @RpcHandler(AuthorizationRpc.check)
  check(@RpcData() request: CheckRequest): Promise<Decision> {
    return this.decisions.check(request);
  }

  @RpcHandler(AuthorizationRpc.batchCheck)
  batch(@RpcData() request: BatchCheckRequest): Promise<Decision[]> {
    return this.decisions.checkMany(request.checks);
  }
}
