import type { Problem } from '@gatehouse/contracts';

export type FetchFn = typeof fetch;
export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  token?: string;
}

/** The server answered with an error status; `problem` is its RFC 9457 body (or one made up from the status). */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
  }

  get status(): number {
    return this.problem.status;
  }
}

/** The server could not be reached at all (refused, DNS, timeout, TLS). */
export class NetworkError extends Error {
  constructor(readonly server: string, readonly reason: string) {
    super(`cannot reach ${server}${reason ? ` (${reason})` : ''}`);
    this.name = 'NetworkError';
  }
}

export const USER_AGENT = 'gatehouse-cli/0.1.0';
const DEFAULT_TIMEOUT_MS = 30_000;

function isProblemBody(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && typeof (value as Problem).status === 'number'
    && typeof (value as Problem).title === 'string';
}

/** The server URL without any credentials, for messages. */
export function displayUrl(server: string): string {
  try {
    const url = new URL(server);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return server;
  }
}

function describeFetchFailure(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timed out';
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** A thin fetch wrapper for the gateway's JSON API: parsed JSON back, or a typed error. */
export class HttpClient {
  private readonly base: string;

  constructor(server: string, private readonly fetchFn: FetchFn = fetch, private readonly timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.base = server.replace(/\/+$/, '');
  }

  get server(): string {
    return displayUrl(this.base);
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(this.base + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      'user-agent': USER_AGENT,
    };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';

    let response: Response;
    try {
      response = await this.fetchFn(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new NetworkError(this.server, describeFetchFailure(error));
    }

    const text = await response.text();
    let parsed: unknown = undefined;
    let parseFailed = false;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parseFailed = true;
      }
    }

    if (!response.ok) {
      if (isProblemBody(parsed)) throw new ApiError(parsed);
      throw new ApiError({
        type: 'about:blank',
        title: response.statusText || 'Error',
        status: response.status,
        detail: text && parseFailed ? text.slice(0, 200) : undefined,
      });
    }
    if (parseFailed) {
      throw new ApiError({
        type: 'about:blank',
        title: 'Bad response',
        status: response.status,
        detail: `expected JSON from ${method} ${path}, got: ${text.slice(0, 200)}`,
      });
    }
    return parsed as T;
  }

  get<T>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  post<T>(path: string, body: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }
}
