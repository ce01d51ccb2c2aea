import { IncomingMessage, ServerResponse } from 'node:http';
import { OIDC_HTTP_MAX_BODY_BYTES, OidcHttpRequest } from '@gatehouse/contracts';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { errors } from 'oidc-provider';
import { IdentityEnv } from '../../identity.env';
import { OidcBridge } from '../oidc-bridge';
import { OidcInteractions } from '../oidc-interactions';
import { OidcProvider } from '../oidc-provider';

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingMessage['headers'];
  body: string;
  remoteAddress?: string;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => unknown;

/** The bridge in front of a stand-in request listener (the provider's callback) that records what it got. */
function bridgeWith(listener: Listener, options: { interaction?: Listener } = {}) {
  const seen: Seen = { headers: {}, body: '' };
  const record = (next: Listener): Listener => async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    Object.assign(seen, { method: req.method, url: req.url, headers: req.headers, body, remoteAddress: req.socket.remoteAddress });
    return next(req, res);
  };
  const provider = { current: jest.fn(async () => ({ provider: {}, callback: record(listener), kids: 'k' })), settled: jest.fn(async () => undefined), pruneSoon: jest.fn() };
  const interactions = {
    matches: (url: string) => url.startsWith('/oidc/interaction/'),
    handle: jest.fn(async (_provider: unknown, req: IncomingMessage, res: ServerResponse) => record(options.interaction ?? listener)(req, res)),
  };
  const env = { JWT_ISSUER: 'https://id.gatehouse.test' } as IdentityEnv;
  const bridge = new OidcBridge(provider as unknown as OidcProvider, interactions as unknown as OidcInteractions, env);
  return { bridge, seen, provider, interactions };
}

const ok: Listener = (_req, res) => {
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end('{"ok":true}');
};

describe('OidcBridge (identity)', () => {
  it("carries the method, path, query, headers, cookies and body into the provider, as if sent to the issuer's URL from the client", async () => {
    const { bridge, seen } = bridgeWith(ok);
    await bridge.handle(
      {
        method: 'POST',
        url: '/oidc/token?x=1',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', cookie: '_session=abc; _session.sig=def', authorization: 'Basic Y2xpZW50OnNlY3JldA==' },
        body: 'grant_type=client_credentials',
      },
      '203.0.113.7',
    );
    expect(seen).toMatchObject({ method: 'POST', url: '/oidc/token?x=1', body: 'grant_type=client_credentials', remoteAddress: '203.0.113.7' });
    expect(seen.headers).toMatchObject({
      'content-type': 'application/x-www-form-urlencoded',
      cookie: '_session=abc; _session.sig=def',
      authorization: 'Basic Y2xpZW50OnNlY3JldA==',
      host: 'id.gatehouse.test',
      'x-forwarded-proto': 'https',
      'x-forwarded-for': '203.0.113.7',
    });
  });

  it('never lets a client pose as another host or address, and sends no body with a GET', async () => {
    const { bridge, seen } = bridgeWith(ok);
    await bridge.handle(
      { method: 'GET', url: '/oidc/auth', headers: { host: 'evil.test', 'x-forwarded-host': 'evil.test', 'x-forwarded-for': '10.9.9.9', 'x-forwarded-proto': 'http', forwarded: 'for=10.9.9.9' }, body: 'ignored' },
      null,
    );
    expect(seen.headers).toMatchObject({ host: 'id.gatehouse.test', 'x-forwarded-proto': 'https' });
    expect(seen.headers).not.toHaveProperty('x-forwarded-for');
    expect(seen.headers).not.toHaveProperty('x-forwarded-host');
    expect(seen.headers).not.toHaveProperty('forwarded');
    expect(seen.body).toBe('');
  });

  it("answers the provider's status, body and own headers (Set-Cookie several times), and none of the rest", async () => {
    const { bridge, provider } = bridgeWith((_req, res) => {
      res.statusCode = 303;
      res.setHeader('location', 'https://app.test/cb?code=1');
      res.setHeader('set-cookie', ['_interaction=1; path=/oidc/interaction/u; httponly', '_session=2; path=/; httponly']);
      res.setHeader('cache-control', 'no-store');
      res.setHeader('content-security-policy', "default-src 'none'");
      res.setHeader('x-powered-by', 'koa');
      res.setHeader('strict-transport-security', 'max-age=1');
      res.end('Redirecting');
    });
    const answer = await bridge.handle({ method: 'GET', url: '/oidc/auth?client_id=c', headers: {} }, null);
    expect(answer).toEqual({
      status: 303,
      headers: {
        location: 'https://app.test/cb?code=1',
        'set-cookie': ['_interaction=1; path=/oidc/interaction/u; httponly', '_session=2; path=/; httponly'],
        'cache-control': 'no-store',
        'content-security-policy': "default-src 'none'",
      },
      body: 'Redirecting',
    });
    // The answer leaves once the revocations it caused are broadcast.
    expect(provider.settled).toHaveBeenCalled();
  });

  it("answers the console's logout confirmation (fetch, JSON) with where to go, keeping the cookies; a form's post gets the redirect", async () => {
    const { bridge } = bridgeWith((_req, res) => {
      res.writeHead(303, { location: 'https://app.test/signed-out?state=s', 'set-cookie': ['_session=; expires=Thu, 01 Jan 1970 00:00:00 GMT'] }).end();
    });
    const request = { method: 'POST' as const, url: '/oidc/session/end/confirm', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'xsrf=x&logout=yes' };
    const forPage = await bridge.handle({ ...request, headers: { ...request.headers, accept: 'application/json' } }, null);
    expect(forPage).toEqual({
      status: 200,
      headers: { 'set-cookie': ['_session=; expires=Thu, 01 Jan 1970 00:00:00 GMT'], 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body: JSON.stringify({ redirectTo: 'https://app.test/signed-out?state=s' }),
    });
    expect(await bridge.handle(request, null)).toMatchObject({ status: 303, headers: { location: 'https://app.test/signed-out?state=s' } });
  });

  it('sends the interaction paths to the interactions (the console page), everything else to the provider', async () => {
    const { bridge, interactions } = bridgeWith(ok, { interaction: (_req, res) => res.writeHead(303, { location: '/ui/oidc/interaction/u' }).end() });
    expect((await bridge.handle({ method: 'GET', url: '/oidc/interaction/u', headers: {} }, '10.0.0.1')).headers).toEqual({ location: '/ui/oidc/interaction/u' });
    expect(interactions.handle).toHaveBeenCalledTimes(1);
    expect((await bridge.handle({ method: 'GET', url: '/oidc/userinfo', headers: {} }, null)).status).toBe(200);
    expect(interactions.handle).toHaveBeenCalledTimes(1);
  });

  it("a provider exception answers an RFC error: a provider error with its own status, anything else server_error, never a hang", async () => {
    const invalid = bridgeWith(() => {
      throw new errors.InvalidRequest('missing required parameter');
    });
    const refused = await invalid.bridge.handle({ method: 'POST', url: '/oidc/token', headers: {}, body: 'a=1' }, null);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'invalid_request' });
    expect(refused.headers['content-type']).toMatch(/^application\/json/);

    const broken = bridgeWith(async () => {
      throw new Error('connection terminated');
    });
    const failed = await broken.bridge.handle({ method: 'GET', url: '/oidc/userinfo', headers: {} }, null);
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body)).toEqual({ error: 'server_error' });
    expect(failed.body).not.toContain('connection terminated');
  });

  it('carries at most the size cap: bodies over 64 KiB, long URLs and paths outside the provider are refused by the contract', () => {
    const errorsOf = (plain: object) => validateSync(plainToInstance(OidcHttpRequest, plain)).map((e) => e.property);
    expect(errorsOf({ method: 'POST', url: '/oidc/token', headers: {}, body: 'a'.repeat(OIDC_HTTP_MAX_BODY_BYTES) })).toEqual([]);
    expect(errorsOf({ method: 'POST', url: '/oidc/token', headers: {}, body: 'a'.repeat(OIDC_HTTP_MAX_BODY_BYTES + 1) })).toEqual(['body']);
    expect(errorsOf({ method: 'GET', url: `/oidc/auth?${'a'.repeat(8192)}`, headers: {} })).toEqual(['url']);
    expect(errorsOf({ method: 'GET', url: '/api/v1/users', headers: {} })).toEqual(['url']);
    expect(errorsOf({ method: 'PUT', url: '/oidc/token', headers: {} })).toEqual(['method']);
  });
});
