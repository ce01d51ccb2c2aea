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
  setMfaPolicy(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: SetMfaPolicyRequest, @RpcCaller() caller: Caller | null) {
    return this.policies.set(caller, tenantId, request);
  }

  @RpcHandler(FactorsRpc.resetUserFactors)
  resetUserFactors(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: UserIdRequest, @RpcCaller() caller: Caller | null) {
    return this.resets.reset(caller, tenantId, request.id);
  }

  @RpcHandler(FactorsRpc.listMine)
  listMine(@RpcCaller() caller: Caller | null) {
    return this.factors.listMine(requireUserCaller(caller));
  }

  @RpcHandler(FactorsRpc.enrolTotp)
  enrolTotp(@RpcData() input: Record<string, unknown>, @RpcCaller() caller: Caller | null) {
    assertNoInput(input);
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

  @RpcHandler(FactorsRpc.passkeyRegistrationOptions)
  passkeyRegistrationOptions(@RpcData() input: Record<string, unknown>, @RpcCaller() caller: Caller | null) {
    assertNoInput(input);
    return this.passkeys.registrationOptions(requireUserCaller(caller));
  }

  @RpcHandler(FactorsRpc.registerPasskey)
  registerPasskey(@RpcData() request: RegisterPasskeyRequest, @RpcCaller() caller: Caller | null) {
    return this.passkeys.register(requireUserCaller(caller), request);
  }

  @RpcHandler(FactorsRpc.renamePasskey)
  renamePasskey(@RpcData() request: RenamePasskeyRequest, @RpcCaller() caller: Caller | null) {
    return this.passkeys.rename(requireUserCaller(caller), request.id, request.name);
  }

  @RpcHandler(FactorsRpc.removePasskey)
  removePasskey(@RpcData() request: PasskeyIdRequest, @RpcCaller() caller: Caller | null) {
    return this.passkeys.remove(requireUserCaller(caller), request.id);
  }

  @RpcHandler(FactorsRpc.regenerateRecoveryCodes)
  regenerateRecoveryCodes(@RpcData() input: Record<string, unknown>, @RpcCaller() caller: Caller | null) {
    assertNoInput(input);
    return this.factors.regenerateRecoveryCodes(requireUserCaller(caller));
  }
}

