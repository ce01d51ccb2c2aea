import { Caller, ConfirmTotpRequest, FactorsRpc } from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { requireUserCaller } from '../common/callers';
import { FactorsService } from './factors.service';

/** A signed-in user's own factors (`/api/v1/me/mfa/...`). */
@Controller()
export class FactorsHandlers {
  constructor(private readonly factors: FactorsService) {}

  @RpcHandler(FactorsRpc.listMine)
  listMine(@RpcCaller() caller: Caller | null) {
    return this.factors.listMine(requireUserCaller(caller));
  }

  @RpcHandler(FactorsRpc.enrolTotp)
  enrolTotp(@RpcCaller() caller: Caller | null) {
    return this.factors.enrolTotp(requireUserCaller(caller));
  }

  @RpcHandler(FactorsRpc.confirmTotp)
  confirmTotp(@RpcData() request: ConfirmTotpRequest, @RpcCaller() caller: Caller | null) {
    return this.factors.confirmTotp(requireUserCaller(caller), request.code);
  }

  @RpcHandler(FactorsRpc.removeTotp)
  removeTotp(@RpcCaller() caller: Caller | null) {
    return this.factors.removeTotp(requireUserCaller(caller));
  }

  @RpcHandler(FactorsRpc.regenerateRecoveryCodes)
  regenerateRecoveryCodes(@RpcCaller() caller: Caller | null) {
    return this.factors.regenerateRecoveryCodes(requireUserCaller(caller));
  }
}
