import { IncomingMessage, ServerResponse } from 'node:http';
import { OidcHttpRequest, OidcHttpResponse } from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import { inject } from 'light-my-request';
import { IdentityEnv } from '../identity.env';
import { OidcInteractions } from './oidc-interactions';
import { LOGOUT_CONFIRM_PATH, OidcProvider } from './oidc-provider';

/** Response headers the bridge passes back (the rest is the gateway's: security headers, trace, CORS). */
const PASSED_HEADERS = new Set([
  'content-type', 'cache-control', 'pragma', 'location', 'set-cookie', 'www-authenticate', 'dpop-nonce', 'retry-after', 'content-security-policy', 'access-control-allow-origin',
  'access-control-allow-methods', 'access-control-allow-headers', 'access-control-expose-headers', 'access-control-max-age', 'vary',
]);
/** Request headers the gateway set or that would let a client pose as another host or address. */
const DROPPED_HEADERS = new Set(['host', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'content-length', 'connection', 'transfer-encoding']);

/**
 * One HTTP request of the provider, carried over NATS by the gateway (OidcRpc.http), answered in-process:
 * injected (light-my-request) into the provider's request listener as if it had arrived at the issuer's
 * URL from the client's address, or into the interactions (the console's sign-in page). The answer
 * leaves only once a revocation it caused has been broadcast to the gateways.
 */
@Injectable()
export class OidcBridge {
  constructor(private readonly provider: OidcProvider, private readonly interactions: OidcInteractions, private readonly env: IdentityEnv) {}

  async handle(request: OidcHttpRequest, ip: string | null): Promise<OidcHttpResponse> {
    const { provider, callback } = await this.provider.current();
    const issuer = new URL(this.env.JWT_ISSUER);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      const lower = name.toLowerCase();
      if (typeof value === 'string' && !DROPPED_HEADERS.has(lower)) headers[lower] = value;
    }
    headers['host'] = issuer.host;
    headers['x-forwarded-proto'] = issuer.protocol.slice(0, -1);
    if (ip) headers['x-forwarded-for'] = ip;
    const dispatch = (req: IncomingMessage, res: ServerResponse) => {
      const answered = (async () => {
        if (this.interactions.matches(req.url ?? '')) await this.interactions.handle(provider, req, res, ip);
        else await callback(req, res);
      })();
      answered.catch((error: unknown) => answerError(res, error));
    };
    const response = await inject(dispatch, {
      method: request.method,
      url: request.url,
      headers,
      ...(request.body !== undefined && request.method !== 'GET' ? { payload: request.body } : {}),
      ...(ip ? { remoteAddress: ip } : {}),
    });
    await this.provider.settled();
    this.provider.pruneSoon();
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined && PASSED_HEADERS.has(name)) out[name] = Array.isArray(value) ? value : String(value);
    }
    const location = out['location'];
    if (request.url.split('?')[0] === LOGOUT_CONFIRM_PATH && acceptsJson(headers) && response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
      // The console's logout page posts with fetch (a form's redirect to the client would be stopped by its CSP's
      // form-action): the provider's redirect is its answer, and the page goes there.
      delete out['location'];
      return { status: 200, headers: { ...out, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify({ redirectTo: location }) };
    }
    return { status: response.statusCode, headers: out, body: response.payload };
  }
}

function acceptsJson(headers: Record<string, string>): boolean {
  return (headers['accept'] ?? '').split(',').some((type) => type.trim().split(';')[0] === 'application/json');
}

/**
 * An exception that escaped the provider (or the interactions) still answers, as an RFC 6749 error: a provider
 * error (OIDCProviderError: invalid_request…) with its own status, anything else as `server_error`.
 */
function answerError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const known = error as { statusCode?: unknown; error?: unknown; error_description?: unknown } | null;
  const status = typeof known?.statusCode === 'number' && known.statusCode >= 400 && known.statusCode < 500 && typeof known.error === 'string' ? known.statusCode : 500;
  const body = status === 500 ? { error: 'server_error' } : { error: known?.error, ...(typeof known?.error_description === 'string' ? { error_description: known.error_description } : {}) };
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
