import { IncomingHttpHeaders } from 'node:http';
import { DEFAULT_TENANT_SEGMENT } from '@gatehouse/contracts';
import { TraceContext } from '@gatehouse/logging';
import { Admission } from '../request/incoming-request';

/** Headers that describe one connection, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'host', 'expect',
]);

/** Prefix of the identity headers the gateway sets; anything a client sends with it is dropped. */
export const IDENTITY_HEADER_PREFIX = 'x-gatehouse-';

const NONE: ReadonlySet<string> = new Set();

/** `Connection` values that name no other header (nearly every request and response carries one). */
const CONNECTION_OPTIONS_ONLY = new Set(['keep-alive', 'close', 'Keep-Alive', 'Close']);

/** Headers named in `Connection` are hop-by-hop too (usually none: keep-alive is HTTP/1.1's default). */
function connectionListed(headers: IncomingHttpHeaders | Record<string, unknown>): ReadonlySet<string> {
  const value = headers['connection'];
  if (typeof value !== 'string' || value.length === 0 || CONNECTION_OPTIONS_ONLY.has(value)) return NONE;
  return new Set(value.split(',').map((h) => h.trim().toLowerCase()));
}

/**
 * What an upstream receives: the client's end-to-end headers minus its credentials and any identity
 * header it tried to send, plus the identity the gateway verified and the trace context.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  admission: Admission,
  trace: TraceContext,
  client: { ip: string; protocol: string; host: string | undefined },
  internalToken?: string,
): Record<string, string | string[]> {
  const listed = connectionListed(incoming);
  const headers: Record<string, string | string[]> = {};
  for (const name in incoming) {
    const value = incoming[name];
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || listed.has(lower)) continue;
    if (lower === 'authorization' || lower.startsWith(IDENTITY_HEADER_PREFIX)) continue;
    if (lower === 'x-request-id' || lower === 'traceparent' || lower.startsWith('x-forwarded-')) continue;
    headers[lower] = value;
  }
  addIdentityHeaders(headers, admission, internalToken);
  headers['x-request-id'] = trace.requestId;
  headers['traceparent'] = trace.traceparent;
  headers['x-forwarded-for'] = client.ip;
  headers['x-forwarded-proto'] = client.protocol;
  if (client.host) headers['x-forwarded-host'] = client.host;
  return headers;
}

/**
 * The verified identity of an admitted request, as `x-gatehouse-*` headers added to `into`: what an
 * upstream receives from the gateway, and what the forward-auth endpoints answer for an ingress to copy.
 */
export function addIdentityHeaders(into: Record<string, string | string[]>, admission: Admission, internalToken?: string): Record<string, string | string[]> {
  if (admission.caller) {
    into[`${IDENTITY_HEADER_PREFIX}subject-id`] = admission.caller.id;
    into[`${IDENTITY_HEADER_PREFIX}subject-type`] = admission.caller.type;
    // An impersonation: the request is the subject's, made by this user (RFC 8693 `act`).
    if (admission.caller.impersonator) into[`${IDENTITY_HEADER_PREFIX}impersonator-id`] = admission.caller.impersonator.id;
  }
  if (admission.tenantId !== undefined) into[`${IDENTITY_HEADER_PREFIX}tenant`] = admission.tenantId ?? DEFAULT_TENANT_SEGMENT;
  if (admission.namespaces !== undefined) {
    into[`${IDENTITY_HEADER_PREFIX}namespaces`] = admission.namespaces === null ? '*' : admission.namespaces.join(',');
  }
  if (internalToken) into[`${IDENTITY_HEADER_PREFIX}token`] = internalToken;
  return into;
}

/** The upstream's response headers a client may see, added to `into` (which they override). */
export function clientResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  into: Record<string, number | string | string[] | undefined> = {},
): Record<string, number | string | string[] | undefined> {
  const listed = connectionListed(upstream);
  for (const name in upstream) {
    const value = upstream[name];
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || listed.has(lower)) continue;
    into[lower] = value;
  }
  return into;
}
