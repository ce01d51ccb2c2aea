import { IdentityRpc } from '@gatehouse/contracts';
import { RouteDefinition } from '../route-definition';

/** Sessions, keys, passwords, users, profile, service accounts and API tokens (owned by identity). */
export const IDENTITY_ROUTES: RouteDefinition[] = [
  { method: 'POST', path: '/api/v1/login', summary: 'Sign in with username or email and password', access: 'public', target: IdentityRpc.login },
  { method: 'POST', path: '/api/v1/token/refresh', summary: 'Rotate a refresh token', access: 'public', target: IdentityRpc.refresh },
  { method: 'POST', path: '/api/v1/logout', summary: 'End the session of a refresh token', access: 'public', target: IdentityRpc.logout, status: 204 },
  { method: 'POST', path: '/api/v1/validate-password', summary: 'Check a password against the policy', access: 'public', target: IdentityRpc.validatePassword },
  { method: 'GET', path: '/.well-known/jwks.json', summary: 'Public keys of access tokens', access: 'public', target: IdentityRpc.jwks },
  { method: 'GET', path: '/api/v1/me', summary: 'The signed-in user', access: 'authenticated', target: IdentityRpc.me },
  { method: 'GET', path: '/api/v1/users', summary: 'Search users of the instance', access: { permission: 'USER' }, target: IdentityRpc.listUsers },
  { method: 'POST', path: '/api/v1/users', summary: 'Create a user', access: { permission: 'USER' }, target: IdentityRpc.createUser, status: 201 },
  { method: 'GET', path: '/api/v1/users/:id', summary: 'Read a user', access: { permission: 'USER' }, target: IdentityRpc.getUser },
];
