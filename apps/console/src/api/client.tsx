import type { FieldError, ImpersonationToken, Problem } from '@gatehouse/contracts';

/** A failed API call, carrying the problem+json body (RFC 9457) the gateway answered with. */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }

  get status(): number {
    return this.problem.status;
  }

  /** The slug at the end of the problem `type`, e.g. `password-change-required`. */
  get slug(): string {
    return this.problem.type?.split('/').pop() ?? '';
  }

  get fieldErrors(): FieldError[] {
    return this.problem.errors ?? [];
  }

  /** Messages for one field (`name`) or its children (`permissions.FLOW[0]`). */
  errorsFor(field: string): string[] {
    return this.fieldErrors
      .filter((e) => e.field === field || e.field.startsWith(`${field}.`) || e.field.startsWith(`${field}[`))
      .map((e) => e.message);
  }
}

type Listener = () => void;

/** The second step of a sign-in: the `mfaToken` of the `mfa-required` problem and one factor. */
export type SecondStep = { mfaToken: string } & ({ code: string } | { recoveryCode: string } | { passkey: Record<string, unknown> });

/** What the gateway's browser-session endpoints answer: the access token only (the refresh token is in an HttpOnly cookie). */
export interface AccessToken {
  tokenType: 'Bearer';
  accessToken: string;
  /** Seconds from now. */
  expiresIn: number;
}

/** What tabs of this console tell each other (BroadcastChannel). */
export type TabMessage =
  /** A tab signed in or rotated the session: the others take its access token instead of rotating again. */
  | { type: 'token'; accessToken: string; expiresAt: number }
  /** A tab signed out (the session is over at the server): the others drop their access token. */
  | { type: 'signed-out' };

const SESSION_PATH = '/api/v1/session';
/** Sent with every browser-session request: a cross-site form cannot, so the gateway refuses requests without it. */
const CSRF_HEADERS = { 'x-gatehouse-csrf': '1' };
const CHANNEL = 'gatehouse-session';
/** One refresh at a time across tabs: refresh tokens rotate, and a token presented twice ends the session. */
const LOCK = 'gatehouse-session-refresh';
/** A token refreshed by another tab is taken as is when it has this long left. */
const FRESH_ENOUGH_MS = 30_000;

/** What a session uses of the browser to work with the other tabs: none of it exists everywhere (Web Locks need https or localhost). */
export interface TabServices {
  channel: Pick<BroadcastChannel, 'postMessage' | 'addEventListener'> | null;
  locks: Pick<LockManager, 'request'> | null;
}

function browserTabServices(): TabServices {
  return {
    channel: typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null,
    locks: (typeof navigator === 'undefined' ? undefined : navigator.locks) ?? null,
  };
}

/** The user and session an access token is for (its `sub` and `sid`), read from the JWT, not verified: for display and comparison only. */
export function claimsOf(accessToken: string): { sub?: string; sid?: string; mfa_enrolment?: boolean } {
  try {
    const payload = accessToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims: unknown = JSON.parse(atob(payload.padEnd(payload.length + ((4 - (payload.length % 4)) % 4), '=')));
    return claims && typeof claims === 'object' ? (claims as { sub?: string; sid?: string; mfa_enrolment?: boolean }) : {};
  } catch {
    return {};
  }
}

/**
 * The browser session. The access token lives in this tab's memory only; the refresh token in an
 * HttpOnly cookie that no script can read, which the gateway rotates on POST /api/v1/session/refresh.
 * On load, that refresh restores the session (a reload, a bookmark, a new tab). Refreshes, sign-in and
 * sign-out hold a Web Lock, so two tabs never present the same refresh token (identity would take it for a
 * stolen one and end the session); a BroadcastChannel gives the other tabs each new access token and
 * tells them about a sign-out. The access token is refreshed on 401 and shortly before it expires.
 */
export class Session {
  private token: { accessToken: string; expiresAt: number } | null = null;
  private refreshing: Promise<boolean> | null = null;
  /** Bumped by a sign-out: a refresh that started before it must not sign this tab in again. */
  private epoch = 0;
  /** The session (`sid`) that a sign-out ended: a token of it that another tab hands over late is not taken. */
  private ended: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly tabs: TabServices = browserTabServices()) {
    tabs.channel?.addEventListener('message', (event: MessageEvent<TabMessage>) => this.receive(event.data));
  }

  get accessToken(): string | null {
    return this.token?.accessToken ?? null;
  }

  get signedIn(): boolean {
    return this.token !== null;
  }

  /** The signed-in user's id (the access token's subject). */
  /** A session good for setting up a second factor only (an MFA policy requires one): the access token's `mfa_enrolment`. */
  get enrolmentOnly(): boolean {
    return this.token ? claimsOf(this.token.accessToken).mfa_enrolment === true : false;
  }

  get userId(): string | null {
    return this.token ? (claimsOf(this.token.accessToken).sub ?? null) : null;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Signs in (the gateway sets the session cookie) and gives the other tabs the access token. */
  async signIn(username: string, password: string): Promise<void> {
    const answer = await this.exclusive(() => rawRequest<AccessToken>('POST', SESSION_PATH, { username, password }, null, CSRF_HEADERS));
    this.share(this.adopt(answer));
  }

  /**
   * The second step of a sign-in (the first answered `mfa-required`): its `mfaToken` and one factor, at
   * `/api/v1/session/mfa` (which sets the session cookie); signed in as with signIn.
   */
  async completeSignIn(secondStep: SecondStep): Promise<void> {
    const answer = await this.exclusive(() => rawRequest<AccessToken>('POST', `${SESSION_PATH}/mfa`, secondStep, null, CSRF_HEADERS));
    this.share(this.adopt(answer));
  }

  /** Finishes a sign-in at an identity provider: its answer (the callback's query) and the start's binding, at `/api/v1/session/federated`. */
  async federatedSignIn(query: string, binding: string): Promise<void> {
    const answer = await this.exclusive(() => rawRequest<AccessToken>('POST', `${SESSION_PATH}/federated`, { query, binding }, null, CSRF_HEADERS));
    this.share(this.adopt(answer));
  }

  /** Signs in with a passkey alone: the assertion of /login/passkey/options' challenge, at `/api/v1/session/passkey`. */
  async passkeySignIn(credential: Record<string, unknown>): Promise<void> {
    const answer = await this.exclusive(() => rawRequest<AccessToken>('POST', `${SESSION_PATH}/passkey`, { credential }, null, CSRF_HEADERS));
    this.share(this.adopt(answer));
  }

  /** Restores the session of the cookie, if any: what a reload, a bookmark or a new tab starts with. */
  restore(): Promise<boolean> {
    return this.signedIn ? Promise.resolve(true) : this.refresh();
  }

  /** A new access token through the session cookie; false (and signed out) when the session is over. */
  refresh(): Promise<boolean> {
    const stale = this.token?.accessToken ?? null;
    const epoch = this.epoch;
    this.refreshing ??= this.exclusive(async () => {
      // Another tab may have rotated the session while this one waited for the lock: its token comes by
      // broadcast, a task of its own, which gets its turn first.
      if (this.tabs.channel) await nextTask();
      if (this.token && this.token.accessToken !== stale && this.token.expiresAt - Date.now() > FRESH_ENOUGH_MS) return true;
      try {
        const answer = await rawRequest<AccessToken>('POST', `${SESSION_PATH}/refresh`, undefined, null, CSRF_HEADERS);
        if (epoch !== this.epoch) return false;
        this.share(this.adopt(answer));
        return true;
      } catch (error) {
        if (epoch !== this.epoch) return false;
        // 401: no session, or it is over (the gateway cleared the cookie). Anything else may pass: retry soon.
        if (error instanceof ApiError && error.status === 401) this.keep(null);
        else if (this.token) this.schedule(10_000);
        return false;
      }
    }).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Ends the session at the server (its access tokens are refused from now on), then signs the other tabs out. */
  async signOut(): Promise<void> {
    this.endLocally();
    await this.exclusive(() => rawRequest('DELETE', SESSION_PATH, undefined, null, CSRF_HEADERS)).catch(() => undefined);
    // Whatever another tab handed over meanwhile belonged to the session that just ended.
    if (this.token) this.endLocally();
    this.post({ type: 'signed-out' });
  }

  /** Drops the access token, and with it any refresh under way and any late token of the same session. */
  private endLocally(): void {
    this.epoch += 1;
    this.ended = this.token ? claimsOf(this.token.accessToken).sid : this.ended;
    this.keep(null);
  }

  private receive(message: TabMessage): void {
    if (message?.type === 'signed-out') {
      this.endLocally();
    } else if (message?.type === 'token' && typeof message.accessToken === 'string') {
      // Within a session, only a newer token; another session (a sign-in) replaces this one.
      const current = this.token;
      const sid = claimsOf(message.accessToken).sid;
      if (sid !== undefined && sid === this.ended) return;
      if (current && claimsOf(current.accessToken).sid === sid && message.expiresAt <= current.expiresAt) return;
      this.keep({ accessToken: message.accessToken, expiresAt: message.expiresAt });
    }
  }

  private adopt(answer: AccessToken): { accessToken: string; expiresAt: number } {
    const token = { accessToken: answer.accessToken, expiresAt: Date.now() + answer.expiresIn * 1000 };
    this.keep(token);
    return token;
  }

  private share(token: { accessToken: string; expiresAt: number }): void {
    this.post({ type: 'token', ...token });
  }

  private post(message: TabMessage): void {
    try {
      this.tabs.channel?.postMessage(message);
    } catch {
      // a closed channel: this tab is going away
    }
  }

  /** Takes an access token (as a sign-in or a refresh answers it), or none: this tab alone, nothing is sent. */
  set(answer: AccessToken | null): void {
    if (answer) this.adopt(answer);
    else this.keep(null);
  }

  private keep(token: { accessToken: string; expiresAt: number } | null): void {
    this.token = token;
    clearTimeout(this.timer);
    if (token) this.schedule(Math.max(5_000, (token.expiresAt - Date.now()) * 0.8));
    this.listeners.forEach((l) => l());
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), ms);
  }

  /** Runs `work` holding the session lock of every tab of this origin (where the Web Locks API exists). */
  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.tabs.locks ? await this.tabs.locks.request(LOCK, work) : work();
  }
}

export const session = new Session();

/** An impersonation under way in this tab (docs/oidc.md): who is acted as, in which tenant, until when. */
export interface ActingAs {
  accessToken: string;
  expiresAt: number;
  user: { id: string; username: string };
  impersonatorId: string;
  /** The console's tenant segment (`default` for the default tenant). */
  tenant: string;
}

/** What the banner shows: the impersonation under way, or why the last one ended by itself. */
export interface ImpersonationState {
  actingAs: ActingAs | null;
  notice: string | null;
}

/**
 * Acting as another user of a tenant (`POST {t}/users/{id}/impersonate`). The token lives in this tab's
 * memory only: never stored, never handed to other tabs, never refreshed. While it is on, every API call
 * carries it instead of the session's; the admin's own session stays and keeps refreshing underneath.
 * It ends with End, when it expires (or is refused with 401: it is never retried as the admin), and when
 * the session ends or becomes another user's.
 */
export class Impersonation {
  private state: ImpersonationState = { actingAs: null, notice: null };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly owner: Session) {
    owner.onChange(() => {
      const acting = this.state.actingAs;
      if (acting && (!owner.signedIn || (owner.userId !== null && owner.userId !== acting.impersonatorId))) this.stop();
    });
  }

  get actingAs(): ActingAs | null {
    return this.state.actingAs;
  }

  /** A stable snapshot (for useSyncExternalStore): replaced on every change. */
  get snapshot(): ImpersonationState {
    return this.state;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(answer: ImpersonationToken, tenant: string): void {
    const acting: ActingAs = {
      accessToken: answer.accessToken,
      expiresAt: Date.now() + answer.expiresIn * 1000,
      user: answer.user,
      impersonatorId: answer.impersonator.id,
      tenant,
    };
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.expire(acting), Math.max(0, acting.expiresAt - Date.now()));
    this.update({ actingAs: acting, notice: null });
  }

  /** Drops the token: the calls carry the session's again. */
  stop(): void {
    clearTimeout(this.timer);
    if (this.state.actingAs || this.state.notice) this.update({ actingAs: null, notice: null });
  }

  /** Ends `acting` by itself (its token expired or was refused), with a notice saying so. */
  expire(acting: ActingAs): void {
    if (this.state.actingAs !== acting) return;
    clearTimeout(this.timer);
    this.update({ actingAs: null, notice: `You are no longer acting as ${acting.user.username}: the impersonation has expired. You are yourself again.` });
  }

  dismissNotice(): void {
    if (this.state.notice) this.update({ ...this.state, notice: null });
  }

  private update(state: ImpersonationState): void {
    this.state = state;
    this.listeners.forEach((l) => l());
  }
}

export const impersonation = new Impersonation(session);

/** The subject API calls act as: the impersonated user while an impersonation is on, else the session's. */
export function currentUserId(): string | null {
  return impersonation.actingAs?.user.id ?? session.userId;
}

/** The token API calls carry. */
export function currentToken(): string | null {
  return impersonation.actingAs?.accessToken ?? session.accessToken;
}

const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

async function rawRequest<T>(method: string, path: string, body: unknown, token: string | null, extraHeaders: Record<string, string> = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...extraHeaders };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError({ type: 'about:blank', title: 'Network error', status: 0, detail: 'The server cannot be reached. Check your connection and try again.' });
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const problem = (parsed && typeof parsed === 'object' ? parsed : {}) as Partial<Problem>;
    throw new ApiError({
      ...problem,
      type: problem.type ?? 'about:blank',
      title: problem.title ?? response.statusText ?? 'Error',
      status: response.status,
      detail: problem.detail ?? (response.status === 404 ? 'Not found' : `The server answered ${response.status}`),
    });
  }
  return parsed as T;
}

/**
 * Step-up (docs/mfa.md): what answers a `step-up-required` problem. The console's StepUpDialog sets `ask`:
 * it asks for a second factor, steps the session up, and resolves true (the call is retried once) or false.
 */
export const stepUp: { ask: (() => Promise<boolean>) | null } = { ask: null };

/** An authenticated call of the public API; refreshes the session once on 401; steps up once when asked to. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const acting = impersonation.actingAs;
  if (acting) {
    try {
      return await rawRequest<T>(method, path, body, acting.accessToken);
    } catch (error) {
      // The impersonation is over (expired, or the admin's session ended): never retried as the admin.
      if (error instanceof ApiError && error.status === 401) impersonation.expire(acting);
      throw error;
    }
  }
  try {
    return await rawRequest<T>(method, path, body, session.accessToken);
  } catch (error) {
    if (error instanceof ApiError && error.slug === 'step-up-required') {
      if (stepUp.ask && (await stepUp.ask())) return rawRequest<T>(method, path, body, session.accessToken);
      throw error;
    }
    if (error instanceof ApiError && error.status === 401 && session.signedIn && (await session.refresh())) {
      return rawRequest<T>(method, path, body, session.accessToken);
    }
    throw error;
  }
}

export const api = {
  get: <T,>(path: string) => request<T>('GET', path),
  post: <T,>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T,>(path: string, body?: unknown) => request<T>('PUT', path, body ?? {}),
  patch: <T,>(path: string, body?: unknown) => request<T>('PATCH', path, body ?? {}),
  del: <T,>(path: string) => request<T>('DELETE', path),
};

/** Calls that carry no access token (the OpenID Connect interaction: its cookie says who is signing in). */
export const anonymous = {
  get: <T,>(path: string) => rawRequest<T>('GET', path, undefined, null),
  post: <T,>(path: string, body: unknown = {}) => rawRequest<T>('POST', path, body, null),
};

/** `/api/v1/...` with query parameters (empty values left out). */
export function url(path: string, query: Record<string, string | number | undefined | null> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return `/api/v1${path}${qs ? `?${qs}` : ''}`;
}

/** Path prefix of a tenant-scoped resource: `/api/v1/<tenant>`; `default` addresses the default tenant. */
export function tenantPath(tenant: string, path: string): string {
  return `/${encodeURIComponent(tenant)}${path}`;
}

export const enc = encodeURIComponent;
