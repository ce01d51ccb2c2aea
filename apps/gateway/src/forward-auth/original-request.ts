import { ProblemException } from '@gatehouse/errors';
import { FORWARD_AUTH_ENDPOINTS, ForwardAuthIngress } from '../request/forward-auth-endpoints';

/** The request an ingress received and asks about: what the route table is matched against. */
export interface OriginalRequest {
  method: string;
  /** Path and query, as the client sent them. */
  uri: string;
  /** The scheme and host, as the ingress told them: read only for a sign-in redirect's return URL (originOf). */
  proto?: string;
  host?: string;
}

type Headers = Record<string, string | string[] | undefined>;

/** Methods a route may declare, plus HEAD (a GET route's) and OPTIONS (never declared: refused as no route). */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const MAX_URI_LENGTH = 8192;
/** Origin-form (RFC 9112 §3.2.1): an absolute path and an optional query, printable ASCII only. */
const URI_SHAPE = /^\/[\x21-\x7e]*$/;
const HOST_SHAPE = /^[\w.-]{1,253}(?::\d{1,5})?$|^\[[\da-fA-F:.]{2,45}\](?::\d{1,5})?$/;
const PROTOS = new Set(['http', 'https']);

/**
 * Reads the original request from what its ingress sends: nginx `auth_request` and ingress-nginx
 * (`X-Original-URL`, or `X-Original-URI` with `X-Original-Method`), Caddy and Traefik (`X-Forwarded-Method`,
 * `-Uri`, `-Host`, `-Proto`), Envoy's ext_authz HTTP service (its own method, and the path after the
 * endpoint's prefix). Missing or malformed: a 400 naming the header.
 */
export function originalRequestOf(ingress: ForwardAuthIngress, ownMethod: string, url: string, headers: Headers): OriginalRequest {
  if (ingress === 'extAuthz') {
    const uri = url.slice(FORWARD_AUTH_ENDPOINTS.extAuthz.length) || '/';
    return withOrigin({ method: checkedMethod(ownMethod, ':method'), uri: checkedUri(uri, ':path') }, one(headers, 'x-forwarded-proto'), one(headers, 'host'));
  }
  if (ingress === 'forwardAuth') {
    return withOrigin(
      { method: checkedMethod(required(headers, 'x-forwarded-method'), 'x-forwarded-method'), uri: checkedUri(required(headers, 'x-forwarded-uri'), 'x-forwarded-uri') },
      one(headers, 'x-forwarded-proto'),
      one(headers, 'x-forwarded-host'),
    );
  }
  const method = checkedMethod(required(headers, 'x-original-method'), 'x-original-method');
  const fullUrl = one(headers, 'x-original-url');
  if (fullUrl !== undefined) {
    const parsed = /^(https?):\/\/([^/?#]+)(\/[^#]*)?$/.exec(fullUrl);
    if (!parsed) throw invalid('x-original-url', 'must be an absolute http(s) URL');
    return withOrigin({ method, uri: checkedUri(parsed[3] ?? '/', 'x-original-url') }, parsed[1], parsed[2]);
  }
  return withOrigin({ method, uri: checkedUri(required(headers, 'x-original-uri'), 'x-original-uri') }, one(headers, 'x-forwarded-proto'), one(headers, 'x-forwarded-host'));
}

function withOrigin(request: OriginalRequest, proto: string | undefined, host: string | undefined): OriginalRequest {
  if (host !== undefined) request.host = host;
  if (proto !== undefined) request.proto = proto;
  return request;
}

/** `https://app.example.com`, when the ingress told a well-formed host (https unless it said http). */
export function originOf(request: OriginalRequest): string | undefined {
  const { host, proto } = request;
  if (!host || !HOST_SHAPE.test(host)) return undefined;
  const scheme = proto && PROTOS.has(proto.toLowerCase()) ? proto.toLowerCase() : 'https';
  return `${scheme}://${host}`;
}

function one(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

function required(headers: Headers, name: string): string {
  const value = headers[name];
  if (Array.isArray(value)) throw invalid(name, 'must be sent once');
  if (value === undefined || value === '') throw invalid(name, `is required: the ingress must send the original request's ${name.split('-').pop()} (docs/forward-auth.md)`);
  return value;
}

function checkedMethod(value: string, header: string): string {
  const method = value.toUpperCase();
  if (!METHODS.has(method)) throw invalid(header, `must be one of ${[...METHODS].join(', ')}`);
  return method;
}

function checkedUri(value: string, header: string): string {
  if (value.length > MAX_URI_LENGTH || !URI_SHAPE.test(value)) throw invalid(header, `must be an absolute path (and query) of at most ${MAX_URI_LENGTH} characters`);
  return value;
}

function invalid(field: string, message: string): ProblemException {
  return ProblemException.validation([{ field, message: `${field} ${message}` }]);
}
