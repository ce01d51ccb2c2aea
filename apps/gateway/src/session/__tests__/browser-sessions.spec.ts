import { TokenPair } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { Logger } from '@nestjs/common';
import { problemOf } from '@gatehouse/testing';
import { DispatchResult, ServiceDispatcher } from '../../dispatch/service-dispatcher';
import { GatewayEnv } from '../../gateway.env';
import { Admission, IncomingRequest } from '../../request/incoming-request';
import { BrowserSessionStep, RouteDefinition } from '../../request/route-definition';
import { BrowserSessions, SessionAnswer } from '../browser-sessions';

type SessionRoute = RouteDefinition & { browserSession: BrowserSessionStep };
const route = (browserSession: BrowserSessionStep, subject: string): SessionRoute => ({
  method: browserSession === 'sign-out' ? 'DELETE' : 'POST',
  path: browserSession === 'refresh' ? '/api/v1/session/refresh' : '/api/v1/session',
  summary: browserSession,
  access: 'public',
  target: { subject } as RouteDefinition['target'],
  browserSession,
});
const SIGN_IN = route('sign-in', 'identity.sessions.login.v1');
const REFRESH = route('refresh', 'identity.sessions.refresh.v1');
const SIGN_OUT = route('sign-out', 'identity.sessions.logout.v1');

const PAIR: TokenPair = { tokenType: 'Bearer', accessToken: 'eyJ.access.jwt', expiresIn: 300, refreshToken: 'ghr_Rotated-Token_1', refreshExpiresIn: 1209600 };
const admission: Admission = { caller: null, tenantId: undefined, params: {} };
const CSRF = { 'x-gatehouse-csrf': '1', host: 'gatehouse.example:8080' };

function incoming(headers: IncomingRequest['headers'] = {}, body?: unknown, query: Record<string, unknown> = {}): IncomingRequest {
  return { params: {}, query, headers: { ...CSRF, ...headers }, body, authorization: undefined, ip: '10.0.0.1', trace: { requestId: 'r', traceparent: '00-x' } as IncomingRequest['trace'] };
}

/** A Set-Cookie header as name, value and attributes (lower-cased names). */
function parseSetCookie(header: string): { name: string; value: string; attributes: Record<string, string | true> } {
  const [pair, ...rest] = header.split(';').map((part) => part.trim());
  const eq = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const attribute of rest) {
    const [key, value] = attribute.split('=');
    attributes[key.toLowerCase()] = value ?? true;
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
}

const cookieOf = (answer: SessionAnswer) => parseSetCookie(answer.headers['set-cookie']);

describe('BrowserSessions (gateway)', () => {
  let dispatch: jest.Mock;
  let sessions: BrowserSessions;
  const make = (env: Partial<GatewayEnv> = {}) => new BrowserSessions({ dispatch } as unknown as ServiceDispatcher, Object.assign(new GatewayEnv(), env));

  beforeEach(() => {
    dispatch = jest.fn(async (): Promise<DispatchResult> => ({ status: 200, body: PAIR }));
    sessions = make();
  });

  describe('the session cookie', () => {
    it('is HttpOnly, SameSite=Strict, Secure, limited to /api/v1/session, lasts as long as the refresh token, and the body has no refresh token', async () => {
      const answer = await sessions.handle(SIGN_IN, incoming({}, { username: 'ada', password: 'pw' }), admission);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ tokenType: 'Bearer', accessToken: 'eyJ.access.jwt', expiresIn: 300 });
      expect(JSON.stringify(answer.body)).not.toContain(PAIR.refreshToken);
      expect(cookieOf(answer)).toEqual({
        name: '__Secure-gatehouse-session',
        value: PAIR.refreshToken,
        attributes: { path: '/api/v1/session', httponly: true, samesite: 'Strict', secure: true, 'max-age': '1209600' },
      });
      expect(answer.headers['cache-control']).toBe('no-store');
    });

    it('drops Secure and the __Secure- prefix only when SESSION_COOKIE_SECURE=false', async () => {
      const answer = await make({ SESSION_COOKIE_SECURE: false }).handle(SIGN_IN, incoming({}, { username: 'ada', password: 'pw' }), admission);
      const cookie = cookieOf(answer);
      expect(cookie.name).toBe('gatehouse-session');
      expect(cookie.attributes).toEqual({ path: '/api/v1/session', httponly: true, samesite: 'Strict', 'max-age': '1209600' });
    });

    it('is read back from the Cookie header among others; a value that is no refresh token is no session', () => {
      expect(sessions.refreshTokenOf({ cookie: 'theme=dark; __Secure-gatehouse-session=ghr_abc-DEF_1; other=x' })).toBe('ghr_abc-DEF_1');
      expect(sessions.refreshTokenOf({ cookie: 'gatehouse-session=ghr_abc' })).toBeUndefined();
      expect(sessions.refreshTokenOf({ cookie: '__Secure-gatehouse-session=a b;' })).toBeUndefined();
      expect(sessions.refreshTokenOf({ cookie: '__Secure-gatehouse-session="ghr_abc"' })).toBeUndefined();
      expect(sessions.refreshTokenOf({})).toBeUndefined();
      expect(make({ SESSION_COOKIE_SECURE: false }).refreshTokenOf({ cookie: 'gatehouse-session=ghr_abc' })).toBe('ghr_abc');
    });
  });

  describe('sign-in', () => {
    it("calls identity's login with the body, the caller's address and without an Idempotency-Key", async () => {
      await sessions.handle(SIGN_IN, incoming({ 'idempotency-key': 'k1' }, { username: 'ada', password: 'pw' }), admission);
      const [calledRoute, sent, calledAdmission] = dispatch.mock.calls[0];
      expect([calledRoute, calledAdmission]).toEqual([SIGN_IN, admission]);
      expect(sent).toMatchObject({ body: { username: 'ada', password: 'pw' }, ip: '10.0.0.1' });
      expect(sent.headers['idempotency-key']).toBeUndefined();
    });

    it("ends the browser's previous session (its cookie) once the new one exists, and not when the sign-in fails", async () => {
      const previous = { cookie: '__Secure-gatehouse-session=ghr_Previous' };
      const answer = await sessions.handle(SIGN_IN, incoming(previous, { username: 'ada', password: 'pw' }), admission);
      expect(cookieOf(answer).value).toBe(PAIR.refreshToken);
      expect(dispatch).toHaveBeenCalledTimes(2);
      const [logout, sent] = dispatch.mock.calls[1];
      expect(logout).toMatchObject({ method: 'DELETE', target: { subject: 'identity.sessions.logout.v1' } });
      expect(sent.body).toEqual({ refreshToken: 'ghr_Previous' });

      dispatch.mockReset().mockRejectedValue(ProblemException.unauthorized('Invalid username or password'));
      await expect(sessions.handle(SIGN_IN, incoming(previous, { username: 'ada', password: 'x' }), admission)).rejects.toThrow('Invalid username');
      expect(dispatch).toHaveBeenCalledTimes(1);
    });

    it('signs in even when the previous session cannot be ended', async () => {
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      dispatch.mockResolvedValueOnce({ status: 200, body: PAIR }).mockRejectedValueOnce(ProblemException.timeout('late'));
      const answer = await sessions.handle(SIGN_IN, incoming({ cookie: '__Secure-gatehouse-session=ghr_Previous' }, { username: 'ada', password: 'pw' }), admission);
      expect(answer.status).toBe(200);
      jest.restoreAllMocks();
    });

    it("passes identity's refusals on unchanged (bad credentials, password change required, throttling), setting no cookie", async () => {
      for (const refusal of [
        ProblemException.unauthorized('Invalid username or password'),
        new ProblemException(403, 'password-change-required', 'An administrator requires a new password'),
        ProblemException.tooManyRequests('too-many-attempts', 'Too many failed sign-ins', 30),
        ProblemException.validation([{ field: 'username', message: 'username must be a string' }]),
      ]) {
        dispatch.mockRejectedValueOnce(refusal);
        await expect(sessions.handle(SIGN_IN, incoming({}, { username: 'ada', password: 'x' }), admission)).rejects.toBe(refusal);
      }
    });
  });

  describe('refresh', () => {
    const withCookie = (extra: IncomingRequest['headers'] = {}) => incoming({ cookie: '__Secure-gatehouse-session=ghr_Old-Token', ...extra });

    it("sends identity the cookie's token only, and answers the new access token with the rotated token in the cookie", async () => {
      const answer = await sessions.handle(REFRESH, withCookie({ 'idempotency-key': 'k' }), admission);
      const sent: IncomingRequest = dispatch.mock.calls[0][1];
      expect(sent.body).toEqual({ refreshToken: 'ghr_Old-Token' });
      expect(sent.query).toEqual({});
      expect(sent.headers['idempotency-key']).toBeUndefined();
      expect(answer.body).toEqual({ tokenType: 'Bearer', accessToken: 'eyJ.access.jwt', expiresIn: 300 });
      expect(JSON.stringify(answer.body)).not.toContain('ghr_');
      expect(cookieOf(answer).value).toBe(PAIR.refreshToken);
    });

    it('answers 401 without asking identity when there is no session cookie', async () => {
      const answer = await sessions.handle(REFRESH, incoming(), admission);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ status: 401, detail: 'No browser session: sign in' });
      expect(dispatch).not.toHaveBeenCalled();
    });

    it('clears the cookie when identity says the session is over (expired, revoked, or its token reused)', async () => {
      dispatch.mockRejectedValue(ProblemException.unauthorized('This refresh token was already used; the session has been revoked'));
      const answer = await sessions.handle(REFRESH, withCookie(), admission);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ detail: expect.stringContaining('already used') });
      expect(cookieOf(answer)).toMatchObject({ name: '__Secure-gatehouse-session', value: '', attributes: { 'max-age': '0', path: '/api/v1/session', secure: true, httponly: true } });
    });

    it('keeps the cookie when identity cannot be reached (the session may well be alive)', async () => {
      const unavailable = ProblemException.unavailable('The identity service is not available');
      dispatch.mockRejectedValue(unavailable);
      await expect(sessions.handle(REFRESH, withCookie(), admission)).rejects.toBe(unavailable);
    });

    it('refuses a refresh token (or anything else) in the body or the query, naming each field', async () => {
      const inBody = await problemOf(sessions.handle(REFRESH, incoming({}, { refreshToken: 'ghr_x', extra: 1 }), admission));
      expect(inBody).toMatchObject({ status: 400, errors: [{ field: 'refreshToken' }, { field: 'extra' }] });
      const inQuery = await problemOf(sessions.handle(REFRESH, incoming({}, undefined, { refreshToken: 'ghr_x' }), admission));
      expect(inQuery).toMatchObject({ status: 400, errors: [{ field: 'refreshToken' }] });
      for (const body of [[], 'text', 3, null]) {
        expect(await problemOf(sessions.handle(REFRESH, incoming({}, body), admission))).toMatchObject({ status: 400 });
      }
      expect(dispatch).not.toHaveBeenCalled();
      await sessions.handle(REFRESH, withCookie(), admission);
      await sessions.handle(REFRESH, { ...withCookie(), body: {} }, admission);
      expect(dispatch).toHaveBeenCalledTimes(2);
    });
  });

  describe('sign-out', () => {
    it("ends the cookie's session at identity (with the caller, for the audit) and clears the cookie", async () => {
      dispatch.mockResolvedValue({ status: 204, body: undefined });
      const signedIn: Admission = { caller: { type: 'USER', id: 'u1', via: 'jwt' }, tenantId: undefined, params: {} };
      const answer = await sessions.handle(SIGN_OUT, incoming({ cookie: '__Secure-gatehouse-session=ghr_Current' }), signedIn);
      expect(answer.status).toBe(204);
      expect(answer.body).toBeUndefined();
      expect(dispatch.mock.calls[0][1].body).toEqual({ refreshToken: 'ghr_Current' });
      expect(dispatch.mock.calls[0][2]).toBe(signedIn);
      expect(cookieOf(answer)).toMatchObject({ value: '', attributes: { 'max-age': '0' } });
    });

    it("clears the cookie even when identity's answer is a refusal: this browser is signed out", async () => {
      dispatch.mockRejectedValue(ProblemException.timeout('The identity service did not answer in time'));
      const answer = await sessions.handle(SIGN_OUT, incoming({ cookie: '__Secure-gatehouse-session=ghr_Current' }), admission);
      expect(answer.status).toBe(504);
      expect(cookieOf(answer).attributes['max-age']).toBe('0');
    });

    it('without a cookie asks identity nothing to end and still clears', async () => {
      dispatch.mockResolvedValue({ status: 204, body: undefined });
      const answer = await sessions.handle(SIGN_OUT, incoming(), admission);
      expect(dispatch.mock.calls[0][1].body).toEqual({});
      expect(answer.status).toBe(204);
    });
  });

  describe('cross-site requests', () => {
    const refusal = (headers: IncomingRequest['headers'], step: SessionRoute = REFRESH, instance = sessions) =>
      problemOf(instance.handle(step, { ...incoming(), headers: { host: CSRF.host, cookie: '__Secure-gatehouse-session=ghr_t', ...headers } }, admission));

    it('refuses every step without the CSRF header (what a cross-site form sends), before identity is asked', async () => {
      for (const step of [SIGN_IN, REFRESH, SIGN_OUT]) {
        const problem = await refusal({}, step);
        expect(problem).toMatchObject({ status: 403, type: expect.stringMatching(/\/cross-site-request$/), reason: 'csrf-header-missing' });
        expect(problem.detail).toContain('x-gatehouse-csrf');
      }
      expect(await refusal({ 'x-gatehouse-csrf': 'yes' })).toMatchObject({ reason: 'csrf-header-missing' });
      expect(dispatch).not.toHaveBeenCalled();
    });

    it("refuses an Origin that is neither the gateway's host nor listed in CORS_ORIGINS (a wildcard lists none)", async () => {
      for (const origin of ['https://evil.example', 'http://gatehouse.example:8081', 'http://gatehouse.example', 'null', 'file://', 'http://gatehouse.example:8080.evil.example']) {
        expect(await refusal({ 'x-gatehouse-csrf': '1', origin })).toMatchObject({ status: 403, reason: 'origin-not-allowed' });
      }
      const wildcard = make({ CORS_ORIGINS: '*' });
      expect(await refusal({ 'x-gatehouse-csrf': '1', origin: 'https://evil.example' }, REFRESH, wildcard)).toMatchObject({ reason: 'origin-not-allowed' });
      expect(dispatch).not.toHaveBeenCalled();
    });

    it('admits its own origin, an origin listed in CORS_ORIGINS, and a request without Origin (not a browser, or a same-origin read)', async () => {
      const listed = make({ CORS_ORIGINS: 'https://console.example, https://other.example' });
      for (const [instance, headers] of [
        [sessions, { origin: 'http://gatehouse.example:8080' }],
        [sessions, { origin: 'https://GATEHOUSE.example:8080' }],
        [sessions, {}],
        [listed, { origin: 'https://console.example' }],
      ] as const) {
        const answer = await instance.handle(REFRESH, incoming({ cookie: '__Secure-gatehouse-session=ghr_t', ...headers }), admission);
        expect(answer.status).toBe(200);
      }
      const defaultPort = incoming({ cookie: '__Secure-gatehouse-session=ghr_t', host: 'gatehouse.example', origin: 'https://gatehouse.example' });
      expect((await sessions.handle(REFRESH, defaultPort, admission)).status).toBe(200);
    });
  });
});
