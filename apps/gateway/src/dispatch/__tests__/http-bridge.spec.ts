import { OIDC_HTTP_MAX_BODY_BYTES, OidcHttpResponse, OidcRpc } from '@gatehouse/contracts';
import { RpcClient } from '@gatehouse/messaging';
import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from 'nats';
import { IncomingRequest } from '../../request/incoming-request';
import { HttpBridgeTarget, RouteDefinition } from '../../request/route-definition';
import { sendFrameworkError } from '../../routing/route-registrar';
import { GatewayEnv } from '../../gateway.env';
import { HttpBridge } from '../http-bridge';
import { RouteTimeouts } from '../route-timeouts';

const trace = { requestId: 'r1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
const target: HttpBridgeTarget = { bridge: OidcRpc.http, maxBodyBytes: OIDC_HTTP_MAX_BODY_BYTES };
const route = { method: 'POST', path: '/oidc/token', summary: 'token', access: 'public', target } as unknown as RouteDefinition & { target: HttpBridgeTarget };

/** A gateway with one bridged route (body read as text, as the route registrar does) in front of the given RpcClient. */
async function gatewayWith(rpc: object): Promise<FastifyInstance> {
  const bridge = new HttpBridge(rpc as RpcClient, new RouteTimeouts(new GatewayEnv()));
  const app = Fastify();
  app.setErrorHandler((error, _request, reply) => sendFrameworkError(reply, error));
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: target.maxBodyBytes }, (_request, body, done) => done(null, body));
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const incoming = { ip: '203.0.113.7', trace } as IncomingRequest;
    await bridge.forward(route, incoming, request, reply);
    return reply;
  };
  app.route({ method: ['GET', 'POST', 'PUT', 'DELETE'], url: '/oidc/*', handler });
  await app.ready();
  return app;
}

/** An RpcClient whose NATS connection fails as given (the real client maps it to a problem). */
function rpcFailingWith(code: ErrorCode): RpcClient {
  const nc = { request: jest.fn(async () => Promise.reject(Object.assign(new Error(code), { code }))) };
  return new RpcClient({ nc } as unknown as ConstructorParameters<typeof RpcClient>[0]);
}

describe('HttpBridge (gateway)', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => app?.close());

  it('sends the request as it came (method, path and query, headers with cookies, raw body) with the client address, minus hop-by-hop and forwarding headers', async () => {
    const rpc = { request: jest.fn(async (): Promise<OidcHttpResponse> => ({ status: 200, headers: {}, body: '' })) };
    app = await gatewayWith(rpc);
    await app.inject({
      method: 'POST',
      url: '/oidc/token?x=1',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: '_session=abc',
        authorization: 'Basic Y2xpZW50OnNlY3JldA==',
        'x-forwarded-for': '10.9.9.9',
        'x-forwarded-host': 'evil.test',
        forwarded: 'for=10.9.9.9',
        'x-real-ip': '10.9.9.9',
        'proxy-authorization': 'Basic eA==',
      },
      payload: 'grant_type=client_credentials&scope=api',
    });
    expect(rpc.request).toHaveBeenCalledTimes(1);
    const [definition, envelope, options] = rpc.request.mock.calls[0] as unknown as [unknown, { caller: unknown; ip: string; data: { method: string; url: string; headers: Record<string, string>; body?: string } }, unknown];
    expect(definition).toBe(OidcRpc.http);
    expect(options).toEqual({ trace, timeoutMs: undefined });
    expect(envelope).toMatchObject({ caller: null, ip: '203.0.113.7', data: { method: 'POST', url: '/oidc/token?x=1', body: 'grant_type=client_credentials&scope=api' } });
    expect(envelope.data.headers).toMatchObject({ 'content-type': 'application/x-www-form-urlencoded', cookie: '_session=abc', authorization: 'Basic Y2xpZW50OnNlY3JldA==' });
    for (const name of ['host', 'content-length', 'connection', 'x-forwarded-for', 'x-forwarded-host', 'forwarded', 'x-real-ip', 'proxy-authorization']) {
      expect(envelope.data.headers).not.toHaveProperty(name);
    }
  });

  it('sends no body when there is none', async () => {
    const rpc = { request: jest.fn(async (): Promise<OidcHttpResponse> => ({ status: 200, headers: {}, body: '' })) };
    app = await gatewayWith(rpc);
    await app.inject({ method: 'GET', url: '/oidc/auth?client_id=c' });
    expect((rpc.request.mock.calls[0] as unknown as [unknown, { data: object }])[1].data).not.toHaveProperty('body');
  });

  it("writes the answer back verbatim: status, headers (Set-Cookie several times, Location, CSP) and body", async () => {
    const answer: OidcHttpResponse = {
      status: 303,
      headers: {
        location: 'https://app.test/cb?code=1&state=s',
        'set-cookie': ['_interaction=1; path=/oidc/interaction/u; httponly', '_session=2; path=/; httponly', '_session.sig=3; path=/; httponly'],
        'cache-control': 'no-store',
        'content-security-policy': "default-src 'none'; form-action 'self' https://app.test",
        'content-type': 'text/html; charset=utf-8',
      },
      body: '<p>Redirecting</p>',
    };
    app = await gatewayWith({ request: jest.fn(async () => answer) } as unknown as RpcClient);
    const response = await app.inject({ method: 'GET', url: '/oidc/auth/u' });
    expect(response.statusCode).toBe(303);
    expect(response.headers['set-cookie']).toEqual(answer.headers['set-cookie']);
    expect(response.headers).toMatchObject({
      location: answer.headers['location'],
      'cache-control': 'no-store',
      'content-security-policy': answer.headers['content-security-policy'],
      'content-type': 'text/html; charset=utf-8',
    });
    expect(response.body).toBe('<p>Redirecting</p>');
  });

  it("a provider's RFC error is passed on as it is, not as a problem", async () => {
    const body = '{"error":"invalid_grant","error_description":"grant request is invalid"}';
    app = await gatewayWith({ request: jest.fn(async () => ({ status: 400, headers: { 'content-type': 'application/json; charset=utf-8' }, body })) } as unknown as RpcClient);
    const response = await app.inject({ method: 'POST', url: '/oidc/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=x' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe(body);
  });

  it('identity not answering in time is a 504 problem; identity not running (no responders) a 503 problem', async () => {
    app = await gatewayWith(rpcFailingWith(ErrorCode.Timeout));
    const late = await app.inject({ method: 'POST', url: '/oidc/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1' });
    expect(late.statusCode).toBe(504);
    expect(late.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(late.json()).toMatchObject({ status: 504 });
    await app.close();

    app = await gatewayWith(rpcFailingWith(ErrorCode.NoResponders));
    const down = await app.inject({ method: 'GET', url: '/oidc/auth' });
    expect(down.statusCode).toBe(503);
    expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(down.json()).toMatchObject({ status: 503 });
  });

  it('a method the bridge does not carry is a 405 problem, never sent', async () => {
    const rpc = { request: jest.fn() };
    app = await gatewayWith(rpc);
    const response = await app.inject({ method: 'PUT', url: '/oidc/token' });
    expect(response.statusCode).toBe(405);
    expect(rpc.request).not.toHaveBeenCalled();
  });

  it('a body over the cap is refused (413) before anything is sent', async () => {
    const rpc = { request: jest.fn() };
    app = await gatewayWith(rpc);
    const response = await app.inject({ method: 'POST', url: '/oidc/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a'.repeat(OIDC_HTTP_MAX_BODY_BYTES + 1) });
    expect(response.statusCode).toBe(413);
    expect(rpc.request).not.toHaveBeenCalled();
  });
});
