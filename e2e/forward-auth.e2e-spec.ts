import {
  api, bearer, bindRole, CaddyProcess, caddyForwardAuthSite, createRole, createTenant, createUser, freePort, loginPair, NginxProcess, nginxForwardAuthServer,
  superAdminToken, TestUser, UpstreamEcho,
} from '@gatehouse/testing';

/**
 * Forward-auth (docs/forward-auth.md): real nginx (`auth_request`) and Caddy (`forward_auth`), with the
 * documentation's configurations, in front of an upstream this suite starts, asking the gateway of the
 * e2e system for every decision. The route `/ingress/{tenant}/apps/{namespace}/**` (GET, DELETE; APP on
 * the path's namespace; signInUrl /sign-in) has no upstream in the routes file: only an ingress proxies it.
 */

interface Answer {
  status: number;
  headers: Headers;
  /** What reached the upstream (the echo's JSON), or the ingress's own body. */
  body: { path?: string; method?: string; headers?: Record<string, string> } | string;
}

async function through(base: string, path: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const response = await fetch(`${base}${path}`, { method: init.method ?? 'GET', headers: init.headers, redirect: 'manual' });
  const text = await response.text();
  let body: Answer['body'] = text;
  if (response.headers.get('x-upstream') === 'echo') body = JSON.parse(text);
  return { status: response.status, headers: response.headers, body };
}

const upstreamSaw = (answer: Answer): Record<string, string> => {
  if (typeof answer.body === 'string' || !answer.body.headers) throw new Error(`the upstream was not reached: ${answer.status} ${String(answer.body).slice(0, 300)}`);
  return answer.body.headers;
};

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

describe('forward-auth: real nginx and Caddy ask the gateway before proxying', () => {
  let upstream: UpstreamEcho;
  let nginx: NginxProcess;
  let caddy: CaddyProcess;
  const sites: Record<'nginx' | 'caddy', { live: string; dead: string }> = { nginx: { live: '', dead: '' }, caddy: { live: '', dead: '' } };
  let root: string;
  let admin: TestUser;
  let reader: TestUser;
  let readerApiToken: string;
  let tenant: string;
  let appReader: { id: string };

  beforeAll(async () => {
    const gatehouse = process.env.GATEHOUSE_URL as string;
    upstream = await UpstreamEcho.start();
    // Nothing listens there: a forward-auth service that is down.
    const down = `http://127.0.0.1:${await freePort()}`;
    const [nginxLive, nginxDead, caddyLive, caddyDead] = [await freePort(), await freePort(), await freePort(), await freePort()];
    nginx = await NginxProcess.start(
      [nginxForwardAuthServer({ port: nginxLive, upstream: upstream.url, gatehouse }), nginxForwardAuthServer({ port: nginxDead, upstream: upstream.url, gatehouse: down })],
      [nginxLive, nginxDead],
    );
    caddy = await CaddyProcess.start(
      [caddyForwardAuthSite({ port: caddyLive, upstream: upstream.url, gatehouse }), caddyForwardAuthSite({ port: caddyDead, upstream: upstream.url, gatehouse: down })],
      [caddyLive, caddyDead],
    );
    sites.nginx = { live: `http://127.0.0.1:${nginxLive}`, dead: `http://127.0.0.1:${nginxDead}` };
    sites.caddy = { live: `http://127.0.0.1:${caddyLive}`, dead: `http://127.0.0.1:${caddyDead}` };

    root = await superAdminToken();
    admin = await createUser(root);
    tenant = (await createTenant(root, { adminUser: admin.username })).id;
    appReader = await createRole(admin.token, tenant, { name: 'app-reader', permissions: { APP: ['READ'] } });
    reader = await createUser(root);
    await bindRole(admin.token, tenant, { roleId: appReader.id, subjectId: reader.user.id, namespaces: ['a.b'] });
    readerApiToken = (await api().post('/api/v1/me/api-tokens').set(...bearer(reader.token)).send({ name: 'ingress' }).expect(201)).body.token;
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    await caddy?.stop();
    await upstream?.stop();
  });

  describe.each(['nginx', 'caddy'] as const)('%s', (ingress) => {
    const live = () => sites[ingress].live;
    const app = (namespace: string, rest = 'x') => `/ingress/${tenant}/apps/${namespace}/${rest}`;

    it('forwards an allowed request with the verified identity and without the credential', async () => {
      const answer = await through(live(), `${app('a.b', 'report')}?page=2`, { headers: auth(reader.token) });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ method: 'GET', path: app('a.b', 'report') });
      const headers = upstreamSaw(answer);
      expect(headers).toMatchObject({ 'x-gatehouse-subject-id': reader.user.id, 'x-gatehouse-subject-type': 'USER', 'x-gatehouse-tenant': tenant });
      expect(headers.authorization).toBeUndefined();
    });

    it('allows a child namespace and denies the sibling a.bc, the parent and an unrelated one', async () => {
      expect((await through(live(), app('a.b.c'), { headers: auth(reader.token) })).status).toBe(200);
      for (const namespace of ['a.bc', 'a', 'b.a']) {
        const denied = await through(live(), app(namespace), { headers: auth(reader.token) });
        expect([namespace, denied.status]).toEqual([namespace, 403]);
        expect(denied.headers.get('x-upstream')).toBeNull();
      }
    });

    it('denies by method: DELETE without APP:DELETE, and a method no route declares, even to the tenant Admin', async () => {
      expect((await through(live(), app('a.b'), { method: 'DELETE', headers: auth(reader.token) })).status).toBe(403);
      expect((await through(live(), app('a.b'), { method: 'DELETE', headers: auth(admin.token) })).status).toBe(200);
      expect((await through(live(), app('a.b'), { method: 'PATCH', headers: auth(admin.token) })).status).toBe(403);
      // A path no route declares is refused, not let through.
      expect((await through(live(), '/elsewhere/x', { headers: auth(admin.token) })).status).toBe(403);
    });

    it('authenticates API tokens as it does JWTs', async () => {
      const answer = await through(live(), app('a.b'), { headers: auth(readerApiToken) });
      expect(answer.status).toBe(200);
      expect(upstreamSaw(answer)['x-gatehouse-subject-id']).toBe(reader.user.id);
      expect((await through(live(), app('a.bc'), { headers: auth(readerApiToken) })).status).toBe(403);
    });

    it('answers 401 without a token, with a bad one, and with wrong Basic credentials', async () => {
      expect((await through(live(), app('a.b'))).status).toBe(401);
      expect((await through(live(), app('a.b'), { headers: auth('eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.bad') })).status).toBe(401);
      expect((await through(live(), app('a.b'), { headers: auth('gh_notarealtoken') })).status).toBe(401);
      const basic = `Basic ${Buffer.from(`${reader.username}:wrong-password`).toString('base64')}`;
      expect((await through(live(), app('a.b'), { headers: { authorization: basic } })).status).toBe(401);
    });

    it('sends a browser without credentials to the route\'s sign-in page, with the URL to come back to', async () => {
      const page = await through(live(), `${app('a.b', 'dashboard')}?tab=1`, { headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(page.status).toBe(302);
      // Gatehouse answers a path on the original host; nginx makes it absolute.
      const location = new URL(page.headers.get('location') as string, live()).href;
      expect(location).toBe(`${live()}/sign-in?rd=${encodeURIComponent(`${live()}${app('a.b', 'dashboard')}?tab=1`)}`);
      // A script or an API client is told 401, not redirected.
      expect((await through(live(), app('a.b'), { headers: { accept: 'application/json' } })).status).toBe(401);
    });

    it('never lets a client-sent identity header reach the upstream', async () => {
      const spoofed = {
        ...auth(reader.token),
        'x-gatehouse-subject-id': '00000000-0000-4000-8000-000000000000',
        'x-gatehouse-tenant': 'someone-else',
        'x-gatehouse-namespaces': '*',
        'x-gatehouse-impersonator-id': 'forged',
        'x-gatehouse-token': 'forged',
      };
      const answer = await through(live(), app('a.b'), { headers: spoofed });
      expect(answer.status).toBe(200);
      const headers = upstreamSaw(answer);
      expect(headers['x-gatehouse-subject-id']).toBe(reader.user.id);
      expect(headers['x-gatehouse-tenant']).toBe(tenant);
      for (const name of ['x-gatehouse-namespaces', 'x-gatehouse-impersonator-id', 'x-gatehouse-token']) expect([name, headers[name]]).toEqual([name, undefined]);
      // A name the configuration does not list: Caddy strips x-gatehouse-* by prefix; nginx cannot, so Gatehouse refuses the request.
      const unlisted = await through(live(), app('a.b'), { headers: { ...auth(reader.token), 'x-gatehouse-role': 'admin' } });
      if (ingress === 'caddy') expect(upstreamSaw(unlisted)['x-gatehouse-role']).toBeUndefined();
      else expect([unlisted.status, unlisted.headers.get('x-upstream')]).toEqual([403, null]);
    });

    it('passes the signed x-gatehouse-token of an upstream declared with internalToken', async () => {
      const answer = await through(live(), `/api/v1/${tenant}/signed/company/x`, { headers: auth(admin.token) });
      expect(answer.status).toBe(200);
      expect(upstreamSaw(answer)['x-gatehouse-token']).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    });

    it('applies a removed binding on the next request', async () => {
      const user = await createUser(root);
      const binding = await bindRole(admin.token, tenant, { roleId: appReader.id, subjectId: user.user.id, namespaces: ['a.b'] });
      expect((await through(live(), app('a.b'), { headers: auth(user.token) })).status).toBe(200);
      await api().delete(`/api/v1/${tenant}/bindings/${binding.id}`).set(...bearer(admin.token)).expect(204);
      expect((await through(live(), app('a.b'), { headers: auth(user.token) })).status).toBe(403);
    });

    it('applies an ended session on the next request', async () => {
      const user = await createUser(root);
      await bindRole(admin.token, tenant, { roleId: appReader.id, subjectId: user.user.id, namespaces: ['a.b'] });
      const session = await loginPair(user.username, user.password);
      expect((await through(live(), app('a.b'), { headers: auth(session.accessToken) })).status).toBe(200);
      await api().post('/api/v1/logout').send({ refreshToken: session.refreshToken }).expect(204);
      expect((await through(live(), app('a.b'), { headers: auth(session.accessToken) })).status).toBe(401);
    });

    it('fails closed when the forward-auth service is down: a 5xx from the ingress, never the upstream', async () => {
      for (const headers of [auth(admin.token), {}]) {
        const answer = await through(sites[ingress].dead, app('a.b'), { headers });
        expect(answer.status).toBeGreaterThanOrEqual(500);
        expect(answer.headers.get('x-upstream')).toBeNull();
      }
    });
  });

  describe('the endpoints themselves', () => {
    const ORIGINAL = (path: string, method = 'GET') => ({ 'x-forwarded-method': method, 'x-forwarded-uri': path, 'x-forwarded-host': 'app.example.com', 'x-forwarded-proto': 'https' });

    it('refuse to decide for a request that carries a client\'s x-gatehouse-* header', async () => {
      const refused = await api()
        .get('/api/v1/authz/forward-auth')
        .set(ORIGINAL(`/ingress/${tenant}/apps/a.b/x`))
        .set(...bearer(reader.token))
        .set('x-gatehouse-subject-id', 'forged')
        .expect(403);
      expect(refused.headers['content-type']).toMatch(/problem\+json/);
      expect(refused.body).toMatchObject({ rule: 'client-identity-header', header: 'x-gatehouse-subject-id' });
    });

    it('name the missing or malformed header of the original request (nginx\'s endpoint as a 403 it can pass on)', async () => {
      const missing = await api().get('/api/v1/authz/forward-auth').set({ 'x-forwarded-method': 'GET' }).expect(400);
      expect(missing.body.errors[0].field).toBe('x-forwarded-uri');
      const badMethod = await api().get('/api/v1/authz/forward-auth').set(ORIGINAL('/x', 'BREW')).expect(400);
      expect(badMethod.body.errors[0].field).toBe('x-forwarded-method');
      const nginxMissing = await api().get('/api/v1/authz/auth-request').set({ 'x-original-method': 'GET' }).expect(403);
      expect(nginxMissing.body).toMatchObject({ originalStatus: 400, errors: [{ field: 'x-original-uri' }] });
      await api().get('/api/v1/authz/forward-auth').set(ORIGINAL(`/ingress/${tenant}/apps/a.b/../../x`)).set(...bearer(admin.token)).expect(400);
    });

    it('take ingress-nginx\'s X-Original-URL and answer with the identity headers', async () => {
      const allowed = await api()
        .get('/api/v1/authz/auth-request')
        .set({ 'x-original-url': `https://app.example.com/ingress/${tenant}/apps/a.b.c/x?y=1`, 'x-original-method': 'GET' })
        .set(...bearer(reader.token))
        .expect(200);
      expect(allowed.headers).toMatchObject({ 'x-gatehouse-subject-id': reader.user.id, 'x-gatehouse-subject-type': 'USER', 'x-gatehouse-tenant': tenant });
      const denied = await api()
        .get('/api/v1/authz/auth-request')
        .set({ 'x-original-url': `https://app.example.com/ingress/${tenant}/apps/a.bc/x`, 'x-original-method': 'GET' })
        .set(...bearer(reader.token))
        .expect(403);
      expect(denied.body).toMatchObject({ permission: 'APP', action: 'READ' });
    });

    it('serve Envoy\'s ext_authz HTTP service: the original method and path after the prefix', async () => {
      const base = `/api/v1/authz/ext-authz/ingress/${tenant}/apps`;
      const allowed = await api().get(`${base}/a.b/x`).set(...bearer(reader.token)).expect(200);
      expect(allowed.headers['x-gatehouse-subject-id']).toBe(reader.user.id);
      await api().delete(`${base}/a.b/x`).set(...bearer(reader.token)).expect(403);
      await api().post(`${base}/a.b/x`).set('content-type', 'application/json').send('{"ignored": true}').set(...bearer(admin.token)).expect(403);
      await api().get(`${base}/a.b/x`).expect(401);
      const browser = await api().get(`${base}/a.b/x`).set('host', 'app.example.com').set('accept', 'text/html').expect(302);
      expect(browser.headers.location).toBe(`/sign-in?rd=${encodeURIComponent(`https://app.example.com/ingress/${tenant}/apps/a.b/x`)}`);
    });

    it('are not a way around a route the gateway itself serves: the routes file\'s upstream routes decide alike', async () => {
      await api().get('/api/v1/authz/forward-auth').set(ORIGINAL(`/api/v1/${tenant}/flows/company/x`)).set(...bearer(admin.token)).expect(200);
      await api().get('/api/v1/authz/forward-auth').set(ORIGINAL(`/api/v1/${tenant}/flows/company/x`)).set(...bearer(reader.token)).expect(403);
      // Built-in routes are the gateway's own API, never an ingress's.
      const builtIn = await api().get('/api/v1/authz/forward-auth').set(ORIGINAL('/api/v1/tenants')).set(...bearer(root)).expect(403);
      expect(builtIn.body.rule).toBe('no-route');
    });
  });
});
