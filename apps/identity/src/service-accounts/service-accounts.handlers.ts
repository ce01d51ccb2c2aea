import {
  Caller, CreateServiceAccountRequest, IdentityRpc, ListServiceAccountsRequest, ServiceAccountIdRequest, TenantCountsRequest, UpdateServiceAccountRequest,
} from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { ServiceAccountsService } from './service-accounts.service';

@Controller()
export class ServiceAccountsHandlers {
  constructor(private readonly accounts: ServiceAccountsService) {}

  @RpcHandler(IdentityRpc.createServiceAccount)
  create(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: CreateServiceAccountRequest) {
    return this.accounts.create(caller, tenantId, request);
  }

  @RpcHandler(IdentityRpc.countServiceAccounts)
  count(@RpcData() request: TenantCountsRequest): Promise<Record<string, number>> {
    return this.accounts.countByTenant(request.tenantIds);
  }

  @RpcHandler(IdentityRpc.listServiceAccounts)
  list(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: ListServiceAccountsRequest) {
    return this.accounts.list(tenantId, request);
  }

  @RpcHandler(IdentityRpc.getServiceAccount)
  get(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: ServiceAccountIdRequest) {
    return this.accounts.get(tenantId, request.id);
  }

  @RpcHandler(IdentityRpc.updateServiceAccount)
  update(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: UpdateServiceAccountRequest) {
    return this.accounts.update(caller, tenantId, request);
  }

  @RpcHandler(IdentityRpc.deleteServiceAccount)
  delete(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: ServiceAccountIdRequest) {
    return this.accounts.delete(caller, tenantId, request.id);
  }
}
