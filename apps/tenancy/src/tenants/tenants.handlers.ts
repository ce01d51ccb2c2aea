import {
  Caller, CreateTenantRequest, DeleteTenantRequest, GetTenantRequest, ListTenantsRequest, TenancyRpc, UpdateTenantRequest,
} from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { TenantsService } from './tenants.service';

@Controller()
export class TenantsHandlers {
  constructor(private readonly tenants: TenantsService) {}

  @RpcHandler(TenancyRpc.createTenant)
  create(@RpcCaller() caller: Caller | null, @RpcData() request: CreateTenantRequest) {
    return this.tenants.create(caller, request);
  }

  @RpcHandler(TenancyRpc.getTenant)
  get(@RpcData() request: GetTenantRequest) {
    return this.tenants.get(request.id);
  }

  @RpcHandler(TenancyRpc.updateTenant)
  update(@RpcCaller() caller: Caller | null, @RpcData() request: UpdateTenantRequest) {
    return this.tenants.update(caller, request);
  }

  @RpcHandler(TenancyRpc.deleteTenant)
  async delete(@RpcCaller() caller: Caller | null, @RpcData() request: DeleteTenantRequest): Promise<void> {
    await this.tenants.delete(caller, request.id);
  }

  @RpcHandler(TenancyRpc.listTenants)
  list(@RpcData() request: ListTenantsRequest) {
    return this.tenants.list(request);
  }
}
