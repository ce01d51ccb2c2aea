import { TenancyRpc } from '@gatehouse/contracts';
import { RouteDefinition } from '../../request/route-definition';

/** First-run set-up, tenants and the audit trail (owned by tenancy). */
export const TENANCY_ROUTES: RouteDefinition[] = [
  { method: 'GET', path: '/api/v1/setup', summary: 'Set-up state and instance configuration', access: 'public', target: TenancyRpc.setupStatus },
  { method: 'POST', path: '/api/v1/setup', summary: 'Create the first user (Super Admin)', access: 'public', target: TenancyRpc.setup, status: 201, grants: 'setup' },
  { method: 'GET', path: '/api/v1/tenants', summary: 'Search tenants', access: { permission: 'TENANT' }, target: TenancyRpc.listTenants },
  { method: 'POST', path: '/api/v1/tenants', summary: 'Create a tenant', access: { permission: 'TENANT' }, target: TenancyRpc.createTenant, status: 201, grants: 'tenant-admin' },
  { method: 'GET', path: '/api/v1/tenants/:id', summary: 'Read a tenant', access: { permission: 'TENANT' }, target: TenancyRpc.getTenant },
  { method: 'PATCH', path: '/api/v1/tenants/:id', summary: 'Rename a tenant or change its worker group', access: { permission: 'TENANT' }, target: TenancyRpc.updateTenant },
  { method: 'DELETE', path: '/api/v1/tenants/:id', summary: 'Delete a tenant and everything in it (users and audit trail stay)', access: { permission: 'TENANT' }, target: TenancyRpc.deleteTenant, stepUp: true },
  { method: 'GET', path: '/api/v1/:tenant/auditlogs/search', summary: "Search the tenant's audit trail", access: { permission: 'AUDITLOG' }, target: TenancyRpc.searchAudit },
  { method: 'GET', path: '/api/v1/auditlogs/search', summary: 'Search instance-level audit entries (tenants, users)', access: { permission: 'AUDITLOG' }, target: TenancyRpc.searchInstanceAudit },
];
