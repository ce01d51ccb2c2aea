import {
  Caller, CreateOAuthClientRequest, ListOAuthClientsRequest, OAuthClientIdRequest, OAuthClientsRpc, UpdateOAuthClientRequest,
} from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { OAuthClientsService } from './oauth-clients.service';

@Controller()
export class OAuthClientsHandlers {
  constructor(private readonly clients: OAuthClientsService) {}

  @RpcHandler(OAuthClientsRpc.create)
  create(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: CreateOAuthClientRequest, @RpcCaller() caller: Caller | null) {
    return this.clients.create(caller, tenantId, request);
  }

  @RpcHandler(OAuthClientsRpc.list)
  list(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: ListOAuthClientsRequest) {
    return this.clients.list(tenantId, request);
  }

  @RpcHandler(OAuthClientsRpc.get)
  get(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: OAuthClientIdRequest) {
    return this.clients.get(tenantId, request.id);
  }

  @RpcHandler(OAuthClientsRpc.update)
  update(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: UpdateOAuthClientRequest, @RpcCaller() caller: Caller | null) {
    return this.clients.update(caller, tenantId, request);
  }

  @RpcHandler(OAuthClientsRpc.delete)
  delete(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: OAuthClientIdRequest, @RpcCaller() caller: Caller | null) {
    return this.clients.delete(caller, tenantId, request.id);
  }

  @RpcHandler(OAuthClientsRpc.rotateSecret)
  rotateSecret(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: OAuthClientIdRequest, @RpcCaller() caller: Caller | null) {
    return this.clients.rotateSecret(caller, tenantId, request.id);
  }
}
