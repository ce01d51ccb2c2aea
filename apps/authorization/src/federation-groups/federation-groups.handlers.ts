import { Caller, FederationGroupsRpc, FederationMappingCheckRequest, FederationMembershipSyncRequest } from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { tenantOf } from '../common/tenant-of';
import { FederationGroupsService } from './federation-groups.service';

/** Asked by identity's federation context: the caller is the admin saving a provider, or the provider's owner at a sign-in. */
@Controller()
export class FederationGroupsHandlers {
  constructor(private readonly federation: FederationGroupsService) {}

  @RpcHandler(FederationGroupsRpc.checkMapping)
  checkMapping(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: FederationMappingCheckRequest) {
    return this.federation.checkMapping(caller, tenantOf(tenantId), request.groupIds);
  }

  @RpcHandler(FederationGroupsRpc.syncMemberships)
  sync(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: FederationMembershipSyncRequest) {
    return this.federation.sync(caller, tenantOf(tenantId), request);
  }
}
