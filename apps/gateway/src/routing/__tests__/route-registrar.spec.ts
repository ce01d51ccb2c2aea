import { Caller } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { Logger } from '@nestjs/common';
import Fastify, { FastifyInstance } from 'fastify';
import { RequestAdmission } from '../../admission/request-admission';
import { HttpBridge } from '../../dispatch/http-bridge';
import { ScimDispatcher } from '../../dispatch/scim-dispatcher';
import { DispatchResult, ServiceDispatcher } from '../../dispatch/service-dispatcher';
import { GatewayMetrics } from '../../observability/metrics';
import { registerTraceHeaders } from '../../observability/trace-headers';
import { UpstreamProxy } from '../../proxy/upstream-proxy';
import { Admission } from '../../request/incoming-request';
import { RouteDefinition } from '../../request/route-definition';
import { BrowserSessions, SessionAnswer } from '../../session/browser-sessions';
import { RouteRegistrar } from '../route-registrar';
import { GatewayEnv } from '../../gateway.env';
import { RouteTimeouts } from '../../dispatch/route-timeouts';

// jose is ES-module only (Jest's CommonJS runtime cannot load it); authentication is a stub here.
jest.mock('jose', () => ({}));

const alice: Caller = { type: 'USER', id: 'alice', via: 'jwt' };
const builtIn: RouteDefinition = {
  method: 'POST', path: '/api/v1/:tenant/groups', summary: 'Create a group', access: { permission: 'GROUP' },
  target: { subject: 'authorization.groups.create.v1' } as RouteDefinition['target'], status: 201,
};
const signIn: RouteDefinition = {
  method: 'POST', path: '/api/v1/session', summary: 'Sign a browser in', access: 'public',
  target: { subject: 'identity.sessions.login.v1' } as RouteDefinition['target'], browserSession: 'sign-in',
};
const upstream: RouteDefinition = {
  method: 'POST', path: '/api/v1/:tenant/flows/*', summary: 'Flows', access: 'authenticated',
  target: { upstream: 'flows', baseUrl: 'http://127.0.0.1:1', timeoutMs: 1000 },
};

const provider: RouteDefinition = {
  method: 'POST', path: '/oidc/token', summary: 'Token endpoint', access: 'public',
  target: { bridge: { subject: 'identity.oidc.http.v1' }, maxBodyBytes: 64 },
};

const scimUsers: RouteDefinition = {
  method: 'POST', path: '/api/v1/:tenant/integrations/:id/scim/v2/Users', summary: 'SCIM users', access: { permission: 'USER' },
  target: { scim: { subject: 'identity.scim.request.v1' }, endpoint: 'Users', maxBodyBytes: 256 },
};

describe('RouteRegistrar (gateway)', () => {
  let fastify: FastifyInstance;
  let admit: jest.Mock;
  let dispatch: jest.Mock;
  let forward: jest.Mock;
  let handleSession: jest.Mock;
  let bridge: jest.Mock;
  let scim: jest.Mock;
  const admitted: Admission = { caller: alice, tenantId: 'acme', params: {} };

  beforeAll(() => jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());

  beforeEach(async () => {
    admit = jest.fn(() => admitted);
    dispatch = jest.fn(async (): Promise<DispatchResult> => ({ status: 201, body: { id: 'g1' } }));
    forward = jest.fn(async (_route, _admission, _trace, _request, reply) => {
      reply.status(202).send({ proxied: true });
    });
    handleSession = jest.fn(async (): Promise<SessionAnswer> => ({
      status: 200, body: { tokenType: 'Bearer', accessToken: 'a', expiresIn: 300 }, headers: { 'set-cookie': 'c=1; HttpOnly', 'cache-control': 'no-store' },
    }));
    bridge = jest.fn(async (_route, _incoming, _request, reply) => {
      reply.status(400).header('cache-control', 'no-store').send({ error: 'invalid_request' });
    });
    scim = jest.fn(async () => ({ status: 201, body: { id: 'u1' }, etag: 'W/"v1"', location: 'http://gw/Users/u1' }));
    const registrar = new RouteRegistrar(
      { admit } as unknown as RequestAdmission,
      { dispatch } as unknown as ServiceDispatcher,
      { handle: handleSession } as unknown as BrowserSessions,
      { forward } as unknown as UpstreamProxy,
      { forward: bridge } as unknown as HttpBridge,
      { dispatch: scim } as unknown as ScimDispatcher,
      new GatewayMetrics(),
      new RouteTimeouts(new GatewayEnv()),
    );
    fastify = Fastify();
    registerTraceHeaders(fastify);
    registrar.register(fastify, [builtIn, signIn, upstream, provider, scimUsers]);
    await fastify.ready();
  });
  afterEach(() => fastify.close());

  const post = (url: string, payload: string, contentType = 'application/json') =>
    fastify.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType, 'x-request-id': 'req-1' } });

  it("admits a built-in route's request, dispatches it with the admission and answers the service's result", async () => {
    const response = await post('/api/v1/acme/groups?x=1', '{"name":"g"}');
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ id: 'g1' });
    const [route, incoming, admission] = dispatch.mock.calls[0];
    expect(route).toBe(builtIn);
    expect(admission).toBe(admitted);
    expect(incoming).toMatchObject({ params: { tenant: 'acme' }, query: { x: '1' }, body: { name: 'g' }, trace: { requestId: expect.any(String) } });
    expect(admit.mock.calls[0][1]).toBe(incoming);
  });

  it('refuses, at start-up, a GATEWAY_ROUTE_TIMEOUTS entry that names no built-in route', () => {
    const env = Object.assign(new GatewayEnv(), { GATEWAY_ROUTE_TIMEOUTS: 'POST /api/v1/:tenant/groups=9000,GET /api/v1/nope=100' });
    const registrar = new RouteRegistrar(
      {} as RequestAdmission, {} as ServiceDispatcher, {} as BrowserSessions, {} as UpstreamProxy, {} as HttpBridge, {} as ScimDispatcher, new GatewayMetrics(), new RouteTimeouts(env),
    );
    expect(() => registrar.register(Fastify(), [builtIn, upstream])).toThrow('GATEWAY_ROUTE_TIMEOUTS names no built-in route of the gateway: GET /api/v1/nope');
  });

  describe('SCIM routes', () => {
    const url = '/api/v1/acme/integrations/i1/scim/v2/Users';

    it('parses an application/scim+json body, dispatches it and answers application/scim+json with ETag and Location', async () => {
      const response = await post(url, '{"userName":"a"}', 'application/scim+json');
      expect(response.statusCode).toBe(201);
      expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect([response.headers['etag'], response.headers['location']]).toEqual(['W/"v1"', 'http://gw/Users/u1']);
      expect(scim.mock.calls[0][1]).toMatchObject({ body: { userName: 'a' }, params: { tenant: 'acme', id: 'i1' } });
    });

    it.each([
      ['bad JSON', '{"userName":', 'application/scim+json'],
      ['a form', 'userName=a', 'application/x-www-form-urlencoded'],
      ['JSON nested past the limit', `${'['.repeat(40)}${']'.repeat(40)}`, 'application/json'],
    ])('answers %s with a SCIM 400 invalidSyntax, before admission', async (_what, payload, type) => {
      const response = await post(url, payload, type);
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect(response.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidSyntax' });
      expect(admit).not.toHaveBeenCalled();
    });

    it("answers a body past the route's limit and a refused admission as SCIM errors", async () => {
      const tooLarge = await post(url, JSON.stringify({ userName: 'a'.repeat(500) }), 'application/scim+json');
      expect([tooLarge.statusCode, tooLarge.json().schemas]).toEqual([413, ['urn:ietf:params:scim:api:messages:2.0:Error']]);
      admit.mockImplementation(() => {
        throw ProblemException.unauthorized('no');
      });
      const refused = await post(url, '{}', 'application/scim+json');
      expect([refused.statusCode, refused.headers['www-authenticate']]).toEqual([401, 'Bearer realm="SCIM"']);
      expect(refused.json()).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401', detail: 'no' });
    });
  });

  it('waits for an admission that is not ready yet', async () => {
    admit.mockImplementation(async () => admitted);
    expect((await post('/api/v1/acme/groups', '{}')).statusCode).toBe(201);
    expect(dispatch.mock.calls[0][2]).toBe(admitted);
  });

  it('refuses a built-in route a body that is not JSON (415), before admission', async () => {
    const response = await post('/api/v1/acme/groups', 'name=g', 'text/plain');
    expect(response.statusCode).toBe(415);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(admit).not.toHaveBeenCalled();
  });

  it("answers a refused admission with its Problem and the status's headers", async () => {
    admit.mockImplementation(() => {
      throw ProblemException.unauthorized();
    });
    const unauthorized = await post('/api/v1/acme/groups', '{}');
    expect([unauthorized.statusCode, unauthorized.headers['www-authenticate']]).toEqual([401, 'Bearer']);
    expect(unauthorized.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
    admit.mockImplementation(async () => {
      throw ProblemException.tooManyRequests('rate-limited', 'slow down', 7);
    });
    const limited = await post('/api/v1/acme/groups', '{}');
    expect([limited.statusCode, limited.headers['retry-after']]).toEqual([429, '7']);
    expect(dispatch).not.toHaveBeenCalled();
  });

  it('answers a stored refusal of a keyed write as a Problem, marked as a replay', async () => {
    const problem = ProblemException.conflict('taken').problem;
    dispatch.mockResolvedValue({ status: 409, body: problem, replayed: true });
    const response = await post('/api/v1/acme/groups', '{}');
    expect(response.statusCode).toBe(409);
    expect(response.headers['idempotent-replayed']).toBe('true');
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers an unexpected error with a 500 Problem that tells nothing of it', async () => {
    dispatch.mockRejectedValue(new Error('secret detail'));
    const response = await post('/api/v1/acme/groups', '{}');
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret detail');
  });

  it("answers what Fastify refuses itself (malformed JSON) as a Problem with the request's trace headers", async () => {
    const response = await post('/api/v1/acme/groups', '{"name":');
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-/);
    expect(admit).not.toHaveBeenCalled();
  });

  it('hands an HTTP-bridge route (the OpenID Connect provider) its form body as text, admitted, and lets it answer', async () => {
    const response = await post('/oidc/token', 'grant_type=x', 'application/x-www-form-urlencoded');
    expect([response.statusCode, response.json()]).toEqual([400, { error: 'invalid_request' }]);
    const [route, incoming, request] = bridge.mock.calls[0];
    expect(route).toBe(provider);
    expect(admit.mock.calls[0][1]).toBe(incoming);
    expect(request.body).toBe('grant_type=x');
    expect(dispatch).not.toHaveBeenCalled();
  });

  it('refuses an HTTP-bridge body over its cap before it reaches the service (413)', async () => {
    const response = await post('/oidc/token', `grant_type=${'x'.repeat(100)}`, 'application/x-www-form-urlencoded');
    expect(response.statusCode).toBe(413);
    expect(bridge).not.toHaveBeenCalled();
  });

  it('hands an upstream route to the proxy with its admission, its body left unparsed whatever its type', async () => {
    const response = await post('/api/v1/acme/flows/a/b', 'raw bytes', 'application/octet-stream');
    expect(response.statusCode).toBe(202);
    const [route, admission, trace] = forward.mock.calls[0];
    expect(route).toBe(upstream);
    expect(admission).toBe(admitted);
    expect(trace).toMatchObject({ traceparent: expect.stringMatching(/^00-/) });
    expect(admit.mock.calls[0][1].body).toBeUndefined();
    expect(dispatch).not.toHaveBeenCalled();
  });

  it('hands a browser-session route, once admitted, to the browser sessions and answers with their headers', async () => {
    const response = await post('/api/v1/session', '{"username":"a","password":"b"}');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ tokenType: 'Bearer', accessToken: 'a', expiresIn: 300 });
    expect([response.headers['set-cookie'], response.headers['cache-control']]).toEqual(['c=1; HttpOnly', 'no-store']);
    const [route, incoming, admission] = handleSession.mock.calls[0];
    expect([route, admission]).toEqual([signIn, admitted]);
    expect(incoming.body).toEqual({ username: 'a', password: 'b' });
    expect(dispatch).not.toHaveBeenCalled();
    handleSession.mockResolvedValue({ status: 401, body: ProblemException.unauthorized('over').problem, headers: { 'set-cookie': 'c=; Max-Age=0' } });
    const over = await post('/api/v1/session', '{}');
    expect([over.statusCode, over.headers['set-cookie'], over.headers['www-authenticate']]).toEqual([401, 'c=; Max-Age=0', 'Bearer']);
    expect(over.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
