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
  list(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: ListGroupsRequest) {
    return this.groups.list(tenantOf(tenantId), request);
  }

  @RpcHandler(AuthorizationRpc.getGroup)
  get(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: IdRequest) {
    return this.groups.get(tenantOf(tenantId), request.id);
  }

  @RpcHandler(AuthorizationRpc.createGroup)
  create(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: CreateGroupRequest) {
    return this.groups.create(caller, tenantOf(tenantId), request);
  }

  @RpcHandler(AuthorizationRpc.updateGroup)
  update(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: UpdateGroupRequest) {
    return this.groups.update(caller, tenantOf(tenantId), request);
  }

  @RpcHandler(AuthorizationRpc.deleteGroup)
  delete(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: IdRequest) {
    return this.groups.delete(caller, tenantOf(tenantId), request.id);
  }

  @RpcHandler(AuthorizationRpc.listGroupMembers)
  members(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: ListGroupMembersRequest) {
    return this.groups.members(tenantOf(tenantId), request);
  }

  @RpcHandler(AuthorizationRpc.addGroupMember)
  addMember(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: AddGroupMemberRequest) {
    return this.groups.addMember(caller, tenantOf(tenantId), request.id, request.memberType, request.memberId);
  }

  @RpcHandler(AuthorizationRpc.removeGroupMember)
  removeMember(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: GroupMemberRequest) {
    return this.groups.removeMember(caller, tenantOf(tenantId), request.id, request.memberId);
  }

  @RpcHandler(AuthorizationRpc.listUserGroups)
  userGroups(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: ListUserGroupsRequest) {
    const { userId, ...page } = request;
    return this.groups.userGroups(tenantOf(tenantId), userId, page);
  }

  /** The user (or service account) side of membership: the member type comes from identity's facts. */
  @RpcHandler(AuthorizationRpc.addUserToGroup)
  addUserToGroup(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: UserGroupRequest) {
    return this.groups.addSubject(caller, tenantOf(tenantId), request.groupId, request.userId);
  }

  @RpcHandler(AuthorizationRpc.removeUserFromGroup)
  removeUserFromGroup(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: UserGroupRequest) {
    return this.groups.removeMember(caller, tenantOf(tenantId), request.groupId, request.userId);
  }

  @RpcHandler(AuthorizationRpc.requestGroupPasswordReset)
  requestGroupPasswordReset(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: IdRequest) {
    return this.groups.requestPasswordReset(caller, tenantOf(tenantId), request.id);
  }
}
