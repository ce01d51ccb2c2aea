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
  create(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: CreateOAuthClientRequest) {
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
  update(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: UpdateOAuthClientRequest) {
    return this.clients.update(caller, tenantId, request);
  }

  @RpcHandler(OAuthClientsRpc.delete)
  delete(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: OAuthClientIdRequest) {
    return this.clients.delete(caller, tenantId, request.id);
  }

  @RpcHandler(OAuthClientsRpc.rotateSecret)
  rotateSecret(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: OAuthClientIdRequest) {
    return this.clients.rotateSecret(caller, tenantId, request.id);
  }
}
