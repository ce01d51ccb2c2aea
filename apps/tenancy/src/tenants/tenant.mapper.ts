import { TenantView } from '@gatehouse/contracts';
import { TenantEntity } from './tenant.entity';

export function toTenantView(tenant: TenantEntity): TenantView {
  return {
    id: tenant.id,
    name: tenant.name,
    workerGroup: tenant.workerGroup,
    status: tenant.status,
    createdAt: tenant.createdAt.toISOString(),
    updatedAt: tenant.updatedAt.toISOString(),
  };
}
