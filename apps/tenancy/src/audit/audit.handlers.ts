import { AuditSearchRequest, TenancyRpc } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { AuditTrailService } from './audit-trail.service';

@Controller()
export class AuditHandlers {
  constructor(private readonly trail: AuditTrailService) {}

  @RpcHandler(TenancyRpc.searchAudit)
  search(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: AuditSearchRequest) {
    if (tenantId === undefined) throw ProblemException.badRequest('A tenant is required');
    return this.trail.searchTenant(tenantId, request);
  }

  @RpcHandler(TenancyRpc.searchInstanceAudit)
  searchInstance(@RpcData() request: AuditSearchRequest) {
    return this.trail.searchInstance(request);
  }
}
