import {
  AddGroupMemberRequest, AuthorizationRpc, Caller, CreateGroupRequest, GroupMemberRequest, IdRequest, ListGroupMembersRequest,
  ListGroupsRequest, ListUserGroupsRequest, UpdateGroupRequest, UserGroupRequest,
} from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { tenantOf } from '../common/tenant-of';
import { GroupsService } from './groups.service';

@Controller()
export class GroupsHandlers {
  constructor(private readonly groups: GroupsService) {}

  @RpcHandler(AuthorizationRpc.listGroups)
  list(@RpcData() request: ListGroupsRequest, @RpcTenant() tenant: string | null | undefined) {
    return this.groups.list(tenantOf(tenant), request);
  }

  @RpcHandler(AuthorizationRpc.getGroup)
  get(@RpcData() request: IdRequest, @RpcTenant() tenant: string | null | undefined) {
    return this.groups.get(tenantOf(tenant), request.id);
  }

  @RpcHandler(AuthorizationRpc.createGroup)
  create(@RpcData() request: CreateGroupRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.groups.create(caller, tenantOf(tenant), request);
  }

  @RpcHandler(AuthorizationRpc.updateGroup)
  update(@RpcData() request: UpdateGroupRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.groups.update(caller, tenantOf(tenant), request);
  }

  @RpcHandler(AuthorizationRpc.deleteGroup)
  delete(@RpcData() request: IdRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.groups.delete(caller, tenantOf(tenant), request.id);
  }

  @RpcHandler(AuthorizationRpc.listGroupMembers)
  members(@RpcData() request: ListGroupMembersRequest, @RpcTenant() tenant: string | null | undefined) {
    return this.groups.members(tenantOf(tenant), request);
  }

  @RpcHandler(AuthorizationRpc.addGroupMember)
  addMember(@RpcData() request: AddGroupMemberRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.groups.addMember(caller, tenantOf(tenant), request.id, request.memberType, request.memberId);
  }

  @RpcHandler(AuthorizationRpc.removeGroupMember)
  removeMember(@RpcData() request: GroupMemberRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.groups.removeMember(caller, tenantOf(tenant), request.id, request.memberId);
  }

  @RpcHandler(AuthorizationRpc.listUserGroups)
  userGroups(@RpcData() request: ListUserGroupsRequest, @RpcTenant() tenant: string | null | undefined) {
    const { userId, ...page } = request;
    return this.groups.userGroups(tenantOf(tenant), userId, page);
  }

  /** The user (or service account) side of membership: the member type comes from identity's facts. */
  @RpcHandler(AuthorizationRpc.addUserToGroup)
  addUserToGroup(@RpcData() request: UserGroupRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.groups.addSubject(caller, tenantOf(tenant), request.groupId, request.userId);
  }

  @RpcHandler(AuthorizationRpc.removeUserFromGroup)
  removeUserFromGroup(@RpcData() request: UserGroupRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.groups.removeMember(caller, tenantOf(tenant), request.groupId, request.userId);
  }

  @RpcHandler(AuthorizationRpc.requestGroupPasswordReset)
  requestGroupPasswordReset(@RpcData() request: IdRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.groups.requestPasswordReset(caller, tenantOf(tenant), request.id);
  }
}
