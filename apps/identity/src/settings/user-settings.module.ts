import { Caller, IdentityRpc, PutUserSettingsRequest } from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller, Module } from '@nestjs/common';
import { requireUserCaller } from '../common/callers';
import { UserSettingsService } from './user-settings.service';

@Controller()
export class UserSettingsHandlers {
  constructor(private readonly settings: UserSettingsService) {}

  @RpcHandler(IdentityRpc.getMySettings)
  get(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined) {
    return this.settings.get(requireUserCaller(caller), tenantId);
  }

  @RpcHandler(IdentityRpc.putMySettings)
  put(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: PutUserSettingsRequest) {
    return this.settings.put(requireUserCaller(caller), tenantId, request);
  }
}

@Module({ controllers: [UserSettingsHandlers], providers: [UserSettingsService] })
export class UserSettingsModule {}
