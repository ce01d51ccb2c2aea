import { Caller, IdentityRpc, ImpersonationToken, UserIdRequest } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { ImpersonationService } from './impersonation.service';

@Controller()
export class ImpersonationHandlers {
  constructor(private readonly impersonation: ImpersonationService) {}

  /** `POST {t}/users/{id}/impersonate`: the caller's own token exchange, for the console. */
  @RpcHandler(IdentityRpc.impersonateUser)
  impersonateUser(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: UserIdRequest): Promise<ImpersonationToken> {
    if (!caller) throw ProblemException.unauthorized();
    if (tenantId === undefined) throw ProblemException.validation([{ field: 'tenant', message: 'Impersonation is always in one tenant' }]);
    return this.impersonation.start(caller, tenantId, request.id, { via: 'api' });
  }
}
