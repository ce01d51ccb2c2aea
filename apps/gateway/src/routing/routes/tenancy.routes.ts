import { TenancyRpc } from '@gatehouse/contracts';
import { RouteDefinition } from '../route-definition';

/** First-run set-up, tenants and the audit trail (owned by tenancy). */
export const TENANCY_ROUTES: RouteDefinition[] = [
  { method: 'GET', path: '/api/v1/setup', summary: 'Set-up state and instance configuration', access: 'public', target: TenancyRpc.setupStatus },
  { method: 'POST', path: '/api/v1/setup', summary: 'Create the first user (Super Admin)', access: 'public', target: TenancyRpc.setup, status: 201 },
  { method: 'GET', path: '/api/v1/tenants', summary: 'Search tenants', access: { permission: 'TENANT' }, target: TenancyRpc.listTenants },
  { method: 'POST', path: '/api/v1/tenants', summary: 'Create a tenant', access: { permission: 'TENANT' }, target: TenancyRpc.createTenant, status: 201 },
  { method: 'GET', path: '/api/v1/tenants/:id', summary: 'Read a tenant', access: { permission: 'TENANT' }, target: TenancyRpc.getTenant },
];
