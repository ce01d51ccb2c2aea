import { Caller, CreateUserRequest, IdentityRpc, IdentitySetupStatus, UserView } from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { PasswordPolicyService } from '../passwords/password-policy';
import { UsersService } from '../users/users.service';

@Controller()
export class SetupHandlers {
  constructor(private readonly users: UsersService, private readonly policy: PasswordPolicyService) {}

  @RpcHandler(IdentityRpc.setupStatus)
  async status(): Promise<IdentitySetupStatus> {
    return { hasUsers: await this.users.anyExists(), passwordPolicy: this.policy.policy };
  }

  @RpcHandler(IdentityRpc.createFirstUser)
  createFirst(@RpcCaller() caller: Caller | null, @RpcData() request: CreateUserRequest): Promise<UserView> {
    return this.users.createFirst(caller, request);
  }
}
