import {
  Caller, CreateIdentityLinkRequest, CreateIdentityProviderRequest, FederationRpc, IdentityLinkIdRequest, IdentityProviderIdRequest,
  ListIdentityLinksRequest, ListIdentityProvidersRequest, SetUserAuthenticationRequest, TestIdentityProviderRequest, UpdateIdentityProviderRequest,
  UserIdRequest,
} from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { IdentityLinksService } from './identity-links.service';
import { IdentityProvidersService } from './identity-providers.service';

/** Identity providers, their links and users' authentication methods; the envelope's tenant undefined = instance level. */
@Controller()
export class FederationHandlers {
  constructor(private readonly providers: IdentityProvidersService, private readonly links: IdentityLinksService) {}

  @RpcHandler(FederationRpc.createProvider)
  create(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: CreateIdentityProviderRequest) {
    return this.providers.create(caller, tenantId, request);
  }

  @RpcHandler(FederationRpc.listProviders)
  list(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: ListIdentityProvidersRequest) {
    return this.providers.list(tenantId, request);
  }

  @RpcHandler(FederationRpc.getProvider)
  get(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: IdentityProviderIdRequest) {
    return this.providers.get(tenantId, request.id);
  }

  @RpcHandler(FederationRpc.updateProvider)
  update(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: UpdateIdentityProviderRequest) {
    return this.providers.update(caller, tenantId, request);
  }

  @RpcHandler(FederationRpc.deleteProvider)
  delete(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: IdentityProviderIdRequest) {
    return this.providers.delete(caller, tenantId, request.id);
  }

  @RpcHandler(FederationRpc.testProvider)
  test(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: TestIdentityProviderRequest) {
    return this.providers.test(tenantId, request.id, request.login);
  }

  @RpcHandler(FederationRpc.listLinks)
  listLinks(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: ListIdentityLinksRequest) {
    return this.links.list(tenantId, request);
  }

  @RpcHandler(FederationRpc.createLink)
  createLink(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: CreateIdentityLinkRequest) {
    return this.links.create(caller, tenantId, request);
  }

  @RpcHandler(FederationRpc.deleteLink)
  deleteLink(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: IdentityLinkIdRequest) {
    return this.links.delete(caller, tenantId, request);
  }

  @RpcHandler(FederationRpc.getUserAuthentication)
  authentication(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: UserIdRequest) {
    return this.links.authentication(caller, tenantId, request.id);
  }

  @RpcHandler(FederationRpc.setUserAuthentication)
  setAuthentication(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: SetUserAuthenticationRequest) {
    return this.links.setAuthentication(caller, tenantId, request);
  }
}
