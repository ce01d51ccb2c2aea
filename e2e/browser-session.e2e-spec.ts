import { api, bearer, createUser, errorFields, loadOpenApi, superAdminToken, TestUser, unique } from '@gatehouse/testing';

/**
 * The browser-session endpoints over HTTP: sign-in, refresh and sign-out with the refresh token in an
 * HttpOnly cookie and never in a body; CSRF refusals; the problems of /api/v1/login, unchanged for API
 * clients. (The console drives them in a real browser in console-session.e2e-spec.ts.)
 */
const COOKIE = '__Secure-gatehouse-session';
const CSRF: [string, string] = ['x-gatehouse-csrf', '1'];

interface SetCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
}

function setCookieOf(response: { headers: Record<string, unknown> }): SetCookie | undefined {
  const header = response.headers['set-cookie'] as string[] | undefined;
  if (!header?.length) return undefined;
  expect(header).toHaveLength(1);
  const [pair, ...rest] = header[0].split(';').map((part) => part.trim());
  const attributes: Record<string, string | true> = {};
  for (const attribute of rest) {
    const [key, value] = attribute.split('=');
    attributes[key.toLowerCase()] = value ?? true;
  }
  return { name: pair.slice(0, pair.indexOf('=')), value: pair.slice(pair.indexOf('=') + 1), attributes };
}

const signIn = (body: unknown) => api().post('/api/v1/session').set(...CSRF).send(body as object);
const refresh = (cookie?: string) => {
  const request = api().post('/api/v1/session/refresh').set(...CSRF);
  return cookie === undefined ? request : request.set('cookie', `${COOKIE}=${cookie}`);
};
const signOut = (cookie?: string) => {
  const request = api().delete('/api/v1/session').set(...CSRF);
  return cookie === undefined ? request : request.set('cookie', `${COOKIE}=${cookie}`);
};

describe('browser sessions: /api/v1/session', () => {
  let root: string;
  let user: TestUser;

  beforeAll(async () => {
    root = await superAdminToken();
    user = await createUser(root);
  });

  it('signs in with the refresh token in an HttpOnly, SameSite=Strict, Secure cookie limited to /api/v1/session, and the access token alone in the body', async () => {
    const response = await signIn({ username: user.username, password: user.password }).expect(200);
    expect(Object.keys(response.body).sort()).toEqual(['accessToken', 'expiresIn', 'tokenType']);
    expect(response.headers['cache-control']).toBe('no-store');
    const cookie = setCookieOf(response) as SetCookie;
    expect(cookie.name).toBe(COOKIE);
    expect(cookie.value).toMatch(/^ghr_/);
    expect(cookie.attributes).toEqual({ path: '/api/v1/session', httponly: true, samesite: 'Strict', secure: true, 'max-age': expect.stringMatching(/^\d+$/) });
    expect(response.text).not.toContain(cookie.value);
    const me = await api().get('/api/v1/me').set(...bearer(response.body.accessToken)).expect(200);
    expect(me.body.username).toBe(user.username);
  });

  it('refreshes through the cookie (rotated, never in the body) and signs out: the session and its access tokens end, the cookie is cleared', async () => {
    const signedIn = await signIn({ username: user.username, password: user.password }).expect(200);
    const first = setCookieOf(signedIn) as SetCookie;
    const refreshed = await refresh(first.value).expect(200);
    expect(Object.keys(refreshed.body).sort()).toEqual(['accessToken', 'expiresIn', 'tokenType']);
    const rotated = setCookieOf(refreshed) as SetCookie;
    expect(rotated.value).toMatch(/^ghr_/);
    expect(rotated.value).not.toBe(first.value);
    expect(refreshed.text).not.toContain('ghr_');
    await api().get('/api/v1/me').set(...bearer(refreshed.body.accessToken)).expect(200);

    const out = await signOut(rotated.value).expect(204);
    expect(setCookieOf(out)).toMatchObject({ name: COOKIE, value: '', attributes: { 'max-age': '0', path: '/api/v1/session', httponly: true, secure: true } });
    for (const token of [signedIn.body.accessToken, refreshed.body.accessToken]) await api().get('/api/v1/me').set(...bearer(token)).expect(401);
    const after = await refresh(rotated.value).expect(401);
    expect(setCookieOf(after)?.attributes['max-age']).toBe('0');
    // Signing out again, or without a session, still answers 204 and clears.
    await signOut(rotated.value).expect(204);
    await signOut().expect(204);
  });

  it('a refresh token presented twice ends the session (reuse detection), and the cookie is cleared', async () => {
    const signedIn = await signIn({ username: user.username, password: user.password }).expect(200);
    const stolen = (setCookieOf(signedIn) as SetCookie).value;
    const rotated = await refresh(stolen).expect(200);
    const replay = await refresh(stolen).expect(401);
    expect(replay.body.detail).toMatch(/already used/);
    expect(setCookieOf(replay)?.attributes['max-age']).toBe('0');
    await refresh((setCookieOf(rotated) as SetCookie).value).expect(401);
    await api().get('/api/v1/me').set(...bearer(rotated.body.accessToken)).expect(401);
  });

  it("a sign-in ends the browser's previous session (the one its cookie holds): one session per browser, none left behind", async () => {
    const before = await signIn({ username: user.username, password: user.password }).expect(200);
    const previous = (setCookieOf(before) as SetCookie).value;
    const other = await createUser(root);
    const after = await signIn({ username: other.username, password: other.password }).set('cookie', `${COOKIE}=${previous}`).expect(200);
    expect((setCookieOf(after) as SetCookie).value).not.toBe(previous);
    await api().get('/api/v1/me').set(...bearer(before.body.accessToken)).expect(401);
    await refresh(previous).expect(401);
    expect((await api().get('/api/v1/me').set(...bearer(after.body.accessToken)).expect(200)).body.username).toBe(other.username);
    // A failed sign-in leaves the current session alone.
    const current = (setCookieOf(after) as SetCookie).value;
    await signIn({ username: other.username, password: 'not-the-password' }).set('cookie', `${COOKIE}=${current}`).expect(401);
    await refresh(current).expect(200);
  });

  it('answers 401 to a refresh without a session cookie, or with one that holds no refresh token', async () => {
    const none = await refresh().expect(401);
    expect(none.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(none.body.detail).toMatch(/sign in/);
    const garbage = await refresh('not a token;').expect(401);
    expect(setCookieOf(garbage)?.attributes['max-age']).toBe('0');
    await refresh(`ghr_${'x'.repeat(40)}`).expect(401);
  });

  it('refuses a request without the CSRF header and one from an origin other than its own or CORS_ORIGINS (403 naming the reason), writing nothing', async () => {
    const signedIn = await signIn({ username: user.username, password: user.password }).expect(200);
    const cookie = (setCookieOf(signedIn) as SetCookie).value;
    const attempts = [
      api().post('/api/v1/session').send({ username: user.username, password: user.password }),
      api().post('/api/v1/session/refresh').set('cookie', `${COOKIE}=${cookie}`),
      api().delete('/api/v1/session').set('cookie', `${COOKIE}=${cookie}`),
      api().post('/api/v1/session/refresh').set('x-gatehouse-csrf', 'true').set('cookie', `${COOKIE}=${cookie}`),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(403);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 403, reason: 'csrf-header-missing', type: expect.stringMatching(/\/cross-site-request$/) });
      expect(response.headers['set-cookie']).toBeUndefined();
    }
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1:1']) {
      const response = await refresh(cookie).set('origin', origin).expect(403);
      expect(response.body.reason).toBe('origin-not-allowed');
    }
    // The cookie was neither used nor rotated: it still refreshes, from the gateway's own origin too.
    const own = new URL(process.env.GATEHOUSE_URL as string).origin;
    await refresh(cookie).set('origin', own).expect(200);
  });

  it("answers sign-in problems as /api/v1/login does: validation naming the field, bad credentials, a required password change; no cookie with them", async () => {
    const missing = await signIn({ username: user.username }).expect(400);
    expect(errorFields(missing)).toContain('password');
    const wrongType = await signIn({ username: 42, password: 'x' }).expect(400);
    expect(errorFields(wrongType)).toContain('username');
    const unknownField = await signIn({ username: user.username, password: user.password, isAdmin: true }).expect(400);
    expect(errorFields(unknownField)).toContain('isAdmin');
    const notJson = await api().post('/api/v1/session').set(...CSRF).set('content-type', 'application/x-www-form-urlencoded').send('username=a&password=b').expect(415);
    expect(notJson.headers['content-type']).toMatch(/application\/problem\+json/);

    const wrong = await signIn({ username: user.username, password: 'not-the-password' }).expect(401);
    const viaLogin = await api().post('/api/v1/login').send({ username: user.username, password: 'not-the-password' }).expect(401);
    expect(wrong.body).toEqual(viaLogin.body);
    const ghost = await signIn({ username: `${unique('ghost')}@gatehouse.test`, password: 'not-the-password' }).expect(401);
    expect(ghost.body).toEqual(wrong.body);

    const resetting = await createUser(root);
    expect((await api().post(`/api/v1/users/${resetting.user.id}/password-reset`).set(...bearer(root)).send({})).status).toBeLessThan(300);
    const changeRequired = await signIn({ username: resetting.username, password: resetting.password }).expect(403);
    expect(changeRequired.body.type).toMatch(/password-change-required$/);
    for (const response of [missing, wrongType, unknownField, notJson, wrong, ghost, changeRequired]) expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('refuses input to refresh and sign-out (the refresh token comes from the cookie only), naming each field', async () => {
    const signedIn = await signIn({ username: user.username, password: user.password }).expect(200);
    const cookie = (setCookieOf(signedIn) as SetCookie).value;
    const inBody = await refresh(cookie).send({ refreshToken: cookie }).expect(400);
    expect(errorFields(inBody)).toEqual(['refreshToken']);
    const inQuery = await api().post('/api/v1/session/refresh?refreshToken=x').set(...CSRF).set('cookie', `${COOKIE}=${cookie}`).expect(400);
    expect(errorFields(inQuery)).toEqual(['refreshToken']);
    const out = await signOut(cookie).send({ everywhere: true }).expect(400);
    expect(errorFields(out)).toEqual(['everywhere']);
    await api().post('/api/v1/session/refresh').set(...CSRF).set('content-type', 'application/json').send('[]').expect(400);
    // An empty JSON object is no input: the session is still there and refreshes.
    await refresh(cookie).send({}).expect(200);
  });

  it('stores no sign-in answer under an Idempotency-Key (each is a new session)', async () => {
    const key = unique('session-key');
    const a = await signIn({ username: user.username, password: user.password }).set('idempotency-key', key).expect(200);
    const b = await signIn({ username: user.username, password: user.password }).set('idempotency-key', key).expect(200);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect((setCookieOf(a) as SetCookie).value).not.toBe((setCookieOf(b) as SetCookie).value);
  });

  it('leaves /api/v1/login, /api/v1/token/refresh and /api/v1/logout as they were for API clients (tokens in bodies, no cookie)', async () => {
    const login = await api().post('/api/v1/login').send({ username: user.username, password: user.password }).expect(200);
    expect(login.body).toEqual(expect.objectContaining({ accessToken: expect.any(String), refreshToken: expect.stringMatching(/^ghr_/) }));
    expect(login.headers['set-cookie']).toBeUndefined();
    const rotated = await api().post('/api/v1/token/refresh').send({ refreshToken: login.body.refreshToken }).expect(200);
    expect(rotated.body.refreshToken).toMatch(/^ghr_/);
    expect(rotated.headers['set-cookie']).toBeUndefined();
    await api().post('/api/v1/logout').send({ refreshToken: rotated.body.refreshToken }).expect(204);
  });

  it('is in the OpenAPI document with its CSRF header, and no body for refresh', async () => {
    const doc = (await loadOpenApi()) as unknown as { paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string }>; requestBody?: unknown }>> };
    expect(Object.keys(doc.paths['/api/v1/session']).sort()).toEqual(['delete', 'post']);
    for (const operation of [doc.paths['/api/v1/session'].post, doc.paths['/api/v1/session'].delete, doc.paths['/api/v1/session/refresh'].post]) {
      expect(operation.parameters).toContainEqual(expect.objectContaining({ name: 'x-gatehouse-csrf', in: 'header' }));
    }
    expect(doc.paths['/api/v1/session/refresh'].post.requestBody).toBeUndefined();
  });
});
