import {
  Caller, ChangeOwnPasswordRequest, ForgottenPasswordRequest, IdentityRpc, PasswordResetRequestResult,
  RequestPasswordResetRequest, ResetPasswordRequest, SetUserPasswordRequest, UserIdRequest,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { requireUserCaller } from '../common/callers';
import { RpcIp } from '../common/envelope';
import { PasswordFlowsService } from './password-flows.service';

@Controller()
export class PasswordFlowsHandlers {
  constructor(private readonly flows: PasswordFlowsService) {}

  @RpcHandler(IdentityRpc.changeOwnPassword)
  changeOwnPassword(@RpcCaller() caller: Caller | null, @RpcData() request: ChangeOwnPasswordRequest): Promise<void> {
    return this.flows.changeOwn(requireUserCaller(caller), request);
  }

  @RpcHandler(IdentityRpc.forgottenPassword)
  forgottenPassword(@RpcData() request: ForgottenPasswordRequest, @RpcIp() ip: string | null): Promise<void> {
    return this.flows.forgottenPassword(request.email, ip);
  }

  @RpcHandler(IdentityRpc.resetPassword)
  resetPassword(@RpcData() request: ResetPasswordRequest, @RpcIp() ip: string | null): Promise<void> {
    return this.flows.reset(request.token, request.password, ip);
  }

  @RpcHandler(IdentityRpc.requestPasswordReset)
  requestPasswordReset(
    @RpcCaller() caller: Caller | null,
    @RpcTenant() tenantId: string | null | undefined,
    @RpcData() request: RequestPasswordResetRequest,
  ): Promise<PasswordResetRequestResult> {
    return this.flows.requestReset(caller, tenantId, request.userIds);
  }

  @RpcHandler(IdentityRpc.requestUserPasswordReset)
  async requestUserPasswordReset(@RpcCaller() caller: Caller | null, @RpcData() request: UserIdRequest): Promise<PasswordResetRequestResult> {
    const result = await this.flows.requestReset(caller, undefined, [request.id]);
    if (result.requested === 0) throw ProblemException.notFound(`User ${request.id} does not exist or is disabled`);
    return result;
  }

  @RpcHandler(IdentityRpc.setUserPassword)
  setUserPassword(@RpcCaller() caller: Caller | null, @RpcData() request: SetUserPasswordRequest): Promise<void> {
    return this.flows.setByAdmin(caller, request.id, request.password);
  }
}
