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
  create(@RpcData() request: CreateTenantRequest, @RpcCaller() caller: Caller | null) {
    return this.tenants.create(caller, request);
  }

  @RpcHandler(TenancyRpc.getTenant)
  get(@RpcData() request: GetTenantRequest) {
    return this.tenants.get(request.id);
  }

  @RpcHandler(TenancyRpc.updateTenant)
  update(@RpcData() request: UpdateTenantRequest, @RpcCaller() caller: Caller | null) {
    return this.tenants.update(caller, request);
  }

  @RpcHandler(TenancyRpc.deleteTenant)
  async delete(@RpcData() request: DeleteTenantRequest, @RpcCaller() caller: Caller | null): Promise<void> {
    await this.tenants.delete(caller, request.id);
  }

  @RpcHandler(TenancyRpc.listTenants)
  list(@RpcData() request: ListTenantsRequest) {
    return this.tenants.list(request);
  }
}
