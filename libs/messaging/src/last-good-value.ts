export interface LastGoodValueOptions {
  /** How long a loaded value is fresh. */
  ttlMs: number;
  /** A fresh value this close to its expiry is refreshed in the background (requests never wait on it). */
  refreshAheadMs?: number;
  /** Attempts per refresh (default 3), `retryDelayMs` apart, growing linearly. */
  attempts?: number;
  retryDelayMs?: number;
  /** For tests. */
  now?: () => number;
  /** Told of each refresh that failed (all its attempts) while a last good value is served. */
  onStale?: (error: unknown) => void;
}

/**
 * A value fetched from another service and kept for the request path (settings, keys). One shared
 * refresh at a time, retried; once a value has been loaded, a failed refresh never fails a request: the
 * last good value is served (and the refresh tried again by the next request), so an outage of the
 * broker or of the owning service costs freshness, not availability, and recovery needs no cache expiry.
 * Only the very first load can fail a request.
 */
export class LastGoodValue<T> {
  private value?: { value: T; expiresAt: number };
  private loading?: Promise<T>;
  /** Set while refreshes fail: expired requests stop waiting on a refresh and get the last good value. */
  private failing = false;

  constructor(private readonly load: () => Promise<T>, private readonly options: LastGoodValueOptions) {}

  /** The value at once when one is held and fresh (or stale while refreshes fail), else a promise of it. */
  get(): T | Promise<T> {
    const now = this.now();
    const held = this.value;
    if (!held) return this.refresh();
    if (now < held.expiresAt) {
      if (held.expiresAt - now < (this.options.refreshAheadMs ?? 0)) this.refresh().catch(() => undefined);
      return held.value;
    }
    const refreshed = this.refresh();
    if (this.failing) {
      refreshed.catch(() => undefined);
      return held.value;
    }
    return refreshed.catch(() => held.value);
  }

  /** Drops freshness: the next get() waits for a refresh, and gets the last good value only if that fails. */
  invalidate(): void {
    if (this.value) this.value.expiresAt = 0;
    this.failing = false;
  }

  private refresh(): Promise<T> {
    this.loading ??= this.attempt()
      .then((value) => {
        this.value = { value, expiresAt: this.now() + this.options.ttlMs };
        this.failing = false;
        return value;
      })
      .catch((error: unknown) => {
        if (this.value) {
          this.failing = true;
          this.options.onStale?.(error);
        }
        throw error;
      })
      .finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async attempt(): Promise<T> {
    const attempts = Math.max(1, this.options.attempts ?? 3);
    for (let i = 1; ; i++) {
      try {
        return await this.load();
      } catch (error) {
        if (i >= attempts) throw error;
        await new Promise((r) => setTimeout(r, (this.options.retryDelayMs ?? 200) * i));
      }
    }
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }
}
