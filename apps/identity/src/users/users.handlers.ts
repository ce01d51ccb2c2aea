import {
  Caller, CreateUserRequest, GetUserRequest, IdentityRpc, ListUsersRequest, FindUserByUsernameRequest,
  SubjectFactsRequest,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcCaller, RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { UsersService } from './users.service';

@Controller()
export class UsersHandlers {
  constructor(private readonly users: UsersService) {}

  @RpcHandler(IdentityRpc.createUser)
  create(@RpcData() request: CreateUserRequest) {
    return this.users.create(request);
  }

  @RpcHandler(IdentityRpc.getUser)
  get(@RpcData() request: GetUserRequest) {
    return this.users.get(request.id);
  }

  @RpcHandler(IdentityRpc.findUserByUsername)
  findByUsername(@RpcData() request: FindUserByUsernameRequest) {
    return this.users.findByUsernameOrEmail(request.username);
  }

  @RpcHandler(IdentityRpc.listUsers)
  list(@RpcData() request: ListUsersRequest) {
    return this.users.list(request);
  }

  @RpcHandler(IdentityRpc.subjectFacts)
  facts(@RpcData() request: SubjectFactsRequest) {
    return this.users.facts(request.id);
  }

  @RpcHandler(IdentityRpc.me)
  me(@RpcCaller() caller: Caller | null) {
    if (!caller || caller.type !== 'USER') throw ProblemException.notFound('Only users have a profile');
    return this.users.get(caller.id);
  }
}
