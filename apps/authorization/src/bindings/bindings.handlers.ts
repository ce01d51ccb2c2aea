import { AuthorizationRpc, BulkCreateBindingsRequest, Caller, CreateBindingRequest, IdRequest, SearchBindingsRequest } from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { BindingsService } from './bindings.service';

/** Tenant bindings under /api/v1/{tenant}/bindings; instance-level ones (Instance Admin) under /api/v1/bindings. */
@Controller()
export class BindingsHandlers {
  constructor(private readonly bindings: BindingsService) {}

  @RpcHandler(AuthorizationRpc.searchBindings)
  search(@RpcData() request: SearchBindingsRequest, @RpcTenant() tenant: string | null | undefined) {
    return this.bindings.search(tenant, request);
  }

  @RpcHandler(AuthorizationRpc.getBinding)
  get(@RpcData() request: IdRequest, @RpcTenant() tenant: string | null | undefined) {
    return this.bindings.get(tenant, request.id);
  }

  @RpcHandler(AuthorizationRpc.createBinding)
  create(@RpcData() request: CreateBindingRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.bindings.create(caller, tenant, request);
  }

  @RpcHandler(AuthorizationRpc.createBindings)
  createMany(@RpcData() request: BulkCreateBindingsRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.bindings.createMany(caller, tenant, request);
  }

  @RpcHandler(AuthorizationRpc.deleteBinding)
  delete(@RpcData() request: IdRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.bindings.delete(caller, tenant, request.id);
  }
}
