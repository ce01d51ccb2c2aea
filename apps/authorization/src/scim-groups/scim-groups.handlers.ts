import {
  Caller, ScimGroupDeleteRequest, ScimGroupGetRequest, ScimGroupListRequest, ScimGroupsRpc, ScimGroupWriteRequest, ScimUsersGroupsRequest,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { tenantOf } from '../common/tenant-of';
import { ScimGroupsService } from './scim-groups.service';

/** Asked by identity's provisioning context only, with the integration's caller (its owner) on the envelope. */
@Controller()
export class ScimGroupsHandlers {
  constructor(private readonly groups: ScimGroupsService) {}

  @RpcHandler(ScimGroupsRpc.list)
  list(@RpcData() request: ScimGroupListRequest, @RpcTenant() tenant: string | null | undefined) {
    return this.groups.list(tenantOf(tenant), request);
  }

  @RpcHandler(ScimGroupsRpc.get)
  get(@RpcData() request: ScimGroupGetRequest, @RpcTenant() tenant: string | null | undefined) {
    return this.groups.get(tenantOf(tenant), request.id, request.withMembers);
  }

  @RpcHandler(ScimGroupsRpc.create)
  create(@RpcData() request: ScimGroupWriteRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.groups.create(caller, tenantOf(tenant), request);
  }

  @RpcHandler(ScimGroupsRpc.replace)
  replace(@RpcData() request: ScimGroupWriteRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    if (!request.id) throw ProblemException.validation([{ field: 'id', message: 'id is required to replace a group' }]);
    return this.groups.replace(caller, tenantOf(tenant), request);
  }

  @RpcHandler(ScimGroupsRpc.delete)
  delete(@RpcData() request: ScimGroupDeleteRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.groups.delete(caller, tenantOf(tenant), request.id, request.ifVersion);
  }

  @RpcHandler(ScimGroupsRpc.groupsOfUsers)
  groupsOfUsers(@RpcData() request: ScimUsersGroupsRequest, @RpcTenant() tenant: string | null | undefined) {
    return this.groups.groupsOfUsers(tenantOf(tenant), request.userIds);
  }
}
