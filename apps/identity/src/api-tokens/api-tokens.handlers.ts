import {
  ApiTokenIdRequest, Caller, CreateApiTokenRequest, CreateServiceAccountApiTokenRequest, IdentityRpc, ListApiTokensRequest,
  ListServiceAccountApiTokensRequest, ResolveApiTokenRequest, ServiceAccountApiTokenIdRequest, CreateUserApiTokenRequest,
  ListUserApiTokensRequest, UserApiTokenIdRequest,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { requireUserCaller } from '../common/callers';
import { ApiTokensService } from './api-tokens.service';

@Controller()
export class ApiTokensHandlers {
  constructor(private readonly tokens: ApiTokensService) {}

  @RpcHandler(IdentityRpc.createMyApiToken)
  createOwn(@RpcData() request: CreateApiTokenRequest, @RpcCaller() caller: Caller | null) {
    return this.tokens.createOwn(requireUserCaller(caller), request);
  }

  @RpcHandler(IdentityRpc.listMyApiTokens)
  listOwn(@RpcData() request: ListApiTokensRequest, @RpcCaller() caller: Caller | null) {
    return this.tokens.listOwn(requireUserCaller(caller), request);
  }

  @RpcHandler(IdentityRpc.deleteMyApiToken)
  deleteOwn(@RpcData() request: ApiTokenIdRequest, @RpcCaller() caller: Caller | null) {
    return this.tokens.deleteOwn(requireUserCaller(caller), request.tokenId);
  }

  @RpcHandler(IdentityRpc.createServiceAccountApiToken)
  createForServiceAccount(
    @RpcTenant() tenantId: string | null | undefined,
    @RpcData() request: CreateServiceAccountApiTokenRequest,
    @RpcCaller() caller: Caller | null,
  ) {
    const { id, ...token } = request;
    return this.tokens.createForServiceAccount(caller, tenantId, id, token);
  }

  @RpcHandler(IdentityRpc.listServiceAccountApiTokens)
  listForServiceAccount(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: ListServiceAccountApiTokensRequest) {
    const { id, ...query } = request;
    return this.tokens.listForServiceAccount(tenantId, id, query);
  }

  @RpcHandler(IdentityRpc.deleteServiceAccountApiToken)
  deleteForServiceAccount(
    @RpcTenant() tenantId: string | null | undefined,
    @RpcData() request: ServiceAccountApiTokenIdRequest,
    @RpcCaller() caller: Caller | null,
  ) {
    return this.tokens.deleteForServiceAccount(caller, tenantId, request.id, request.tokenId);
  }

  @RpcHandler(IdentityRpc.createUserApiToken)
  createForUser(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: CreateUserApiTokenRequest, @RpcCaller() caller: Caller | null) {
    const { id, ...token } = request;
    return this.tokens.createForUser(caller, tenantId, id, token);
  }

  @RpcHandler(IdentityRpc.listUserApiTokens)
  listForUser(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: ListUserApiTokensRequest, @RpcCaller() caller: Caller | null) {
    const { id, ...query } = request;
    return this.tokens.listForUser(caller, tenantId, id, query);
  }

  @RpcHandler(IdentityRpc.deleteUserApiToken)
  deleteForUser(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: UserApiTokenIdRequest, @RpcCaller() caller: Caller | null) {
    return this.tokens.deleteForUser(caller, tenantId, request.id, request.tokenId);
  }

  @RpcHandler(IdentityRpc.resolveApiToken)
  resolve(@RpcData() request: ResolveApiTokenRequest, @RpcCaller() caller: Caller | null) {
    if (caller?.type !== 'SERVICE' || caller.id !== 'gateway') throw ProblemException.forbidden('Only the gateway resolves API tokens');
    return this.tokens.resolve(request.token);
  }
}
