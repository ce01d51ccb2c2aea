import { AuditSearchRequest, TenancyRpc } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { AuditTrailService } from './audit-trail.service';

@Controller()
export class AuditHandlers {
  constructor(private readonly trail: AuditTrailService) {}

  @RpcHandler(TenancyRpc.searchAudit)
  search(@RpcData() query: AuditSearchRequest, @RpcTenant() tenantId: string | null | undefined) {
    if (tenantId === undefined) throw ProblemException.badRequest('A tenant is required');
    return this.trail.searchTenant(tenantId, query);
  }

  @RpcHandler(TenancyRpc.searchInstanceAudit)
  searchInstance(@RpcData() query: AuditSearchRequest) {
    return this.trail.searchInstance(query);
  }
}
