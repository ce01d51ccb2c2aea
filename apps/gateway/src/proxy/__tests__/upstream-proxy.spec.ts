import { createServer, IncomingMessage, request, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Caller } from '@gatehouse/contracts';
import { toProblem } from '@gatehouse/errors';
import { Logger } from '@nestjs/common';
import Fastify, { FastifyInstance } from 'fastify';
import { GatewayMetrics } from '../../observability/metrics';
import { Admission } from '../../request/incoming-request';
import { sendProblem } from '../../request/problem-reply';
import { RouteDefinition, UpstreamTarget } from '../../request/route-definition';
import { InternalTokens } from '../internal-tokens';
import { UpstreamProxy } from '../upstream-proxy';

const alice: Caller = { type: 'USER', id: 'alice', via: 'jwt' };
const trace = { requestId: 'req-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('UpstreamProxy (gateway)', () => {
  let upstream: Server;
  let seen: Seen;
  let answer: (res: import('node:http').ServerResponse) => void;
  let base: string;
  let fastify: FastifyInstance;
  let proxy: UpstreamProxy;
  let metrics: GatewayMetrics;
  const tokens = { tokenFor: jest.fn(async () => 'internal-jwt') };

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen = { method: req.method, url: req.url, headers: req.headers, body };
        answer(res);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    upstream.closeAllConnections();
    return new Promise((resolve) => upstream.close(resolve));
  });

  function routeTo(target: Partial<UpstreamTarget> = {}): RouteDefinition & { target: UpstreamTarget } {
    return {
      method: 'POST', path: '/api/v1/:tenant/flows/:namespace/*', summary: 'flows', access: 'authenticated',
      target: { upstream: 'flows', baseUrl: `${base}/base/`, timeoutMs: 2_000, stripPrefix: '/api/v1/:tenant/flows', ...target },
    };
  }

  async function serve(route: RouteDefinition & { target: UpstreamTarget }, admission: Admission = { caller: alice, tenantId: 'acme', params: {}, namespaces: ['a.b'] }) {
    fastify = Fastify();
    fastify.addHook('onRequest', (_request, reply, done) => {
      reply.header('x-request-id', trace.requestId).header('traceparent', trace.traceparent);
      done();
    });
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', (_request, _payload, done) => done(null));
    fastify.route({
      method: ['GET', 'POST'],
      url: route.path,
      handler: (request, reply) => {
        proxy.forward(route, admission, trace, request, reply).catch((error: unknown) => sendProblem(reply, toProblem(error, new Logger('test'), 'proxy')));
      },
    });
    await fastify.ready();
  }

  beforeEach(() => {
    answer = (res) => res.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes', connection: 'keep-alive' }).end('{"ok":true}');
    metrics = new GatewayMetrics();
    proxy = new UpstreamProxy(metrics, tokens as unknown as InternalTokens);
  });
  afterEach(async () => {
    await fastify?.close();
    await proxy.onApplicationShutdown();
  });

  it('forwards method, path (prefix stripped, base path added), query and body, and streams the answer back', async () => {
    await serve(routeTo());
    const response = await fastify.inject({ method: 'POST', url: '/api/v1/acme/flows/a.b/run/1?x=1&y=2', payload: 'raw body', headers: { 'content-type': 'text/plain' } });
    expect(seen).toMatchObject({ method: 'POST', url: '/base/a.b/run/1?x=1&y=2', body: 'raw body' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ ok: true });
    expect(response.headers['x-upstream']).toBe('yes');
    expect(response.headers['x-request-id']).toBe('req-1'); // the gateway's own headers stay
  });

  it('sends the verified identity, never what the client claims, and no credentials', async () => {
    await serve(routeTo());
    await fastify.inject({
      method: 'GET', url: '/api/v1/acme/flows/a.b/x',
      headers: { authorization: 'Bearer secret', 'x-gatehouse-subject-id': 'mallory', 'x-forwarded-for': '6.6.6.6', accept: 'text/csv' },
    });
    expect(seen.headers).toMatchObject({
      'x-gatehouse-subject-id': 'alice', 'x-gatehouse-subject-type': 'USER', 'x-gatehouse-tenant': 'acme', 'x-gatehouse-namespaces': 'a.b',
      'x-request-id': 'req-1', traceparent: trace.traceparent, 'x-forwarded-for': '127.0.0.1', accept: 'text/csv',
    });
    expect(seen.headers).not.toHaveProperty('authorization');
    expect(seen.headers).not.toHaveProperty('x-gatehouse-token');
  });

  it("adds the caller's internal token for an upstream that asks for one", async () => {
    await serve(routeTo({ internalToken: true }));
    await fastify.inject({ method: 'GET', url: '/api/v1/acme/flows/a.b/x' });
    expect(seen.headers['x-gatehouse-token']).toBe('internal-jwt');
    expect(tokens.tokenFor).toHaveBeenCalledWith(alice, 'acme', 'flows', trace);
  });

  it('refuses a path with a dot segment (400), also encoded or after a backslash, without calling the upstream', async () => {
    await serve(routeTo());
    // Sent as they are (inject would resolve them as a URL first, as most clients do).
    const port = (await fastify.listen({ port: 0, host: '127.0.0.1' })).split(':').pop();
    seen = { headers: {}, body: '' };
    for (const path of ['/api/v1/acme/flows/a.b/%2e%2e/admin', '/api/v1/acme/flows/a.b/x/%2E./y', '/api/v1/acme/flows/a.b/x\\..\\y', '/api/v1/acme/flows/a.b/x/..']) {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        request({ host: '127.0.0.1', port: Number(port), path, method: 'GET' }, (res) => {
          res.resume();
          resolve(res.statusCode);
        }).on('error', reject).end();
      });
      expect([path, status]).toEqual([path, 400]);
    }
    expect(seen.url).toBeUndefined();
  });

  it('answers 502 for an unreachable upstream and 504 for a slow one, and counts both', async () => {
    await serve(routeTo({ baseUrl: 'http://127.0.0.1:1' }));
    const unreachable = await fastify.inject({ method: 'GET', url: '/api/v1/acme/flows/a.b/x' });
    expect(unreachable.statusCode).toBe(502);
    expect(unreachable.json()).toMatchObject({ detail: 'The upstream "flows" could not be reached' });
    await fastify.close();
    answer = (res) => setTimeout(() => res.writeHead(200).end(), 4_000).unref(); // undici's timers tick about once a second
    await serve(routeTo({ timeoutMs: 100 }));
    const slow = await fastify.inject({ method: 'GET', url: '/api/v1/acme/flows/a.b/x' });
    expect(slow.statusCode).toBe(504);
    const counted = await metrics.upstreamErrors.get();
    expect(counted.values.map((v) => [v.labels.kind, v.value])).toEqual([['unreachable', 1], ['timeout', 1]]);
  });
});
