import {
  AddTenantAccessRequest, AuthorizationRpc, Caller, FindTenantUserRequest, IdRequest, JoinDefaultTenantRequest, PageQuery, TenantAccessUserRequest, TenantCountsRequest,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
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

  @RpcHandler(AuthorizationRpc.requestTenantUserPasswordReset)
  requestTenantUserPasswordReset(@RpcData() request: IdRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.access.requestPasswordReset(caller, tenantOf(tenant), request.id);
  }

  @RpcHandler(AuthorizationRpc.reachableTenants)
  reachable(@RpcCaller() caller: Caller | null) {
    return this.access.reachable(caller);
  }

  @RpcHandler(AuthorizationRpc.countTenantMembers)
  count(@RpcData() request: TenantCountsRequest) {
    return this.access.countByTenant(request.tenantIds);
  }

  @RpcHandler(AuthorizationRpc.joinDefaultTenant)
  joinDefault(@RpcData() request: JoinDefaultTenantRequest, @RpcCaller() caller: Caller | null) {
    if (caller?.type !== 'SERVICE') throw ProblemException.forbidden('sync-access is an operator command');
    return this.access.joinDefaultTenant(caller, request.userIds);
  }

  @RpcHandler(AuthorizationRpc.removeTenantAccess)
  remove(@RpcData() request: TenantAccessUserRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.access.remove(caller, tenantOf(tenant), request.userId);
  }
}
