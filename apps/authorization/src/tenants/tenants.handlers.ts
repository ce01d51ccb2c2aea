import { AuthorizationRpc, Caller, RetireTenantRequest } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcCaller, RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { LiveTenants } from './live-tenants';

@Controller()
export class TenantsHandlers {
  constructor(private readonly liveTenants: LiveTenants) {}

  @RpcHandler(AuthorizationRpc.retireTenant)
  retire(@RpcData() request: RetireTenantRequest, @RpcCaller() caller: Caller | null): Promise<void> {
    if (caller?.type !== 'SERVICE') throw ProblemException.forbidden('Tenants are retired by the tenancy service only');
    return this.liveTenants.retireNow(request.tenantId);
  }
}
