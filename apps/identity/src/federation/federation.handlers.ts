import {
  Caller, CompleteFederatedSignInRequest, CreateIdentityLinkRequest, ListSignInProvidersRequest, StartFederatedSignInRequest, TokenPair, CreateIdentityProviderRequest, FederationRpc, IdentityLinkIdRequest, IdentityProviderIdRequest,
  ListIdentityLinksRequest, ListIdentityProvidersRequest, SamlHttpRequest, SetUserAuthenticationRequest, TestIdentityProviderRequest, UpdateIdentityProviderRequest,
  UserIdRequest,
} from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { RpcIp, RpcUserAgent } from '../common/envelope';
import { SessionsService } from '../sessions/sessions.service';
import { IdentityLinksService } from './identity-links.service';
import { IdentityProvidersService } from './identity-providers.service';
import { SamlServiceProviderEndpoints } from './saml-sign-in';
import { UpstreamSignIn } from './upstream-sign-in';

/** Identity providers, their links and users' authentication methods; the envelope's tenant undefined = instance level. */
@Controller()
export class FederationHandlers {
  constructor(
    private readonly providers: IdentityProvidersService,
    private readonly links: IdentityLinksService,
    private readonly upstream: UpstreamSignIn,
    private readonly sessions: SessionsService,
    private readonly saml: SamlServiceProviderEndpoints,
  ) {}

  /** Gateway only (HTTP bridge): a SAML provider's SP metadata or assertion consumer service. */
  @RpcHandler(FederationRpc.samlHttp)
  samlHttp(@RpcData() request: SamlHttpRequest) {
    return this.saml.http(request);
  }

  @RpcHandler(FederationRpc.signInProviders)
  signInProviders(@RpcData() request: ListSignInProvidersRequest) {
    return this.upstream.offered(request.email);
  }

  @RpcHandler(FederationRpc.startSignIn)
  startSignIn(@RpcData() request: StartFederatedSignInRequest) {
    return this.upstream.start(request.id, request.interaction);
  }

  /** The console's own sign-in (a browser session step: the gateway sets the session cookie from the answer). */
  @RpcHandler(FederationRpc.completeSignIn)
  async completeSignIn(@RpcData() request: CompleteFederatedSignInRequest, @RpcIp() ip: string | null, @RpcUserAgent() userAgent: string | null): Promise<TokenPair> {
    const outcome = await this.upstream.complete(request, null, ip);
    return this.sessions.federatedLogin(outcome.user, outcome.mfaDone, outcome.providerId, outcome.sessionEndsAt, ip, userAgent);
  }

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
