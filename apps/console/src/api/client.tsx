import type { FieldError, Problem, TokenPair } from '@gatehouse/contracts';

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

/**
 * Tokens live in memory only (never in storage): a reload signs the user out. The refresh token is
 * rotated on 401 (single flight) and shortly before the access token expires.
 */
class Session {
  private pair: TokenPair | null = null;
  private refreshing: Promise<boolean> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<Listener>();

  get accessToken(): string | null {
    return this.pair?.accessToken ?? null;
  }

  get signedIn(): boolean {
    return this.pair !== null;
  }

  set(pair: TokenPair | null): void {
    this.pair = pair;
    clearTimeout(this.timer);
    if (pair) {
      const ms = Math.max(5, pair.expiresIn * 0.8) * 1000;
      this.timer = setTimeout(() => void this.refresh(), ms);
    }
    this.listeners.forEach((l) => l());
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Rotates the refresh token; false (and signed out) when the session is over. */
  refresh(): Promise<boolean> {
    const refreshToken = this.pair?.refreshToken;
    if (!refreshToken) return Promise.resolve(false);
    this.refreshing ??= rawRequest<TokenPair>('POST', '/api/v1/token/refresh', { refreshToken }, null)
      .then((pair) => {
        this.set(pair);
        return true;
      })
      .catch(() => {
        this.set(null);
        return false;
      })
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  async logout(): Promise<void> {
    const refreshToken = this.pair?.refreshToken;
    this.set(null);
    if (refreshToken) await rawRequest('POST', '/api/v1/logout', { refreshToken }, null).catch(() => undefined);
  }
}

export const session = new Session();

async function rawRequest<T>(method: string, path: string, body: unknown, token: string | null): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
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

/** An authenticated call of the public API; refreshes the session once on 401. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  try {
    return await rawRequest<T>(method, path, body, session.accessToken);
  } catch (error) {
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
