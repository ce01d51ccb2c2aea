import {
  AuthorizationRpc, GrantDefaultTenantAdminRequest, ProvisionResult, ProvisionTenantRequest,
} from '@gatehouse/contracts';
import { RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { ProvisioningService } from './provisioning.service';

@Controller()
export class ProvisioningHandlers {
  constructor(private readonly provisioning: ProvisioningService) {}

  @RpcHandler(AuthorizationRpc.provisionTenant)
  provisionTenant(@RpcData() request: ProvisionTenantRequest): Promise<ProvisionResult> {
    return this.provisioning.provisionTenant(request.tenantId, request.admin);
  }

  @RpcHandler(AuthorizationRpc.provisionDefaultTenant)
  provisionDefault(@RpcData() request: GrantDefaultTenantAdminRequest): Promise<ProvisionResult> {
    return this.provisioning.provisionTenant(null, request.admin);
  }
}
