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
  list(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: PageQuery) {
    return this.access.list(tenantOf(tenantId), request);
  }

  @RpcHandler(AuthorizationRpc.findTenantUser)
  find(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: FindTenantUserRequest) {
    return this.access.find(tenantOf(tenantId), request.email);
  }

  @RpcHandler(AuthorizationRpc.addTenantAccess)
  add(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: AddTenantAccessRequest) {
    return this.access.add(caller, tenantOf(tenantId), request);
  }

  @RpcHandler(AuthorizationRpc.requestTenantUserPasswordReset)
  requestTenantUserPasswordReset(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: IdRequest) {
    return this.access.requestPasswordReset(caller, tenantOf(tenantId), request.id);
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
  joinDefault(@RpcCaller() caller: Caller | null, @RpcData() request: JoinDefaultTenantRequest) {
    if (caller?.type !== 'SERVICE') throw ProblemException.forbidden('sync-access is an operator command');
    return this.access.joinDefaultTenant(caller, request.userIds);
  }

  @RpcHandler(AuthorizationRpc.removeTenantAccess)
  remove(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: TenantAccessUserRequest) {
    return this.access.remove(caller, tenantOf(tenantId), request.userId);
  }
}
