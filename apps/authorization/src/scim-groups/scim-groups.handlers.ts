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
  list(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: ScimGroupListRequest) {
    return this.groups.list(tenantOf(tenantId), request);
  }

  @RpcHandler(ScimGroupsRpc.get)
  get(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: ScimGroupGetRequest) {
    return this.groups.get(tenantOf(tenantId), request.id, request.withMembers);
  }

  @RpcHandler(ScimGroupsRpc.create)
  create(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: ScimGroupWriteRequest) {
    return this.groups.create(caller, tenantOf(tenantId), request);
  }

  @RpcHandler(ScimGroupsRpc.replace)
  replace(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: ScimGroupWriteRequest) {
    if (!request.id) throw ProblemException.validation([{ field: 'id', message: 'id is required to replace a group' }]);
    return this.groups.replace(caller, tenantOf(tenantId), request);
  }

  @RpcHandler(ScimGroupsRpc.delete)
  delete(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: ScimGroupDeleteRequest) {
    return this.groups.delete(caller, tenantOf(tenantId), request.id, request.ifVersion);
  }

  @RpcHandler(ScimGroupsRpc.groupsOfUsers)
  groupsOfUsers(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: ScimUsersGroupsRequest) {
    return this.groups.groupsOfUsers(tenantOf(tenantId), request.userIds);
  }
}
