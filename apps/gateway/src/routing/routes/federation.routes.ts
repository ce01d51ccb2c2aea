import { FederationRpc, SAML_HTTP_MAX_BODY_BYTES } from '@gatehouse/contracts';
import { PermissionRequirement, RouteDefinition } from '../../request/route-definition';

const PROVIDER_ROUTES = (base: string, access: PermissionRequirement, who: string): RouteDefinition[] => [
  { method: 'GET', path: base, summary: `Search identity providers (${who})`, access, target: FederationRpc.listProviders },
  {
    method: 'POST', path: base, summary: `Create an identity provider (${who}); its group mappings are judged by the grant guard as memberships you grant`,
    access, target: FederationRpc.createProvider, status: 201, grants: 'membership',
  },
  { method: 'GET', path: `${base}/:id`, summary: `Read an identity provider (${who}; never its secret)`, access, target: FederationRpc.getProvider },
  {
    method: 'PATCH', path: `${base}/:id`, summary: `Change an identity provider (${who}); you become the owner its mappings and links are judged against`,
    access, target: FederationRpc.updateProvider, grants: 'membership',
  },
  { method: 'DELETE', path: `${base}/:id`, summary: `Delete an identity provider and its links (${who})`, access, target: FederationRpc.deleteProvider },
  {
    method: 'POST', path: `${base}/:id/test`, summary: `Test the connection to an identity provider step by step (${who}); with a login, its search and groups too`,
    access: { ...access, action: 'UPDATE' }, target: FederationRpc.testProvider,
  },
  { method: 'GET', path: `${base}/:id/links`, summary: `The users linked to accounts of an identity provider (${who})`, access, target: FederationRpc.listLinks },
  {
    method: 'POST', path: `${base}/:id/links`, summary: `Link a user to an account of the provider (${who}; a credential for the user: you must hold all the user holds)`,
    access: { ...access, action: 'UPDATE' }, target: FederationRpc.createLink, status: 201, grants: 'credential',
  },
  {
    method: 'DELETE', path: `${base}/:id/links/:userId`, summary: `Unlink a user from the provider (${who})`,
    access: { ...access, action: 'UPDATE' }, target: FederationRpc.deleteLink,
  },
];

/**
 * Federation (docs/federation.md), owned by identity: a tenant's identity providers (its admins, USER) and the
 * instance-wide ones (TENANT at instance level), and each user's authentication method (seed 003).
 */
export const FEDERATION_ROUTES: RouteDefinition[] = [
  // Signing in through an upstream OpenID Connect provider: what the sign-in page offers, the start, and the
  // provider's answer as the console's callback page posts it (a browser session step: the session cookie is set).
  {
    method: 'GET', path: '/api/v1/login/providers', summary: 'Identity providers a sign-in page offers (home-realm discovery with email)',
    access: 'public', target: FederationRpc.signInProviders,
  },
  {
    method: 'POST', path: '/api/v1/login/providers/:id/start', summary: "Start a sign-in at an identity provider: where to send the browser, and a binding the page keeps",
    access: 'public', target: FederationRpc.startSignIn,
  },
  {
    method: 'POST', path: '/api/v1/session/federated', summary: "Finish a browser sign-in with an identity provider's answer (the callback's query and the binding): the access token in the body, the refresh token in an HttpOnly cookie",
    access: 'public', target: FederationRpc.completeSignIn, browserSession: 'sign-in',
  },
  // Gatehouse as a SAML service provider, answered as HTTP through the bridge (XML metadata; the IdP's HTTP-POST
  // form, answered by a redirect to the console's callback page, or a problem).
  {
    method: 'GET', path: '/saml/:id/metadata', summary: "Gatehouse's SAML service provider metadata for an identity provider (XML: entity id, assertion consumer service)",
    access: 'public', target: { bridge: FederationRpc.samlHttp, maxBodyBytes: SAML_HTTP_MAX_BODY_BYTES },
  },
  {
    method: 'POST', path: '/saml/:id/acs', summary: "SAML assertion consumer service (HTTP-POST binding: SAMLResponse, RelayState); a checked response is sent on to the console's callback page",
    access: 'public', target: { bridge: FederationRpc.samlHttp, maxBodyBytes: SAML_HTTP_MAX_BODY_BYTES },
  },
  ...PROVIDER_ROUTES('/api/v1/:tenant/identity-providers', { permission: 'USER' }, "the tenant's own; USER"),
  ...PROVIDER_ROUTES('/api/v1/identity-providers', { permission: 'TENANT' }, 'instance-wide; TENANT at instance level'),
  {
    method: 'GET', path: '/api/v1/users/:id/authentication', summary: "A user's authentication method: password, identity provider accounts, or both",
    access: { permission: 'USER', action: 'UPDATE' }, target: FederationRpc.getUserAuthentication,
  },
  {
    method: 'PUT', path: '/api/v1/users/:id/authentication', summary: "Set a user's authentication method: password (true) or identity providers only (false: the password is removed)",
    access: { permission: 'USER', action: 'UPDATE' }, target: FederationRpc.setUserAuthentication, grants: 'account',
  },
  {
    method: 'GET', path: '/api/v1/:tenant/users/:id/authentication', summary: "Authentication method of a user of the tenant (every tenant the user is in within your reach)",
    access: { permission: 'USER', action: 'UPDATE' }, target: FederationRpc.getUserAuthentication,
  },
  {
    method: 'PUT', path: '/api/v1/:tenant/users/:id/authentication', summary: 'Set the authentication method of a user of the tenant (tenant boundary)',
    access: { permission: 'USER', action: 'UPDATE' }, target: FederationRpc.setUserAuthentication, grants: 'account',
  },
];
