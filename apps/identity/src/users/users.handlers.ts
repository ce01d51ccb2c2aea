import {
  Caller, CreateUserRequest, FindUserByEmailRequest, FindUserByUsernameRequest, GetUserRequest, GetUsersByIdsRequest,
  IdentityRpc, ListUsersRequest, SubjectFactsRequest, UpdateMeRequest, UpdateUserRequest, UserIdRequest,
} from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { requireUserCaller } from '../common/callers';
import { UsersService } from './users.service';

@Controller()
export class UsersHandlers {
  constructor(private readonly users: UsersService) {}

  @RpcHandler(IdentityRpc.createUser)
  create(@RpcCaller() caller: Caller | null, @RpcData() request: CreateUserRequest) {
    return this.users.create(caller, request);
  }

  @RpcHandler(IdentityRpc.getUser)
  get(@RpcData() request: GetUserRequest) {
    return this.users.get(request.id);
  }

  @RpcHandler(IdentityRpc.getUsersByIds)
  getMany(@RpcData() request: GetUsersByIdsRequest) {
    return this.users.getMany(request.ids);
  }

  @RpcHandler(IdentityRpc.usersFacts)
  usersFacts(@RpcData() request: GetUsersByIdsRequest) {
    return this.users.usersFacts(request.ids);
  }

  @RpcHandler(IdentityRpc.findUserByUsername)
  findByUsername(@RpcData() request: FindUserByUsernameRequest) {
    return this.users.findByUsernameOrEmail(request.username);
  }

  @RpcHandler(IdentityRpc.findUserByEmail)
  findByEmail(@RpcData() request: FindUserByEmailRequest) {
    return this.users.findByEmail(request.email);
  }

  @RpcHandler(IdentityRpc.listUsers)
  list(@RpcData() request: ListUsersRequest) {
    return this.users.list(request);
  }

  @RpcHandler(IdentityRpc.updateUser)
  update(@RpcCaller() caller: Caller | null, @RpcData() request: UpdateUserRequest) {
    return this.users.update(caller, request);
  }

  @RpcHandler(IdentityRpc.disableUser)
  disable(@RpcCaller() caller: Caller | null, @RpcData() request: UserIdRequest) {
    return this.users.disable(caller, request.id);
  }

  @RpcHandler(IdentityRpc.enableUser)
  enable(@RpcCaller() caller: Caller | null, @RpcData() request: UserIdRequest) {
    return this.users.enable(caller, request.id);
  }

  @RpcHandler(IdentityRpc.unlockUser)
  unlock(@RpcCaller() caller: Caller | null, @RpcData() request: UserIdRequest) {
    return this.users.unlock(caller, request.id);
  }

  @RpcHandler(IdentityRpc.deleteUser)
  delete(@RpcCaller() caller: Caller | null, @RpcData() request: UserIdRequest) {
    return this.users.delete(caller, request.id);
  }

  @RpcHandler(IdentityRpc.subjectFacts)
  facts(@RpcData() request: SubjectFactsRequest) {
    return this.users.facts(request.id);
  }

  @RpcHandler(IdentityRpc.me)
  me(@RpcCaller() caller: Caller | null) {
    return this.users.get(requireUserCaller(caller).id);
  }

  @RpcHandler(IdentityRpc.updateMe)
  updateMe(@RpcCaller() caller: Caller | null, @RpcData() request: UpdateMeRequest) {
    return this.users.updateMe(requireUserCaller(caller), request);
  }
}
