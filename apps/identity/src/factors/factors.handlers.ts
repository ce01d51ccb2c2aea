import { Caller, ConfirmTotpRequest, FactorsRpc, PasskeyIdRequest, RegisterPasskeyRequest, RenamePasskeyRequest, SetMfaPolicyRequest, UserIdRequest } from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { requireUserCaller } from '../common/callers';
import { assertNoInput } from '../common/no-input';
import { FactorResetService } from './factor-reset.service';
import { FactorsService } from './factors.service';
import { MfaPolicyService } from './mfa-policy.service';
import { PasskeysService } from './passkeys.service';

/** A signed-in user's own factors (`/api/v1/me/mfa/...`), and an administrator's reset of a user's. */
@Controller()
export class FactorsHandlers {
  constructor(
    private readonly factors: FactorsService,
    private readonly passkeys: PasskeysService,
    private readonly resets: FactorResetService,
    private readonly policies: MfaPolicyService,
  ) {}

  @RpcHandler(FactorsRpc.getMfaPolicy)
  getMfaPolicy(@RpcTenant() tenantId: string | null | undefined) {
    if (tenantId === undefined) return this.policies.view(null);
    return this.policies.view(tenantId);
  }

  @RpcHandler(FactorsRpc.setMfaPolicy)
  setMfaPolicy(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: SetMfaPolicyRequest) {
    return this.policies.set(caller, tenantId, request);
  }

  @RpcHandler(FactorsRpc.resetUserFactors)
  resetUserFactors(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: UserIdRequest) {
    return this.resets.reset(caller, tenantId, request.id);
  }

  @RpcHandler(FactorsRpc.listMine)
  listMine(@RpcCaller() caller: Caller | null) {
    return this.factors.listMine(requireUserCaller(caller));
  }

  @RpcHandler(FactorsRpc.enrolTotp)
  enrolTotp(@RpcCaller() caller: Caller | null, @RpcData() request: Record<string, unknown>) {
    assertNoInput(request);
    return this.factors.enrolTotp(requireUserCaller(caller));
  }

  @RpcHandler(FactorsRpc.confirmTotp)
  confirmTotp(@RpcCaller() caller: Caller | null, @RpcData() request: ConfirmTotpRequest) {
    return this.factors.confirmTotp(requireUserCaller(caller), request.code);
  }

  @RpcHandler(FactorsRpc.removeTotp)
  removeTotp(@RpcCaller() caller: Caller | null) {
    return this.factors.removeTotp(requireUserCaller(caller));
  }

  @RpcHandler(FactorsRpc.passkeyRegistrationOptions)
  passkeyRegistrationOptions(@RpcCaller() caller: Caller | null, @RpcData() request: Record<string, unknown>) {
    assertNoInput(request);
    return this.passkeys.registrationOptions(requireUserCaller(caller));
  }

  @RpcHandler(FactorsRpc.registerPasskey)
  registerPasskey(@RpcCaller() caller: Caller | null, @RpcData() request: RegisterPasskeyRequest) {
    return this.passkeys.register(requireUserCaller(caller), request);
  }

  @RpcHandler(FactorsRpc.renamePasskey)
  renamePasskey(@RpcCaller() caller: Caller | null, @RpcData() request: RenamePasskeyRequest) {
    return this.passkeys.rename(requireUserCaller(caller), request.id, request.name);
  }

  @RpcHandler(FactorsRpc.removePasskey)
  removePasskey(@RpcCaller() caller: Caller | null, @RpcData() request: PasskeyIdRequest) {
    return this.passkeys.remove(requireUserCaller(caller), request.id);
  }

  @RpcHandler(FactorsRpc.regenerateRecoveryCodes)
  regenerateRecoveryCodes(@RpcCaller() caller: Caller | null, @RpcData() request: Record<string, unknown>) {
    assertNoInput(request);
    return this.factors.regenerateRecoveryCodes(requireUserCaller(caller));
  }
}

