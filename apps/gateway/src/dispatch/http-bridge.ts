import { OIDC_HTTP_METHODS, OidcHttpMethod } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcClient } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { IncomingRequest } from '../request/incoming-request';
import { HttpBridgeTarget, RouteDefinition } from '../request/route-definition';
import { RouteTimeouts } from './route-timeouts';

/** Request headers never carried: hop-by-hop ones, and the ones only the gateway may set (identity sets host and forwarding itself). */
const NOT_CARRIED = new Set([
  'host', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'content-length',
  'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip',
]);

/**
 * Routes whose service answers HTTP itself (HttpBridgeTarget: identity's OpenID Connect provider): the
 * admitted request goes over NATS as it came, the answer is written back verbatim. The same in local mode
 * and distributed, without another port.
 */
@Injectable()
export class HttpBridge {
  constructor(
    private readonly rpc: RpcClient,
    private readonly timeouts: RouteTimeouts,
  ) {}

  async forward(route: RouteDefinition & { target: HttpBridgeTarget }, incoming: IncomingRequest, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const method = request.method as OidcHttpMethod;
    if (!OIDC_HTTP_METHODS.includes(method)) throw new ProblemException(405, 'http-405', 'Method not allowed');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (NOT_CARRIED.has(name) || value === undefined) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const body = typeof request.body === 'string' && request.body.length > 0 ? request.body : undefined;
    const answer = await this.rpc.request(
      route.target.bridge,
      { caller: null, ip: incoming.ip, data: { method, url: request.url, headers, ...(body !== undefined ? { body } : {}) } },
      { trace: incoming.trace, timeoutMs: this.timeouts.of(route) },
    );
    reply.status(answer.status);
    for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
    reply.send(answer.body);
  }
}
