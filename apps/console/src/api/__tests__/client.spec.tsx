/** @jest-environment jsdom */
import type { ImpersonationToken } from '@gatehouse/contracts';
import { AccessToken, anonymous, api, ApiError, Impersonation, request, session, Session, stepUp, TabMessage, TabServices, tenantPath, url } from '../client';
import { fakeApiForEachTest, invalid, problem, SentRequest } from '../../__tests__/fake-api';

const problemError = (fields: Partial<ConstructorParameters<typeof ApiError>[0]> = {}) =>
  new ApiError({ type: 'https://gatehouse.dev/problems/validation-failed', title: 'Validation failed', status: 422, ...fields });

const server = fakeApiForEachTest();

const SESSION = '/api/v1/session';
const REFRESH = '/api/v1/session/refresh';

/** What the browser-session endpoints answer: the access token only. */
const accessToken = (token: string, expiresIn = 900): AccessToken => ({ tokenType: 'Bearer', accessToken: token, expiresIn });

/** An unsigned JWT with these claims (the console reads them, the gateway verifies them). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${part({ alg: 'EdDSA' })}.${part(claims)}.signature`;
}

describe('ApiError', () => {
  it('carries the status and the slug at the end of the problem type', () => {
    const error = problemError({ status: 409, type: 'https://gatehouse.dev/problems/password-change-required' });
    expect(error.status).toBe(409);
    expect(error.slug).toBe('password-change-required');
    expect(error).toBeInstanceOf(Error);
    // Its message is the detail, else the title.
    expect(problemError({ detail: 'The name is taken' }).message).toBe('The name is taken');
    expect(problemError().message).toBe('Validation failed');
  });

  it('errorsFor gives the messages of a field and of its nested fields, not of a field that merely starts alike', () => {
    const error = problemError({
      errors: [
        { field: 'name', message: 'must not be empty' },
        { field: 'namespace', message: 'is unknown' },
        { field: 'permissions.FLOW[0]', message: 'FLOW takes no DELETE' },
        { field: 'permissions', message: 'at least one permission' },
        { field: 'members[2]', message: 'no such user' },
      ],
    });
    expect(error.errorsFor('name')).toEqual(['must not be empty']);
    expect(error.errorsFor('permissions')).toEqual(['FLOW takes no DELETE', 'at least one permission']);
    expect(error.errorsFor('permissions.FLOW')).toEqual(['FLOW takes no DELETE']);
    expect(error.errorsFor('members')).toEqual(['no such user']);
    expect(error.errorsFor('email')).toEqual([]);
    expect(problemError().errorsFor('name')).toEqual([]);
  });
});

describe('request', () => {

  it('sends the access token of the session as a bearer token (none when signed out), and no body on a GET', async () => {
    session.set(accessToken('access-1'));
    server.on('GET', '/api/v1/users', { body: { results: [], total: 0 } });

    await expect(api.get('/api/v1/users')).resolves.toEqual({ results: [], total: 0 });

    const [sent] = server.requests;
    expect(sent.headers.authorization).toBe('Bearer access-1');
    expect(sent.headers.accept).toBe('application/json, application/problem+json');
    expect(sent.headers['content-type']).toBeUndefined();
    expect(server.fetch.mock.calls[0][1].body).toBeUndefined();
    session.set(null);
    await api.get('/api/v1/users');
    expect(server.requests[1].headers.authorization).toBeUndefined();
  });

  it('sends the body as JSON, and an empty object for a POST without one', async () => {
    server.on('POST', '/api/v1/tenants', { status: 201, body: { id: 'acme' } });

    await api.post('/api/v1/tenants', { id: 'acme', name: 'Acme' });
    await api.post('/api/v1/tenants');

    expect(server.requests.map((r) => r.headers['content-type'])).toEqual(['application/json', 'application/json']);
    expect(server.fetch.mock.calls[0][1].body).toBe('{"id":"acme","name":"Acme"}');
    expect(server.requests[1].body).toEqual({});
  });

  it('uses the method of each helper', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) server.on(method, '/api/v1/x', { status: 204 });
    await api.get('/api/v1/x');
    await api.post('/api/v1/x');
    await api.put('/api/v1/x');
    await api.patch('/api/v1/x');
    await expect(api.del('/api/v1/x')).resolves.toBeUndefined();
    expect(server.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
  });

  it('turns a problem+json answer into an ApiError with its field errors', async () => {
    server.on('POST', '/api/v1/users', invalid({ field: 'username', message: 'is taken' }, { field: 'password', message: 'is too short' }));

    const error = await api.post('/api/v1/users', { username: 'ada' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(422);
    expect(apiError.slug).toBe('validation-failed');
    expect(apiError.message).toBe('The request is not valid');
    expect(apiError.errorsFor('username')).toEqual(['is taken']);
    expect(apiError.errorsFor('password')).toEqual(['is too short']);
  });

  it('makes an ApiError of an error answer that is not JSON, with the status it had', async () => {
    server.on('GET', '/api/v1/broken', { status: 502, text: '<html>Bad gateway</html>' });
    server.on('GET', '/api/v1/gone', { status: 404 });

    const broken = (await api.get('/api/v1/broken').catch((e: unknown) => e)) as ApiError;
    const gone = (await api.get('/api/v1/gone').catch((e: unknown) => e)) as ApiError;

    expect(broken.status).toBe(502);
    expect(broken.problem.detail).toBe('The server answered 502');
    expect(broken.problem.type).toBe('about:blank');
    expect(gone.problem.detail).toBe('Not found');
  });

  it('reports a network failure as an ApiError of status 0', async () => {
    server.on('GET', '/api/v1/me', new TypeError('Failed to fetch'));

    const error = (await api.get('/api/v1/me').catch((e: unknown) => e)) as ApiError;

    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(0);
    expect(error.problem.title).toBe('Network error');
  });

  it('on 401 refreshes the session once (through its cookie) and repeats the call with the new access token', async () => {
    session.set(accessToken('old'));
    server.on('GET', '/api/v1/me', { status: 401, body: problem(401, 'Unauthorized') }, { body: { id: 'u-1' } });
    server.on('POST', REFRESH, { body: accessToken('new') });

    await expect(request('GET', '/api/v1/me')).resolves.toEqual({ id: 'u-1' });

    // No body, no bearer token: the refresh token is the HttpOnly cookie, which the browser adds; the CSRF header proves the console sent it.
    const [refresh] = server.sent('POST', REFRESH);
    expect(refresh.body).toBeUndefined();
    expect(refresh.headers['content-type']).toBeUndefined();
    expect(refresh.headers['x-gatehouse-csrf']).toBe('1');
    expect(refresh.headers.authorization).toBeUndefined();
    expect(server.sent('GET', '/api/v1/me').map((r) => r.headers.authorization)).toEqual(['Bearer old', 'Bearer new']);
    expect(session.accessToken).toBe('new');
  });

  it('refreshes once for two calls that get a 401 at the same time (single flight)', async () => {
    session.set(accessToken('old'));
    const unauthorized = { status: 401, body: problem(401, 'Unauthorized') };
    const answer = (body: string) => (r: SentRequest) => (r.headers.authorization === 'Bearer new' ? { body } : unauthorized);
    server.on('GET', '/api/v1/users', answer('users'));
    server.on('GET', '/api/v1/groups', answer('groups'));
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    server.on('POST', REFRESH, async () => {
      await released;
      return { body: accessToken('new') };
    });

    const both = Promise.all([api.get('/api/v1/users'), api.get('/api/v1/groups')]);
    // Both 401s arrive while the refresh is still under way.
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();

    await expect(both).resolves.toEqual(['users', 'groups']);
    expect(server.sent('POST', REFRESH)).toHaveLength(1);
    expect(server.requests.filter((r) => r.method === 'GET').map((r) => r.headers.authorization)).toEqual([
      'Bearer old',
      'Bearer old',
      'Bearer new',
      'Bearer new',
    ]);
  });

  it('signs out when the refresh fails (the session is over), and throws the 401 of the call', async () => {
    session.set(accessToken('old'));
    const changes = jest.fn();
    const unsubscribe = session.onChange(changes);
    server.on('GET', '/api/v1/me', { status: 401, body: problem(401, 'Unauthorized', [], 'unauthorized') });
    server.on('POST', REFRESH, { status: 401, body: problem(401, 'Refresh token expired') });

    const error = (await api.get('/api/v1/me').catch((e: unknown) => e)) as ApiError;
    unsubscribe();

    expect(error.status).toBe(401);
    expect(error.slug).toBe('unauthorized');
    expect(session.signedIn).toBe(false);
    expect(session.accessToken).toBeNull();
    expect(changes).toHaveBeenCalled();
    expect(server.sent('GET', '/api/v1/me')).toHaveLength(1);
  });

  it('does not refresh again when the repeated call gets a 401 too', async () => {
    session.set(accessToken('old'));
    server.on('GET', '/api/v1/me', { status: 401, body: problem(401, 'Unauthorized') });
    server.on('POST', REFRESH, { body: accessToken('new') });

    await expect(api.get('/api/v1/me')).rejects.toMatchObject({ status: 401 });
    expect(server.sent('POST', REFRESH)).toHaveLength(1);
    expect(server.sent('GET', '/api/v1/me')).toHaveLength(2);
  });

  it('does not try to refresh when nobody is signed in, nor on other errors', async () => {
    server.on('GET', '/api/v1/me', { status: 401, body: problem(401, 'Unauthorized') });
    await expect(api.get('/api/v1/me')).rejects.toMatchObject({ status: 401 });
    session.set(accessToken('a'));
    server.on('GET', '/api/v1/users', { status: 403, body: problem(403, 'Forbidden') });
    await expect(api.get('/api/v1/users')).rejects.toMatchObject({ status: 403 });
    expect(server.sent('POST', REFRESH)).toHaveLength(0);
  });
});

describe('session', () => {
  afterEach(() => jest.useRealTimers());

  it('signs in through POST /api/v1/session with the CSRF header and keeps the access token in memory only', async () => {
    server.on('POST', SESSION, { body: accessToken('signed-in') });

    await session.signIn('ada', 'correct horse');

    const [sent] = server.sent('POST', SESSION);
    expect(sent.body).toEqual({ username: 'ada', password: 'correct horse' });
    expect(sent.headers['x-gatehouse-csrf']).toBe('1');
    expect(sent.headers.authorization).toBeUndefined();
    expect(session.accessToken).toBe('signed-in');
    expect([localStorage.length, sessionStorage.length]).toEqual([0, 0]);
  });

  it('stays signed out when the sign-in is refused, and passes the problem on', async () => {
    server.on('POST', SESSION, { status: 403, body: problem(403, 'Forbidden', [], 'password-change-required') });

    await expect(session.signIn('ada', 'old')).rejects.toMatchObject({ status: 403, slug: 'password-change-required' });
    expect(session.signedIn).toBe(false);
  });

  it('restores the session of the cookie on load; none (401) leaves it signed out', async () => {
    server.on('POST', REFRESH, { body: accessToken('restored') }, { status: 401, body: problem(401, 'Unauthorized') });

    await expect(session.restore()).resolves.toBe(true);
    expect(session.accessToken).toBe('restored');
    // Signed in already: nothing to restore.
    await expect(session.restore()).resolves.toBe(true);
    expect(server.sent('POST', REFRESH)).toHaveLength(1);

    session.set(null);
    await expect(session.restore()).resolves.toBe(false);
    expect(session.signedIn).toBe(false);
  });

  it('refreshes the access token when 80% of its lifetime has passed', async () => {
    jest.useFakeTimers();
    server.on('POST', REFRESH, { body: accessToken('second', 100) });
    session.set(accessToken('first', 100));

    await jest.advanceTimersByTimeAsync(79_000);
    expect(server.requests).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1_000);

    expect(server.sent('POST', REFRESH)).toHaveLength(1);
    expect(session.accessToken).toBe('second');
  });

  it('keeps the access token when a refresh fails for another reason than a 401, and tries again soon', async () => {
    jest.useFakeTimers();
    server.on('POST', REFRESH, { status: 503, body: problem(503, 'Service Unavailable') }, { body: accessToken('second', 100) });
    session.set(accessToken('first', 100));

    await jest.advanceTimersByTimeAsync(80_000);
    expect(session.accessToken).toBe('first');
    await jest.advanceTimersByTimeAsync(10_000);

    expect(server.sent('POST', REFRESH)).toHaveLength(2);
    expect(session.accessToken).toBe('second');
  });

  it('signs out at once, and ends the session at the server with DELETE /api/v1/session even when that call fails', async () => {
    server.on('DELETE', SESSION, { status: 500 });
    session.set(accessToken('a'));

    await expect(session.signOut()).resolves.toBeUndefined();

    expect(session.signedIn).toBe(false);
    const [sent] = server.sent('DELETE', SESSION);
    expect([sent.body, sent.headers['x-gatehouse-csrf'], sent.headers.authorization]).toEqual([undefined, '1', undefined]);
  });

  it("reads the user and session of an access token (its sub and sid), and nothing from what is no JWT", () => {
    const token = jwt({ sub: 'u-1', sid: 's-1' });
    session.set({ tokenType: 'Bearer', accessToken: token, expiresIn: 300 });
    expect(session.userId).toBe('u-1');
    session.set(accessToken('opaque'));
    expect(session.userId).toBeNull();
  });
});

describe('session across tabs (one browser: one cookie, a shared lock and channel)', () => {
  /** Two tabs of one browser: Sessions sharing a BroadcastChannel-like bus and a Web-Locks-like mutex. */
  function browserTabs(count: number): Session[] {
    const listeners: Array<(event: MessageEvent<TabMessage>) => void> = [];
    let queue: Promise<unknown> = Promise.resolve();
    // One holder at a time, in the order asked, like navigator.locks.request with one lock name.
    const request = (_name: string, work: () => Promise<unknown>) => {
      const run = queue.then(() => work());
      queue = run.catch(() => undefined);
      return run;
    };
    const locks = { request } as unknown as TabServices['locks'];
    return Array.from({ length: count }, () => {
      let own: ((event: MessageEvent<TabMessage>) => void) | undefined;
      const channel = {
        // Delivered to the other tabs, later (as a real channel does), never to the sender.
        postMessage: (data: TabMessage) => {
          for (const listener of listeners.filter((l) => l !== own)) setTimeout(() => listener({ data } as MessageEvent<TabMessage>), 0);
        },
        addEventListener: (_type: string, listener: (event: MessageEvent<TabMessage>) => void) => {
          own = listener;
          listeners.push(listener);
        },
      } as unknown as TabServices['channel'];
      return new Session({ channel, locks });
    });
  }
  const settle = () => new Promise((resolve) => setTimeout(resolve, 5));
  const sid = (name: string, session: string, expiresIn = 300): AccessToken => ({ tokenType: 'Bearer', accessToken: jwt({ sub: 'u-1', sid: session, n: name }), expiresIn });

  it('gives the other tabs the access token of a sign-in', async () => {
    const [a, b] = browserTabs(2);
    server.on('POST', SESSION, { body: sid('signed-in', 's-1') });

    await a.signIn('ada', 'pw');
    await settle();

    expect(b.accessToken).toBe(a.accessToken);
    expect(b.userId).toBe('u-1');
  });

  it('refreshes once when every tab wants to at the same time: the others take the rotated token instead of presenting the cookie again', async () => {
    const tabs = browserTabs(3);
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    server.on('POST', REFRESH, async () => {
      await released;
      return { body: sid('rotated', 's-1') };
    });

    const restored = Promise.all(tabs.map((tab) => tab.restore()));
    await settle();
    release();

    await expect(restored).resolves.toEqual([true, true, true]);
    expect(server.sent('POST', REFRESH)).toHaveLength(1);
    expect(new Set(tabs.map((tab) => tab.accessToken)).size).toBe(1);
  });

  it('signs every tab out when one signs out, after the server ended the session', async () => {
    const [a, b] = browserTabs(2);
    server.on('DELETE', SESSION, { status: 204 });
    const token = sid('t', 's-1');
    a.set(token);
    b.set(token);

    await a.signOut();
    await settle();

    expect(server.sent('DELETE', SESSION)).toHaveLength(1);
    expect([a.signedIn, b.signedIn]).toEqual([false, false]);
  });

  it("does not sign a tab in again with a refresh that was under way when another tab signed out", async () => {
    const [a, b] = browserTabs(2);
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    server.on('POST', REFRESH, async () => {
      await released;
      return { body: sid('late', 's-1') };
    });
    server.on('DELETE', SESSION, { status: 204 });
    a.set(sid('t', 's-1'));
    b.set(sid('t', 's-1'));

    const refreshing = b.refresh();
    const signingOut = a.signOut();
    await settle();
    release();
    await Promise.all([refreshing, signingOut]);
    await settle();

    expect([a.signedIn, b.signedIn]).toEqual([false, false]);
  });

  it("takes another tab's token of the same session only when newer, and that of another session (a new sign-in) always", async () => {
    const [a, b] = browserTabs(2);
    b.set(sid('current', 's-1', 300));
    const current = b.accessToken;

    a.set(sid('older', 's-1', 100));
    a['share']({ accessToken: a.accessToken as string, expiresAt: Date.now() + 100_000 });
    await settle();
    expect(b.accessToken).toBe(current);

    a.set(sid('other-session', 's-2', 100));
    a['share']({ accessToken: a.accessToken as string, expiresAt: Date.now() + 100_000 });
    await settle();
    expect(b.accessToken).toBe(a.accessToken);
  });
});

describe('url', () => {
  it('prefixes /api/v1, leaves out empty query values and encodes the tenant segment', () => {
    expect(url('/users', { page: 2, size: 20, q: '', sort: undefined, status: null })).toBe('/api/v1/users?page=2&size=20');
    expect(url('/users', { q: 'a b&c' })).toBe('/api/v1/users?q=a+b%26c');
    expect(url('/setup')).toBe('/api/v1/setup');
    expect(url(tenantPath('acme/x', '/groups'))).toBe('/api/v1/acme%2Fx/groups');
  });
});

describe('step-up', () => {
  const stepUpRequired = { status: 403, body: problem(403, 'Step-up required', [], 'step-up-required', 'Confirm with a second factor') };
  afterEach(() => {
    stepUp.ask = null;
  });

  it('asks for a second factor on step-up-required and repeats the call once with the stepped-up token', async () => {
    session.set(accessToken('before'));
    server.on('DELETE', '/api/v1/acme/users/u-1', stepUpRequired, { status: 204 });
    stepUp.ask = jest.fn(async () => {
      session.set(accessToken('stepped-up'));
      return true;
    });
    await expect(api.del('/api/v1/acme/users/u-1')).resolves.toBeUndefined();
    expect(stepUp.ask).toHaveBeenCalledTimes(1);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer before', 'Bearer stepped-up']);
  });

  it('gives the refusal back when the step-up is declined, or when nothing can ask for it', async () => {
    session.set(accessToken('t'));
    server.on('DELETE', '/api/v1/acme/users/u-1', stepUpRequired);
    stepUp.ask = jest.fn(async () => false);
    await expect(api.del('/api/v1/acme/users/u-1')).rejects.toMatchObject({ status: 403, slug: 'step-up-required' });
    stepUp.ask = null;
    await expect(api.del('/api/v1/acme/users/u-1')).rejects.toMatchObject({ slug: 'step-up-required' });
    expect(server.requests).toHaveLength(2);
  });
});

describe('anonymous', () => {
  it('never carries the access token, even signed in, and is not refreshed on 401', async () => {
    session.set(accessToken('secret-token'));
    server.on('GET', '/api/v1/oidc/interaction/i-1', { body: { prompt: 'login' } });
    server.on('POST', '/api/v1/oidc/interaction/i-1/login', { status: 401, body: problem(401, 'Unauthorized', [], 'unauthorized') });
    await expect(anonymous.get('/api/v1/oidc/interaction/i-1')).resolves.toEqual({ prompt: 'login' });
    await expect(anonymous.post('/api/v1/oidc/interaction/i-1/login')).rejects.toMatchObject({ status: 401 });
    expect(server.requests.map((r) => [r.method, r.headers.authorization, r.body])).toEqual([
      ['GET', undefined, undefined], ['POST', undefined, {}],
    ]);
    expect(server.sent('POST', REFRESH)).toEqual([]);
  });
});

describe('Impersonation', () => {
  const owner = () => new Session({ channel: null, locks: null });
  const token: ImpersonationToken = { accessToken: 'as-bob', expiresIn: 60, user: { id: 'u-bob', username: 'bob' }, impersonator: { id: 'u-admin' } } as ImpersonationToken;

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('start acts as the user until the token expires, then says so; the notice can be dismissed', () => {
    const impersonation = new Impersonation(owner());
    const changes = jest.fn();
    impersonation.onChange(changes);
    impersonation.start(token, 'acme');
    expect(impersonation.actingAs).toMatchObject({ accessToken: 'as-bob', user: token.user, impersonatorId: 'u-admin', tenant: 'acme' });
    jest.advanceTimersByTime(59_000);
    expect(impersonation.actingAs).not.toBeNull();
    jest.advanceTimersByTime(1_000);
    expect(impersonation.snapshot).toEqual({ actingAs: null, notice: expect.stringContaining('no longer acting as bob') });
    impersonation.dismissNotice();
    expect(impersonation.snapshot).toEqual({ actingAs: null, notice: null });
    expect(changes).toHaveBeenCalledTimes(3);
  });

  it('stop ends it with no notice, and a stale expiry of an earlier impersonation changes nothing', () => {
    const impersonation = new Impersonation(owner());
    impersonation.start(token, 'acme');
    const first = impersonation.actingAs;
    if (!first) throw new Error('not acting');
    impersonation.start({ ...token, accessToken: 'as-bob-again' }, 'acme');
    impersonation.expire(first);
    expect(impersonation.actingAs?.accessToken).toBe('as-bob-again');
    impersonation.stop();
    expect(impersonation.snapshot).toEqual({ actingAs: null, notice: null });
    jest.advanceTimersByTime(120_000);
    expect(impersonation.snapshot.notice).toBeNull();
  });
});
