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
  list(@RpcData() request: ListRolesRequest, @RpcTenant() tenantId: string | null | undefined): Promise<Page<RoleView>> {
    return this.roles.list(tenantId, request);
  }

  @RpcHandler(AuthorizationRpc.getRole)
  get(@RpcData() request: IdRequest, @RpcTenant() tenantId: string | null | undefined): Promise<RoleView> {
    return this.roles.get(tenantId, request.id);
  }

  @RpcHandler(AuthorizationRpc.createRole)
  create(@RpcData() request: CreateRoleRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined) {
    return this.roles.create(caller, tenantId, request);
  }

  @RpcHandler(AuthorizationRpc.updateRole)
  update(@RpcData() request: UpdateRoleRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined) {
    return this.roles.update(caller, tenantId, request);
  }

  @RpcHandler(AuthorizationRpc.deleteRole)
  delete(@RpcData() request: IdRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined) {
    return this.roles.delete(caller, tenantId, request.id);
  }
}
