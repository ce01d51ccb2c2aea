import {
  AuthorizationRpc, Caller, CreateRoleRequest, IdRequest, ListRolesRequest, Page, RoleView, UpdateRoleRequest,
} from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { RolesService } from './roles.service';

@Controller()
export class RolesHandlers {
  constructor(private readonly roles: RolesService) {}

  @RpcHandler(AuthorizationRpc.listRoles)
  list(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: ListRolesRequest): Promise<Page<RoleView>> {
    return this.roles.list(tenantId, request);
  }

  @RpcHandler(AuthorizationRpc.getRole)
  get(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: IdRequest): Promise<RoleView> {
    return this.roles.get(tenantId, request.id);
  }

  @RpcHandler(AuthorizationRpc.createRole)
  create(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: CreateRoleRequest) {
    return this.roles.create(caller, tenantId, request);
  }

  @RpcHandler(AuthorizationRpc.updateRole)
  update(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: UpdateRoleRequest) {
    return this.roles.update(caller, tenantId, request);
  }

  @RpcHandler(AuthorizationRpc.deleteRole)
  delete(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: IdRequest) {
    return this.roles.delete(caller, tenantId, request.id);
  }
}
