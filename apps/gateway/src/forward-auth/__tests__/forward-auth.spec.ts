import { Caller } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import Fastify, { FastifyInstance } from 'fastify';
import { RequestAdmission } from '../../admission/request-admission';
import { GatewayEnv } from '../../gateway.env';
import { GatewayMetrics } from '../../observability/metrics';
import { registerTraceHeaders } from '../../observability/trace-headers';
import { InternalTokens } from '../../proxy/internal-tokens';
import { Admission, IncomingRequest } from '../../request/incoming-request';
import { RouteDefinition } from '../../request/route-definition';
import { parseRouteFile } from '../../routing/route-file';
import { ForwardAuth } from '../forward-auth';

const alice: Caller = { type: 'USER', id: 'alice', via: 'jwt', ip: '127.0.0.1' };

const routes = parseRouteFile(`upstreams:
  signed: { url: http://signed:8080, internalToken: true }
routes:
  - path: /apps/{tenant}/{namespace}/**
    methods: [GET, DELETE]
    permission: APP
    namespace: { from: path, name: namespace }
    signInUrl: https://login.example.com/start?app=1
  - path: /signed/{tenant}/**
    methods: [GET]
    upstream: signed
`);

describe('forward-auth endpoints (gateway)', () => {
  let app: FastifyInstance;
  let outcome: (route: RouteDefinition, request: IncomingRequest) => Admission | Promise<Admission>;
  const seen: IncomingRequest[] = [];

  beforeAll(async () => {
    const admission = {
      admit: (route: RouteDefinition, request: IncomingRequest) => {
        seen.push(request);
        return outcome(route, request);
      },
    } as unknown as RequestAdmission;
    const tokens = { tokenFor: async () => 'signed.jwt.token' } as unknown as InternalTokens;
    const forwardAuth = new ForwardAuth(admission, tokens, new GatewayMetrics(), new GatewayEnv());
    app = Fastify();
    registerTraceHeaders(app);
    forwardAuth.register(app, routes);
    await app.ready();
  });
  afterAll(() => app.close());
  beforeEach(() => {
    seen.length = 0;
    outcome = (_route, request) => ({ caller: alice, tenantId: request.params.tenant, params: request.params });
  });

  const caddy = (uri: string, extra: Record<string, string> = {}) => ({
    'x-forwarded-method': 'GET', 'x-forwarded-uri': uri, 'x-forwarded-host': 'app.example.com', 'x-forwarded-proto': 'https', ...extra,
  });

  it('answers 200 with the identity headers, the client address from a trusted proxy and the original credentials', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/authz/forward-auth', headers: { ...caddy('/apps/acme/a.b/x?y=1'), authorization: 'Bearer t', 'x-forwarded-for': '203.0.113.9' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ 'x-gatehouse-subject-id': 'alice', 'x-gatehouse-subject-type': 'USER', 'x-gatehouse-tenant': 'acme' });
    expect(response.body).toBe('');
    expect(response.headers['x-content-type-options']).toBeUndefined();
    expect(seen[0]).toMatchObject({ ip: '203.0.113.9', authorization: 'Bearer t', query: { y: '1' }, params: { tenant: 'acme', namespace: 'a.b' } });
  });

  it('adds the internal token of an upstream declared with internalToken, asynchronously', async () => {
    outcome = async (_route, request) => ({ caller: alice, tenantId: request.params.tenant, params: request.params });
    const response = await app.inject({ method: 'GET', url: '/api/v1/authz/forward-auth', headers: caddy('/signed/acme/x') });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-gatehouse-token']).toBe('signed.jwt.token');
  });

  it('refuses a client\'s x-gatehouse-* header, an undeclared method or path, and a dot segment, before admission', async () => {
    const spoofed = await app.inject({ method: 'GET', url: '/api/v1/authz/forward-auth', headers: { ...caddy('/apps/acme/a.b/x'), 'x-gatehouse-tenant': 'x' } });
    expect([spoofed.statusCode, spoofed.json().rule]).toEqual([403, 'client-identity-header']);
    // A refusal may reach a browser: it carries the security headers.
    expect(spoofed.headers['x-content-type-options']).toBe('nosniff');
    const patch = await app.inject({ method: 'GET', url: '/api/v1/authz/forward-auth', headers: caddy('/apps/acme/a.b/x', { 'x-forwarded-method': 'PATCH' }) });
    expect([patch.statusCode, patch.json().rule]).toEqual([403, 'no-route']);
    const dots = await app.inject({ method: 'GET', url: '/api/v1/authz/forward-auth', headers: caddy('/apps/acme/a.b/%2e%2e/x') });
    expect(dots.statusCode).toBe(400);
    expect(seen).toEqual([]);
  });

  it('sends a browser page load to the route\'s sign-in URL: a 302 for Caddy, Traefik and Envoy, a 401 with Location for nginx', async () => {
    outcome = () => {
      throw ProblemException.unauthorized();
    };
    const html = { accept: 'text/html' };
    const redirected = await app.inject({ method: 'GET', url: '/api/v1/authz/forward-auth', headers: caddy('/apps/acme/a.b/x?y=1', html) });
    const back = encodeURIComponent('https://app.example.com/apps/acme/a.b/x?y=1');
    expect([redirected.statusCode, redirected.headers.location]).toEqual([302, `https://login.example.com/start?app=1&rd=${back}`]);
    const nginx = await app.inject({ method: 'GET', url: '/api/v1/authz/auth-request', headers: { 'x-original-method': 'GET', 'x-original-url': 'https://app.example.com/apps/acme/a.b/x?y=1', ...html } });
    expect([nginx.statusCode, nginx.headers.location, nginx.headers['www-authenticate']]).toEqual([401, `https://login.example.com/start?app=1&rd=${back}`, 'Bearer']);
    const envoy = await app.inject({ method: 'GET', url: '/api/v1/authz/ext-authz/apps/acme/a.b/x', headers: { host: 'app.example.com', ...html } });
    expect(envoy.statusCode).toBe(302);
    const api = await app.inject({ method: 'GET', url: '/api/v1/authz/forward-auth', headers: caddy('/apps/acme/a.b/x', { accept: 'application/json' }) });
    expect([api.statusCode, api.headers.location, api.headers['content-type']]).toEqual([401, undefined, 'application/problem+json; charset=utf-8']);
    const write = await app.inject({ method: 'GET', url: '/api/v1/authz/forward-auth', headers: caddy('/apps/acme/a.b/x', { ...html, 'x-forwarded-method': 'DELETE' }) });
    expect(write.statusCode).toBe(401);
  });

  it('answers nginx\'s other refusals as a 403 it can pass on, and keeps Gatehouse\'s own failures 5xx (fail closed)', async () => {
    outcome = () => {
      throw ProblemException.tooManyRequests('rate-limited', 'slow down', 3);
    };
    const nginx = { 'x-original-method': 'GET', 'x-original-uri': '/apps/acme/a.b/x' };
    const limited = await app.inject({ method: 'GET', url: '/api/v1/authz/auth-request', headers: nginx });
    expect([limited.statusCode, limited.json().status, limited.json().originalStatus]).toEqual([403, 403, 429]);
    const caddyLimited = await app.inject({ method: 'GET', url: '/api/v1/authz/forward-auth', headers: caddy('/apps/acme/a.b/x') });
    expect([caddyLimited.statusCode, caddyLimited.headers['retry-after']]).toEqual([429, '3']);
    outcome = async () => {
      throw ProblemException.unavailable('authorization is down');
    };
    expect((await app.inject({ method: 'GET', url: '/api/v1/authz/auth-request', headers: nginx })).statusCode).toBe(503);
  });

  it('takes any method and ignores a body (Envoy and nginx ask with the original method)', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/api/v1/authz/ext-authz/apps/acme/a.b/x', headers: { 'content-type': 'application/json' }, payload: '{not json' });
    expect(response.statusCode).toBe(200);
    expect(seen[0].body).toBeUndefined();
  });
});
