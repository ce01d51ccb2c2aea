import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { DestinationPolicy } from '@gatehouse/service-runtime';
import { OidcUpstream } from '../oidc-upstream';

const VARIABLES = { allowedNetworks: 'FEDERATION_ALLOWED_NETWORKS', allowLoopback: 'FEDERATION_ALLOW_LOOPBACK', what: 'identity providers' };

/**
 * DNS rebinding: the provider's name is resolved once per connection, every address checked against the outbound
 * rules, and the connection made to a checked address. A resolver that answers a loopback address (the test's
 * provider, allowed with FEDERATION_ALLOW_LOOPBACK) first and a refused one afterwards never gets its second answer
 * followed. `rebind.localhost` resolves nowhere on this machine but through the test's resolver.
 */
describe('OidcUpstream: requests go to the address that was checked', () => {
  const policy = new DestinationPolicy('', true, VARIABLES);
  let server: Server;
  let port: number;
  const seen: Array<{ path: string; host: string | undefined; local: string | undefined; socket: number }> = [];
  const sockets = new WeakMap<object, number>();
  let connections = 0;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      if (!sockets.has(req.socket)) sockets.set(req.socket, ++connections);
      seen.push({ path: req.url ?? '', host: req.headers.host, local: req.socket.localAddress, socket: sockets.get(req.socket) as number });
      const issuer = `http://rebind.localhost:${port}`;
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') {
        res.end(JSON.stringify({
          issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`, response_types_supported: ['code'],
          subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
        }));
      } else if (req.url === '/jwks') {
        res.end(JSON.stringify({ keys: [{ kty: 'RSA', kid: 'k', n: 'AQAB', e: 'AQAB' }] }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise((done) => server.close(done)));
  beforeEach(() => {
    seen.splice(0);
    connections = 0;
  });

  const upstreamWith = (answers: string[][]) => {
    const asked: string[] = [];
    const resolve = async (host: string) => {
      asked.push(host);
      return answers[Math.min(asked.length - 1, answers.length - 1)];
    };
    const upstream = new OidcUpstream({ issuer: `http://rebind.localhost:${port}`, clientId: 'gatehouse', clientSecret: '', scopes: ['openid'], claims: {
      username: 'preferred_username', email: 'email', firstName: 'given_name', lastName: 'family_name', groups: 'groups',
    }, mfaAmr: ['mfa'] }, policy, resolve);
    return { upstream, asked };
  };

  it('connects to the checked address: a later lookup answering elsewhere is checked again, never followed', async () => {
    const { upstream, asked } = upstreamWith([['127.0.0.1'], ['10.9.9.9']]);
    try {
      const result = await upstream.test();
      // Discovery reached the provider the check admitted, by its name; the JWKS request's connection looked the
      // name up again, got the rebound answer and was refused before connecting.
      expect(result).toMatchObject({
        ok: false, step: 'url', steps: [{ step: 'discovery', ok: true }, { step: 'url', ok: false, detail: expect.stringMatching(/rebind\.localhost resolves to 10\.9\.9\.9/) }],
      });
      expect(seen).toEqual([{ path: '/.well-known/openid-configuration', host: `rebind.localhost:${port}`, local: '127.0.0.1', socket: 1 }]);
      expect(asked).toEqual(['rebind.localhost', 'rebind.localhost']);
    } finally {
      upstream.close();
    }
  });

  it('looks the name up once per connection, and each connection goes to an address that lookup answered', async () => {
    const { upstream, asked } = upstreamWith([['127.0.0.1']]);
    try {
      expect(await upstream.test()).toMatchObject({ ok: true, steps: [{ step: 'discovery', ok: true }, { step: 'jwks', ok: true }] });
      expect(seen.map((s) => [s.path, s.local])).toEqual([['/.well-known/openid-configuration', '127.0.0.1'], ['/jwks', '127.0.0.1']]);
      expect(asked.length).toBe(new Set(seen.map((s) => s.socket)).size);
    } finally {
      upstream.close();
    }
  });

  it.each([
    ['a refused address', [['10.9.9.9']]],
    ['a refused address among allowed ones', [['127.0.0.1', '169.254.169.254']]],
  ])('refuses a name that resolves to %s before connecting', async (_what, answers) => {
    const { upstream } = upstreamWith(answers);
    try {
      const result = await upstream.test();
      expect(result).toMatchObject({ ok: false, step: 'url', detail: expect.stringMatching(/rebind\.localhost resolves to .*private, loopback, link-local or reserved/) });
      expect(seen).toEqual([]);
    } finally {
      upstream.close();
    }
  });

  it('a name that does not resolve is the dns step', async () => {
    const upstream = new OidcUpstream({ issuer: `http://rebind.localhost:${port}`, clientId: 'x', clientSecret: '', scopes: [], claims: {
      username: 'u', email: 'e', firstName: 'f', lastName: 'l', groups: 'g',
    }, mfaAmr: [] }, policy, async () => {
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    });
    try {
      expect(await upstream.test()).toMatchObject({ ok: false, step: 'dns' });
    } finally {
      upstream.close();
    }
  });
});
