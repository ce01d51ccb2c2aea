import { Caller, IdentityRpc } from '@gatehouse/contracts';
import { TraceContext } from '@gatehouse/logging';
import { RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { GATEWAY } from '../gateway-service';
import { Injectable } from '@nestjs/common';

/** A cached token is handed out only while it has this long left, so an upstream never gets one about to expire. */
const REFRESH_BEFORE_MS = 10_000;
/** How long before a token stops being handed out its successor is asked for. */
const REFRESH_AHEAD_MS = 10_000;
const MAX_ENTRIES = 50_000;

interface Entry {
  token: Promise<string>;
  /** Epoch ms after which the token is no longer handed out (0 while it is being issued). */
  usableUntil: number;
  /** Epoch ms from which a request that uses the token also has its successor issued in the background. */
  refreshAt: number;
  refreshing: boolean;
}

/**
 * The optional `x-gatehouse-token` of upstreams declared with `internalToken: true`: a short-lived JWT
 * identity signs for a caller the gateway has verified, audience = the upstream's name. One token per
 * (subject, tenant, upstream) is reused until shortly before it expires, and concurrent requests share
 * the one being issued, so this is not a NATS call per request. Its successor is issued in the
 * background ahead of time, so a busy caller's requests never wait for identity once the first is issued.
 */
@Injectable()
export class InternalTokens {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly rpc: RpcClient) {}

  tokenFor(caller: Caller, tenantId: string | null | undefined, upstream: string, trace?: TraceContext): Promise<string> {
    const key = `${caller.id}|${tenantId === undefined ? '' : (tenantId ?? '\u0000')}|${upstream}`;
    const cached = this.entries.get(key);
    const now = Date.now();
    if (cached && (cached.usableUntil === 0 || cached.usableUntil > now)) {
      if (cached.usableUntil !== 0 && cached.refreshAt <= now && !cached.refreshing) {
        cached.refreshing = true;
        const next = this.issue(caller, tenantId, upstream, trace);
        next.token.then(
          () => {
            if (this.entries.get(key) === cached) this.entries.set(key, next);
          },
          () => {
            cached.refreshing = false; // keep using the current token; a later request tries again
          },
        );
      }
      return cached.token;
    }
    if (this.entries.size >= MAX_ENTRIES) this.evictExpired();
    const entry = this.issue(caller, tenantId, upstream, trace);
    entry.token.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    this.entries.set(key, entry);
    return entry.token;
  }

  private issue(caller: Caller, tenantId: string | null | undefined, upstream: string, trace?: TraceContext): Entry {
    const entry: Entry = { usableUntil: 0, refreshAt: 0, refreshing: false, token: Promise.resolve('') };
    entry.token = this.rpc
      .internal(
        GATEWAY,
        IdentityRpc.issueInternalToken,
        {
          subjectId: caller.id,
          subjectType: caller.type === 'SERVICE_ACCOUNT' ? 'SERVICE_ACCOUNT' : 'USER',
          ...(tenantId !== undefined ? { tenantId } : {}),
          audience: upstream,
        },
        undefined,
        { trace, ...RETRY_SAFE },
      )
      .then(({ token, expiresIn }) => {
        const issuedAt = Date.now();
        entry.usableUntil = issuedAt + expiresIn * 1000 - REFRESH_BEFORE_MS;
        entry.refreshAt = entry.usableUntil - REFRESH_AHEAD_MS;
        return token;
      });
    return entry;
  }

  private evictExpired(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.usableUntil !== 0 && entry.usableUntil <= now) this.entries.delete(key);
    // Still full of live tokens: start afresh rather than grow without bound.
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
  }
}
