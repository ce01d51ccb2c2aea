import { OIDC_HTTP_MAX_BODY_BYTES, OidcRpc } from '@gatehouse/contracts';
import { HttpBridgeTarget, RouteDefinition } from '../../request/route-definition';

const PROVIDER: HttpBridgeTarget = { bridge: OidcRpc.http, maxBodyBytes: OIDC_HTTP_MAX_BODY_BYTES };

const route = (method: RouteDefinition['method'], path: string, summary: string): RouteDefinition => ({ method, path, summary, access: 'public', target: PROVIDER });

/**
 * identity's OpenID Connect provider (docs/oidc.md), answered as HTTP through the bridge: public (the
 * provider authenticates clients and users itself), limited per address like every route. The paths are
 * the provider's, listed one by one so nothing else under /oidc reaches it.
 */
export const OIDC_ROUTES: RouteDefinition[] = [
  route('GET', '/.well-known/openid-configuration', 'OpenID Connect discovery: what the provider supports'),
  route('GET', '/.well-known/jwks.json', 'Public keys of id_tokens and access tokens (the signing keys, with rotation)'),
  route('GET', '/oidc/auth', 'Authorization endpoint (authorization code with PKCE)'),
  route('POST', '/oidc/auth', 'Authorization endpoint (form post)'),
  route('GET', '/oidc/auth/:uid', 'Resumes an authorization after its interaction'),
  route('POST', '/oidc/token', 'Token endpoint: authorization_code, refresh_token, client_credentials'),
  route('GET', '/oidc/userinfo', 'UserInfo endpoint'),
  route('POST', '/oidc/userinfo', 'UserInfo endpoint (form post)'),
  route('POST', '/oidc/token/introspection', 'Token introspection (RFC 7662)'),
  route('POST', '/oidc/token/revocation', 'Token revocation (RFC 7009)'),
  route('GET', '/oidc/session/end', 'RP-initiated logout'),
  route('POST', '/oidc/session/end', 'RP-initiated logout (form post)'),
  route('POST', '/oidc/session/end/confirm', 'RP-initiated logout: the confirmation'),
  route('GET', '/oidc/session/end/success', 'RP-initiated logout: done'),
  route('GET', '/oidc/interaction/:uid', "An interaction (sign-in, tenant, consent): to the console's page"),
  route('GET', '/oidc/interaction/:uid/details', 'What the interaction page shows: client, scopes, step, tenants'),
  route('POST', '/oidc/interaction/:uid/login', 'Interaction: sign in with username or email and password (a user with a second factor is answered mfa-required)'),
  route('POST', '/oidc/interaction/:uid/mfa', "Interaction: the sign-in's second step (mfaToken and a TOTP code, recovery code or passkey assertion)"),
  route('POST', '/oidc/interaction/:uid/passkey', 'Interaction: sign in with a passkey alone (options from /api/v1/login/passkey/options)'),
  route('POST', '/oidc/interaction/:uid/federated', "Interaction: an upstream identity provider's answer (the callback's query and the start's binding)"),
  route('POST', '/oidc/interaction/:uid/tenant', 'Interaction: choose the tenant'),
  route('POST', '/oidc/interaction/:uid/consent', 'Interaction: consent to the scopes'),
  route('POST', '/oidc/interaction/:uid/abort', 'Interaction: cancel (access_denied to the client)'),
];
