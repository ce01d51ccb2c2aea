import { Caller, IdentityRpc, RetireTenantRequest } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcCaller, RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { TenantCleanupService } from './tenant-cleanup.service';

@Controller()
export class TenantCleanupHandlers {
  constructor(private readonly cleanup: TenantCleanupService) {}

  @RpcHandler(IdentityRpc.retireTenant)
  retire(@RpcCaller() caller: Caller | null, @RpcData() request: RetireTenantRequest): Promise<void> {
    if (caller?.type !== 'SERVICE') throw ProblemException.forbidden('Tenants are retired by the tenancy service only');
    return this.cleanup.retire(request.tenantId);
  }
}
