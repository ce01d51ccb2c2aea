import { AuthorizationRpc, BulkCreateBindingsRequest, Caller, CreateBindingRequest, IdRequest, SearchBindingsRequest } from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { BindingsService } from './bindings.service';

/** Tenant bindings under /api/v1/{tenant}/bindings; instance-level ones (Instance Admin) under /api/v1/bindings. */
@Controller()
export class BindingsHandlers {
  constructor(private readonly bindings: BindingsService) {}

  @RpcHandler(AuthorizationRpc.searchBindings)
  search(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: SearchBindingsRequest) {
    return this.bindings.search(tenantId, request);
  }

  @RpcHandler(AuthorizationRpc.getBinding)
  get(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: IdRequest) {
    return this.bindings.get(tenantId, request.id);
  }

  @RpcHandler(AuthorizationRpc.createBinding)
  create(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: CreateBindingRequest) {
    return this.bindings.create(caller, tenantId, request);
  }

  @RpcHandler(AuthorizationRpc.createBindings)
  createMany(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: BulkCreateBindingsRequest) {
    return this.bindings.createMany(caller, tenantId, request);
  }

  @RpcHandler(AuthorizationRpc.deleteBinding)
  delete(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: IdRequest) {
    return this.bindings.delete(caller, tenantId, request.id);
  }
}
