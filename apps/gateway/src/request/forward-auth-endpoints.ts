/**
 * The decision endpoints an ingress (nginx, Caddy, Traefik, Envoy) asks before it forwards a request
 * (forward-auth/, docs/forward-auth.md). Each reads the original request from the headers its ingress sends.
 */
export const FORWARD_AUTH_ENDPOINTS = {
  /** nginx `auth_request`, Kubernetes ingress-nginx `auth-url`: `X-Original-URL`, or `X-Original-URI` and `X-Original-Method`. */
  authRequest: '/api/v1/authz/auth-request',
  /** Caddy `forward_auth`, Traefik `ForwardAuth`: `X-Forwarded-Method`, `-Uri`, `-Host`, `-Proto`. */
  forwardAuth: '/api/v1/authz/forward-auth',
  /** Envoy `ext_authz` HTTP service (its `path_prefix`): the original method, and the original path after this prefix. */
  extAuthz: '/api/v1/authz/ext-authz',
} as const;

/** The path prefix of every forward-auth endpoint. */
export const FORWARD_AUTH_PREFIX = '/api/v1/authz/';

export type ForwardAuthIngress = keyof typeof FORWARD_AUTH_ENDPOINTS;
