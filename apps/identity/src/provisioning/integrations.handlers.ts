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
  create(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: CreateIntegrationRequest) {
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
  update(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: UpdateIntegrationRequest) {
    return this.integrations.update(caller, tenantId, request);
  }

  @RpcHandler(ProvisioningRpc.deleteIntegration)
  delete(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: IntegrationIdRequest) {
    return this.integrations.delete(caller, tenantId, request.id);
  }

  @RpcHandler(ProvisioningRpc.rotateIntegrationSecret)
  rotateSecret(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: IntegrationIdRequest) {
    return this.integrations.rotateSecret(caller, tenantId, request.id);
  }

  /** The gateway's look-up of a SCIM bearer secret. */
  @RpcHandler(ProvisioningRpc.resolveIntegrationSecret)
  resolve(@RpcCaller() caller: Caller | null, @RpcData() request: ResolveIntegrationSecretRequest) {
    if (caller?.type !== 'SERVICE' || caller.id !== 'gateway') throw ProblemException.forbidden('Integration secrets are resolved by the gateway only');
    return this.integrations.resolve(request.secret);
  }
}
