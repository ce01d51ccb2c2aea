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
  createOwn(@RpcCaller() caller: Caller | null, @RpcData() request: CreateApiTokenRequest) {
    return this.tokens.createOwn(requireUserCaller(caller), request);
  }

  @RpcHandler(IdentityRpc.listMyApiTokens)
  listOwn(@RpcCaller() caller: Caller | null, @RpcData() request: ListApiTokensRequest) {
    return this.tokens.listOwn(requireUserCaller(caller), request);
  }

  @RpcHandler(IdentityRpc.deleteMyApiToken)
  deleteOwn(@RpcCaller() caller: Caller | null, @RpcData() request: ApiTokenIdRequest) {
    return this.tokens.deleteOwn(requireUserCaller(caller), request.tokenId);
  }

  @RpcHandler(IdentityRpc.createServiceAccountApiToken)
  createForServiceAccount(
    @RpcCaller() caller: Caller | null,
    @RpcTenant() tenantId: string | null | undefined,
    @RpcData() request: CreateServiceAccountApiTokenRequest,
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
    @RpcCaller() caller: Caller | null,
    @RpcTenant() tenantId: string | null | undefined,
    @RpcData() request: ServiceAccountApiTokenIdRequest,
  ) {
    return this.tokens.deleteForServiceAccount(caller, tenantId, request.id, request.tokenId);
  }

  @RpcHandler(IdentityRpc.createUserApiToken)
  createForUser(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: CreateUserApiTokenRequest) {
    const { id, ...token } = request;
    return this.tokens.createForUser(caller, tenantId, id, token);
  }

  @RpcHandler(IdentityRpc.listUserApiTokens)
  listForUser(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: ListUserApiTokensRequest) {
    const { id, ...query } = request;
    return this.tokens.listForUser(caller, tenantId, id, query);
  }

  @RpcHandler(IdentityRpc.deleteUserApiToken)
  deleteForUser(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: UserApiTokenIdRequest) {
    return this.tokens.deleteForUser(caller, tenantId, request.id, request.tokenId);
  }

  @RpcHandler(IdentityRpc.resolveApiToken)
  resolve(@RpcCaller() caller: Caller | null, @RpcData() request: ResolveApiTokenRequest) {
    if (caller?.type !== 'SERVICE' || caller.id !== 'gateway') throw ProblemException.forbidden('Only the gateway resolves API tokens');
    return this.tokens.resolve(request.token);
  }
}
