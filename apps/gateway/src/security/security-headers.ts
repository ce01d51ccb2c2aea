import { IncomingMessage, ServerResponse } from 'node:http';
import { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * helmet's default security headers (CSP, HSTS, nosniff, frame options, ...), worked out once. Running
 * helmet's middleware per request rebuilt the same headers each time (~6% of the gateway's CPU).
 */
export function defaultSecurityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  helmet()({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return headers;
}

/**
 * Sends the security headers on every response, errors and 404s included (a route may override one),
 * except under `except`: the forward-auth endpoints, whose allowing answer goes to an ingress, never a
 * browser, add them to their refusals themselves (12 headers were ~8 % of an allowing answer's CPU).
 */
export function registerSecurityHeaders(fastify: FastifyInstance, options: { except?: string } = {}): void {
  const headers = defaultSecurityHeaders();
  const except = options.except;
  fastify.addHook('onRequest', (request, reply, done) => {
    if (except === undefined || !request.url.startsWith(except)) reply.headers(headers);
    done();
  });
}
