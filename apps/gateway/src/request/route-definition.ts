import { Action, OidcHttpRequest, OidcHttpResponse, Permission, RpcDefinition, ScimEndpoint, ScimRequest, ScimResponse } from '@gatehouse/contracts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Where a request's namespace comes from. */
export interface NamespaceSource {
  from: 'path' | 'query' | 'header';
  name: string;
}

export interface PermissionRequirement {
  permission: Permission;
  /** Defaults from the method: GET=READ, POST=CREATE, PUT/PATCH=UPDATE, DELETE=DELETE. */
  action?: Action;
  /** Path parameter holding the namespace the request touches (shorthand for namespace {from: 'path'}). */
  namespaceParam?: string;
  namespace?: NamespaceSource;
}

/** An HTTP service behind the gateway. */
export interface UpstreamTarget {
  upstream: string;
  baseUrl: string;
  timeoutMs: number;
  /** Also send `x-gatehouse-token`: a short-lived JWT (signed by identity, verifiable with the JWKS) for the caller. */
  internalToken?: boolean;
  /** Leading part of the gateway path removed before forwarding (tenant and namespace already substituted). */
  stripPrefix?: string;
}

/**
 * A route of the routes file without an upstream: an ingress already in front of the service (nginx,
 * Caddy, Traefik, Envoy) proxies it and asks the forward-auth endpoints for the decision (docs/forward-auth.md).
 * The gateway itself does not serve it.
 */
export interface ForwardAuthOnlyTarget {
  forwardAuthOnly: true;
}

/**
 * A built-in service that answers HTTP itself (identity's OpenID Connect provider, docs/oidc.md): the
 * request goes over NATS as it came (method, path and query, headers with cookies, raw body up to
 * `maxBodyBytes`, the client's address) and the service's answer is written back verbatim (status,
 * headers with Set-Cookie and Location, body). Its own protocol, not the gateway's, defines the answers
 * (RFC 6749 errors rather than problems), so the route's access must be `public`.
 */
export interface HttpBridgeTarget {
  bridge: RpcDefinition<OidcHttpRequest, OidcHttpResponse>;
  maxBodyBytes: number;
}

/**
 * A SCIM 2.0 route of a provisioning integration (identity's provisioning context, docs/scim.md). The
 * gateway authenticates it like any route, but only with that integration's secret (`Bearer ghscim_...`),
 * checks its owner's permission, and speaks SCIM: bodies are application/scim+json (or JSON) passed as
 * parsed, answers carry ETag and Location, and every refusal, its own included, is a SCIM error body.
 */
export interface ScimTarget {
  scim: RpcDefinition<ScimRequest, ScimResponse>;
  endpoint: ScimEndpoint;
  maxBodyBytes: number;
}

/**
 * What a route can change about who may do what (DESIGN §3, docs/access-model.md). Every such route is
 * checked by authorization's grant guard (or identity's rule for the Super Admin flag), is published as
 * `x-gatehouse-grant` in the OpenAPI document, and must have an entry in the e2e escalation matrix.
 */
export type GrantPath =
  | 'binding' | 'membership' | 'tenant-access' | 'invitation' | 'role' | 'credential' | 'account' | 'super-admin' | 'tenant-admin' | 'setup'
  /** A webhook subscription: a standing read of an audit trail (authorization's audit-feed rule, docs/webhooks.md). */
  | 'audit-feed'
  /** SCIM provisioning (docs/scim.md): accounts, passwords and memberships changed by an integration, judged against its owner. */
  | 'provisioning';

/**
 * One entry of the gateway's route table. A path with a `:tenant` segment is tenant-scoped (the
 * segment `default` addresses the default tenant); any other path is instance-level. The target is a
 * built-in service (a typed NATS contract), a built-in service that answers HTTP itself (HttpBridgeTarget)
 * or an upstream HTTP service (from the routes file).
 */
export interface RouteDefinition {
  method: HttpMethod;
  path: string;
  summary: string;
  /** `public`: no credentials needed; `authenticated`: any signed-in subject; else the permission checked. */
  access: 'public' | 'authenticated' | PermissionRequirement;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  target: RpcDefinition<any, any> | UpstreamTarget | HttpBridgeTarget | ForwardAuthOnlyTarget | ScimTarget;
  /**
   * Routes file only: where a browser is sent to sign in when it asks for this route without valid
   * credentials (forward-auth endpoints: a redirect with the original URL in `rd`).
   */
  signInUrl?: string;
  /** Status of a successful answer; 204 is used whenever the service returns nothing. */
  status?: number;
  /** Set when the route can let a subject gain access, a credential or an account action on someone else. */
  grants?: GrantPath;
  /**
   * A step of a browser session (session/): the refresh token travels in the session cookie, never in a
   * body, and the request must carry the CSRF header. The target is identity's login, refresh or logout.
   */
  browserSession?: BrowserSessionStep;
  /**
   * Reachable by a session whose user must first set up a second factor (an MFA policy: the access token's
   * `mfa_enrolment`): reading who one is and one's factors, and setting one up. Every other route answers
   * 403 `mfa-enrolment-required` to such a session.
   */
  enrolment?: true;
  /**
   * A sensitive action (docs/mfa.md, step-up): a user with a second factor must have presented one within
   * STEP_UP_MAX_AGE_SECONDS, else 401 `step-up-required`. Every `grants: 'credential'` route is one too.
   */
  stepUp?: true;
}

export type BrowserSessionStep = 'sign-in' | 'refresh' | 'sign-out';

/**
 * What a browser session's requests and answers carry (session/ applies it, openapi/ documents it): the
 * refresh token in an HttpOnly, SameSite=Strict cookie limited to `path`, named with the `__Secure-`
 * prefix unless SESSION_COOKIE_SECURE=false; the header every request must send (a cross-site form
 * cannot, a cross-origin script only after a CORS preflight).
 */
export const BROWSER_SESSION = {
  path: '/api/v1/session',
  cookie: '__Secure-gatehouse-session',
  insecureCookie: 'gatehouse-session',
  csrfHeader: 'x-gatehouse-csrf',
  csrfValue: '1',
} as const;

export const DEFAULT_ACTIONS: Record<HttpMethod, Action> = {
  GET: 'READ',
  POST: 'CREATE',
  PUT: 'UPDATE',
  PATCH: 'UPDATE',
  DELETE: 'DELETE',
};

export function isUpstream(target: RouteDefinition['target']): target is UpstreamTarget {
  return 'upstream' in target;
}

export function isForwardAuthOnly(target: RouteDefinition['target']): target is ForwardAuthOnlyTarget {
  return 'forwardAuthOnly' in target;
}

export function isHttpBridge(target: RouteDefinition['target']): target is HttpBridgeTarget {
  return 'bridge' in target;
}

export function isScim(target: RouteDefinition['target']): target is ScimTarget {
  return 'scim' in target;
}
