import { FieldError, IdentityRpc, TokenPair } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { Injectable, Logger } from '@nestjs/common';
import { ServiceDispatcher } from '../dispatch/service-dispatcher';
import { GatewayEnv } from '../gateway.env';
import { Admission, IncomingRequest } from '../request/incoming-request';
import { BROWSER_SESSION, BrowserSessionStep, RouteDefinition } from '../request/route-definition';

/** What a browser-session route answers: a status, a body (the access token, a Problem or none) and its headers. */
export interface SessionAnswer {
  status: number;
  body?: unknown;
  /** `set-cookie` (the session cookie set or cleared) and `cache-control: no-store`. */
  headers: Record<string, string>;
}

/** The body of a sign-in or a refresh: the access token only, never the refresh token. */
export interface BrowserAccessToken {
  tokenType: 'Bearer';
  accessToken: string;
  /** Seconds from now. */
  expiresIn: number;
}

/** The problem type of a refused cross-site request; `reason` says which check refused it. */
export const CROSS_SITE_PROBLEM = 'cross-site-request';
export type CrossSiteReason = 'csrf-header-missing' | 'origin-not-allowed';

/** What identity's refresh tokens look like (`ghr_` + base64url); anything else in the cookie is no session. */
const TOKEN_VALUE = /^[A-Za-z0-9_-]{1,512}$/;

/**
 * Browser sessions (the console's): sign-in, refresh and sign-out over identity's login, refresh and
 * logout, with the refresh token kept in an HttpOnly, SameSite=Strict cookie limited to
 * `/api/v1/session` (Secure unless SESSION_COOKIE_SECURE=false), so no script ever reads it. Answers
 * carry the access token only. Against cross-site requests: the cookie is SameSite=Strict, every request
 * must send `x-gatehouse-csrf: 1` (a form cannot, a script of another origin only after a CORS preflight,
 * which the gateway answers for CORS_ORIGINS only), and an Origin, when sent, must be the gateway's own
 * host or one listed in CORS_ORIGINS (`*` does not count). Requests are admitted like any public route
 * first (rate limits), and identity applies its sign-in throttling and lockout as for /api/v1/login.
 */
@Injectable()
export class BrowserSessions {
  private readonly cookieName: string;
  private readonly cookieAttributes: string;
  private readonly listedOrigins: Set<string>;
  private readonly logger = new Logger('BrowserSessions');

  constructor(
    private readonly dispatcher: ServiceDispatcher,
    env: GatewayEnv,
  ) {
    this.cookieName = env.SESSION_COOKIE_SECURE ? BROWSER_SESSION.cookie : BROWSER_SESSION.insecureCookie;
    this.cookieAttributes = `Path=${BROWSER_SESSION.path}; HttpOnly; SameSite=Strict${env.SESSION_COOKIE_SECURE ? '; Secure' : ''}`;
    this.listedOrigins = new Set(
      env.CORS_ORIGINS.split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== '' && origin !== '*'),
    );
  }

  /** Answers one browser-session request (after admission); a refused cross-site request throws its 403. */
  async handle(route: RouteDefinition & { browserSession: BrowserSessionStep }, request: IncomingRequest, admission: Admission): Promise<SessionAnswer> {
    this.assertSameSite(request.headers);
    switch (route.browserSession) {
      case 'sign-in':
        return this.signIn(route, request, admission);
      case 'refresh':
        return this.refresh(route, request, admission);
      case 'sign-out':
        return this.signOut(route, request, admission);
    }
  }

  /** The custom header, then the Origin (sent by browsers on every cross-origin request and same-origin write). */
  assertSameSite(headers: IncomingRequest['headers']): void {
    if (headers[BROWSER_SESSION.csrfHeader] !== BROWSER_SESSION.csrfValue) {
      throw crossSite('csrf-header-missing', `Browser-session requests must send the header ${BROWSER_SESSION.csrfHeader}: ${BROWSER_SESSION.csrfValue}`);
    }
    const origin = headers.origin;
    if (origin === undefined) return;
    if (typeof origin === 'string' && (this.listedOrigins.has(origin) || sameHost(origin, headers.host))) return;
    throw crossSite('origin-not-allowed', `Origin ${String(origin).slice(0, 200)} is neither this gateway's nor one of CORS_ORIGINS`);
  }

  /**
   * Signs in; a session this browser had (its cookie) is ended once the new one exists, so that the
   * browser holds one session and none is left behind without its refresh token.
   */
  private async signIn(route: RouteDefinition, request: IncomingRequest, admission: Admission): Promise<SessionAnswer> {
    const previous = this.refreshTokenOf(request.headers);
    // Never an Idempotency-Key here: a stored answer would keep the refresh token in the key-value store.
    const result = await this.dispatcher.dispatch(route, { ...request, headers: withoutIdempotencyKey(request.headers) }, admission);
    if (previous) {
      const signOut: RouteDefinition = { ...route, method: 'DELETE', target: IdentityRpc.logout, status: 204 };
      await this.dispatcher.dispatch(signOut, cookieOnly(request, { refreshToken: previous }), admission).catch((error: unknown) => {
        // The new session stands; the previous one ends with its refresh token's lifetime at worst.
        this.logger.warn({ err: error }, 'Could not end the previous browser session at sign-in');
      });
    }
    return this.tokenAnswer(result.body as TokenPair);
  }

  private async refresh(route: RouteDefinition, request: IncomingRequest, admission: Admission): Promise<SessionAnswer> {
    assertNoInput(request);
    const refreshToken = this.refreshTokenOf(request.headers);
    if (!refreshToken) return this.problemAnswer(ProblemException.unauthorized('No browser session: sign in'));
    try {
      const result = await this.dispatcher.dispatch(route, cookieOnly(request, { refreshToken }), admission);
      return this.tokenAnswer(result.body as TokenPair);
    } catch (error) {
      // The session is over (expired, revoked, or its token reused): the cookie goes with it.
      if (error instanceof ProblemException && error.problem.status === 401) return this.problemAnswer(error);
      throw error;
    }
  }

  /** Ends the session (identity revokes it and tells every gateway to refuse its access tokens) and clears the cookie. */
  private async signOut(route: RouteDefinition, request: IncomingRequest, admission: Admission): Promise<SessionAnswer> {
    assertNoInput(request);
    const refreshToken = this.refreshTokenOf(request.headers);
    try {
      await this.dispatcher.dispatch(route, cookieOnly(request, refreshToken ? { refreshToken } : {}), admission);
    } catch (error) {
      // Cleared even so: this browser is signed out whatever identity answered.
      if (error instanceof ProblemException) return this.problemAnswer(error);
      throw error;
    }
    return { status: 204, headers: this.headers(this.clearingCookie()) };
  }

  /** The refresh token of the session cookie (the first one: the most specific path comes first). */
  refreshTokenOf(headers: IncomingRequest['headers']): string | undefined {
    const cookie = headers.cookie;
    if (typeof cookie !== 'string') return undefined;
    for (const pair of cookie.split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0 && pair.slice(0, eq).trim() === this.cookieName) {
        const value = pair.slice(eq + 1).trim();
        return TOKEN_VALUE.test(value) ? value : undefined;
      }
    }
    return undefined;
  }

  private tokenAnswer(pair: TokenPair): SessionAnswer {
    const body: BrowserAccessToken = { tokenType: 'Bearer', accessToken: pair.accessToken, expiresIn: pair.expiresIn };
    return { status: 200, body, headers: this.headers(this.sessionCookie(pair.refreshToken, pair.refreshExpiresIn)) };
  }

  private problemAnswer(error: ProblemException): SessionAnswer {
    return { status: error.problem.status, body: error.problem, headers: this.headers(this.clearingCookie()) };
  }

  private headers(setCookie: string): Record<string, string> {
    return { 'set-cookie': setCookie, 'cache-control': 'no-store' };
  }

  /** Lasts as long as the refresh token (identity's REFRESH_TOKEN_TTL_SECONDS). */
  sessionCookie(refreshToken: string, maxAgeSeconds: number): string {
    return `${this.cookieName}=${refreshToken}; ${this.cookieAttributes}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`;
  }

  clearingCookie(): string {
    return `${this.cookieName}=; ${this.cookieAttributes}; Max-Age=0`;
  }
}

function crossSite(reason: CrossSiteReason, detail: string): ProblemException {
  return new ProblemException(403, CROSS_SITE_PROBLEM, detail, { reason });
}

/** Whether an Origin names the host (and port) the request was sent to. */
function sameHost(origin: string, host: string | string[] | undefined): boolean {
  if (typeof host !== 'string' || host === '') return false;
  try {
    const from = new URL(origin);
    return (from.protocol === 'http:' || from.protocol === 'https:') && from.host === new URL(`${from.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

function withoutIdempotencyKey(headers: IncomingRequest['headers']): IncomingRequest['headers'] {
  return { ...headers, 'idempotency-key': undefined };
}

/** The request identity gets for refresh and sign-out: the cookie's token, nothing the client sent besides. */
function cookieOnly(request: IncomingRequest, body: Record<string, string>): IncomingRequest {
  return { ...request, headers: withoutIdempotencyKey(request.headers), query: {}, body };
}

/** Refresh and sign-out take no input: the refresh token comes from the cookie only. */
function assertNoInput(request: IncomingRequest): void {
  const body = request.body;
  if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body))) {
    throw ProblemException.badRequest('This request takes no body (at most an empty JSON object): the refresh token is read from the session cookie');
  }
  const fields = [...Object.keys((body as Record<string, unknown> | undefined) ?? {}), ...Object.keys(request.query)];
  if (fields.length > 0) {
    const errors: FieldError[] = fields.map((field) => ({ field, message: `${field} is not accepted: the refresh token is read from the session cookie` }));
    throw ProblemException.validation(errors);
  }
}
