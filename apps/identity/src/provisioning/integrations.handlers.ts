import {
  Caller, CreateIntegrationRequest, IntegrationIdRequest, ListIntegrationsRequest, ProvisioningRpc, ResolveIntegrationSecretRequest, UpdateIntegrationRequest,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { IntegrationsService } from './integrations.service';

@Controller()
export class IntegrationsHandlers {
  constructor(private readonly integrations: IntegrationsService) {}

  @RpcHandler(ProvisioningRpc.createIntegration)
  create(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: CreateIntegrationRequest, @RpcCaller() caller: Caller | null) {
    return this.integrations.create(caller, tenantId, request);
  }

  @RpcHandler(ProvisioningRpc.listIntegrations)
  list(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: ListIntegrationsRequest) {
    return this.integrations.list(tenantId, request);
  }

  @RpcHandler(ProvisioningRpc.getIntegration)
  get(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: IntegrationIdRequest) {
    return this.integrations.get(tenantId, request.id);
  }

  @RpcHandler(ProvisioningRpc.updateIntegration)
  update(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: UpdateIntegrationRequest, @RpcCaller() caller: Caller | null) {
    return this.integrations.update(caller, tenantId, request);
  }

  @RpcHandler(ProvisioningRpc.deleteIntegration)
  delete(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: IntegrationIdRequest, @RpcCaller() caller: Caller | null) {
    return this.integrations.delete(caller, tenantId, request.id);
  }

  @RpcHandler(ProvisioningRpc.rotateIntegrationSecret)
  rotateSecret(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: IntegrationIdRequest, @RpcCaller() caller: Caller | null) {
    return this.integrations.rotateSecret(caller, tenantId, request.id);
  }

  /** The gateway's look-up of a SCIM bearer secret. */
  @RpcHandler(ProvisioningRpc.resolveIntegrationSecret)
  resolve(@RpcData() request: ResolveIntegrationSecretRequest, @RpcCaller() caller: Caller | null) {
    if (caller?.type !== 'SERVICE' || caller.id !== 'gateway') throw ProblemException.forbidden('Integration secrets are resolved by the gateway only');
    return this.integrations.resolve(request.secret);
  }
}
