import { AddTenantAccessRequest, AuthorizationRpc, Caller, FindTenantUserRequest, PageQuery, TenantAccessUserRequest } from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { tenantOf } from '../common/tenant-of';
import { TenantAccessService } from './tenant-access.service';

@Controller()
export class TenantAccessHandlers {
  constructor(private readonly access: TenantAccessService) {}

  @RpcHandler(AuthorizationRpc.listTenantAccess)
  list(@RpcData() request: PageQuery, @RpcTenant() tenant: string | null | undefined) {
    return this.access.list(tenantOf(tenant), request);
  }

  @RpcHandler(AuthorizationRpc.findTenantUser)
  find(@RpcData() request: FindTenantUserRequest, @RpcTenant() tenant: string | null | undefined) {
    return this.access.find(tenantOf(tenant), request.email);
  }

  @RpcHandler(AuthorizationRpc.addTenantAccess)
  add(@RpcData() request: AddTenantAccessRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.access.add(caller, tenantOf(tenant), request);
  }

  @RpcHandler(AuthorizationRpc.removeTenantAccess)
  remove(@RpcData() request: TenantAccessUserRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.access.remove(caller, tenantOf(tenant), request.userId);
  }
}
