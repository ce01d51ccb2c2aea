import { IdentityRpc, TenancyRpc } from '@gatehouse/contracts';
import { RouteDefinition } from './route-definition';

/** The built-in Gatehouse API, declared as data: what each route needs and which service owns it. */
export const ROUTES: RouteDefinition[] = [
  { method: 'GET', path: '/api/v1/setup', summary: 'Set-up state and instance configuration', access: 'public', target: TenancyRpc.setupStatus },
  { method: 'POST', path: '/api/v1/setup', summary: 'Create the first user (Super Admin)', access: 'public', target: TenancyRpc.setup, status: 201 },
  { method: 'POST', path: '/api/v1/login', summary: 'Sign in with username or email and password', access: 'public', target: IdentityRpc.login },
  { method: 'POST', path: '/api/v1/token/refresh', summary: 'Rotate a refresh token', access: 'public', target: IdentityRpc.refresh },
  { method: 'POST', path: '/api/v1/logout', summary: 'End the session of a refresh token', access: 'public', target: IdentityRpc.logout, status: 204 },
  { method: 'POST', path: '/api/v1/validate-password', summary: 'Check a password against the policy', access: 'public', target: IdentityRpc.validatePassword },
  { method: 'GET', path: '/.well-known/jwks.json', summary: 'Public keys of access tokens', access: 'public', target: IdentityRpc.jwks },
  { method: 'GET', path: '/api/v1/me', summary: 'The signed-in user', access: 'authenticated', target: IdentityRpc.me },
  { method: 'GET', path: '/api/v1/tenants', summary: 'Search tenants', access: { permission: 'TENANT' }, target: TenancyRpc.listTenants },
  { method: 'POST', path: '/api/v1/tenants', summary: 'Create a tenant', access: { permission: 'TENANT' }, target: TenancyRpc.createTenant, status: 201 },
  { method: 'GET', path: '/api/v1/tenants/:id', summary: 'Read a tenant', access: { permission: 'TENANT' }, target: TenancyRpc.getTenant },
  { method: 'GET', path: '/api/v1/users', summary: 'Search users of the instance', access: { permission: 'USER' }, target: IdentityRpc.listUsers },
  { method: 'POST', path: '/api/v1/users', summary: 'Create a user', access: { permission: 'USER' }, target: IdentityRpc.createUser, status: 201 },
  { method: 'GET', path: '/api/v1/users/:id', summary: 'Read a user', access: { permission: 'USER' }, target: IdentityRpc.getUser },
];
