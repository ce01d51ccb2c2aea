/** @jest-environment jsdom */
import { api, ApiError, request, session, tenantPath, url } from '../client';
import { fakeApiForEachTest, invalid, problem, SentRequest, tokenPair } from '../../__tests__/fake-api';

const problemError = (fields: Partial<ConstructorParameters<typeof ApiError>[0]> = {}) =>
  new ApiError({ type: 'https://gatehouse.dev/problems/validation-failed', title: 'Validation failed', status: 422, ...fields });

const server = fakeApiForEachTest();

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
    session.set(tokenPair('access-1'));
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

  it('on 401 rotates the refresh token once and repeats the call with the new access token', async () => {
    session.set(tokenPair('old', 'refresh-1'));
    server.on('GET', '/api/v1/me', { status: 401, body: problem(401, 'Unauthorized') }, { body: { id: 'u-1' } });
    server.on('POST', '/api/v1/token/refresh', { body: tokenPair('new', 'refresh-2') });

    await expect(request('GET', '/api/v1/me')).resolves.toEqual({ id: 'u-1' });

    const [refresh] = server.sent('POST', '/api/v1/token/refresh');
    expect(refresh.body).toEqual({ refreshToken: 'refresh-1' });
    expect(refresh.headers.authorization).toBeUndefined();
    expect(server.sent('GET', '/api/v1/me').map((r) => r.headers.authorization)).toEqual(['Bearer old', 'Bearer new']);
    expect(session.accessToken).toBe('new');
  });

  it('refreshes once for two calls that get a 401 at the same time (single flight)', async () => {
    session.set(tokenPair('old', 'refresh-1'));
    const unauthorized = { status: 401, body: problem(401, 'Unauthorized') };
    const answer = (body: string) => (r: SentRequest) => (r.headers.authorization === 'Bearer new' ? { body } : unauthorized);
    server.on('GET', '/api/v1/users', answer('users'));
    server.on('GET', '/api/v1/groups', answer('groups'));
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    server.on('POST', '/api/v1/token/refresh', async () => {
      await released;
      return { body: tokenPair('new', 'refresh-2') };
    });

    const both = Promise.all([api.get('/api/v1/users'), api.get('/api/v1/groups')]);
    // Both 401s arrive while the refresh is still under way.
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();

    await expect(both).resolves.toEqual(['users', 'groups']);
    expect(server.sent('POST', '/api/v1/token/refresh')).toHaveLength(1);
    expect(server.requests.filter((r) => r.method === 'GET').map((r) => r.headers.authorization)).toEqual([
      'Bearer old',
      'Bearer old',
      'Bearer new',
      'Bearer new',
    ]);
  });

  it('signs out when the refresh fails, and throws the 401 of the call', async () => {
    session.set(tokenPair('old', 'refresh-1'));
    const changes = jest.fn();
    const unsubscribe = session.onChange(changes);
    server.on('GET', '/api/v1/me', { status: 401, body: problem(401, 'Unauthorized', [], 'unauthorized') });
    server.on('POST', '/api/v1/token/refresh', { status: 401, body: problem(401, 'Refresh token expired') });

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
    session.set(tokenPair('old'));
    server.on('GET', '/api/v1/me', { status: 401, body: problem(401, 'Unauthorized') });
    server.on('POST', '/api/v1/token/refresh', { body: tokenPair('new') });

    await expect(api.get('/api/v1/me')).rejects.toMatchObject({ status: 401 });
    expect(server.sent('POST', '/api/v1/token/refresh')).toHaveLength(1);
    expect(server.sent('GET', '/api/v1/me')).toHaveLength(2);
  });

  it('does not try to refresh when nobody is signed in, nor on other errors', async () => {
    server.on('GET', '/api/v1/me', { status: 401, body: problem(401, 'Unauthorized') });
    await expect(api.get('/api/v1/me')).rejects.toMatchObject({ status: 401 });
    session.set(tokenPair('a'));
    server.on('GET', '/api/v1/users', { status: 403, body: problem(403, 'Forbidden') });
    await expect(api.get('/api/v1/users')).rejects.toMatchObject({ status: 403 });
    expect(server.sent('POST', '/api/v1/token/refresh')).toHaveLength(0);
  });
});

describe('session', () => {
  afterEach(() => jest.useRealTimers());

  it('rotates the refresh token when 80% of the access token lifetime has passed', async () => {
    jest.useFakeTimers();
    server.on('POST', '/api/v1/token/refresh', { body: tokenPair('second', 'refresh-2', 100) });
    session.set(tokenPair('first', 'refresh-1', 100));

    await jest.advanceTimersByTimeAsync(79_000);
    expect(server.requests).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1_000);

    expect(server.sent('POST', '/api/v1/token/refresh').map((r) => r.body)).toEqual([{ refreshToken: 'refresh-1' }]);
    expect(session.accessToken).toBe('second');
  });

  it('signs out at once on logout, and tells the server even when that call fails', async () => {
    server.on('POST', '/api/v1/logout', { status: 500 });
    session.set(tokenPair('a', 'refresh-a'));

    await expect(session.logout()).resolves.toBeUndefined();

    expect(session.signedIn).toBe(false);
    expect(server.sent('POST', '/api/v1/logout').map((r) => r.body)).toEqual([{ refreshToken: 'refresh-a' }]);
  });

  it('refresh() answers false, with no request, when there is no session', async () => {
    await expect(session.refresh()).resolves.toBe(false);
    expect(server.requests).toHaveLength(0);
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
