import { Caller, IdentityRpc } from '@gatehouse/contracts';
import { TraceContext } from '@gatehouse/logging';
import { RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { GATEWAY } from '../gateway-service';
import { Injectable } from '@nestjs/common';

/** A cached token is handed out only while it has this long left, so an upstream never gets one about to expire. */
const REFRESH_BEFORE_MS = 10_000;
const MAX_ENTRIES = 50_000;

interface Entry {
  token: Promise<string>;
  /** Epoch ms after which the token is no longer handed out (0 while it is being issued). */
  usableUntil: number;
}

/**
 * The optional `x-gatehouse-token` of upstreams declared with `internalToken: true`: a short-lived JWT
 * identity signs for a caller the gateway has verified, audience = the upstream's name. One token per
 * (subject, tenant, upstream) is reused until shortly before it expires, and concurrent requests share
 * the one being issued, so this is not a NATS call per request.
 */
@Injectable()
export class InternalTokens {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly rpc: RpcClient) {}

  tokenFor(caller: Caller, tenantId: string | null | undefined, upstream: string, trace?: TraceContext): Promise<string> {
    const key = `${caller.id}|${tenantId === undefined ? '' : (tenantId ?? '\u0000')}|${upstream}`;
    const cached = this.entries.get(key);
    if (cached && (cached.usableUntil === 0 || cached.usableUntil > Date.now())) return cached.token;
    if (this.entries.size >= MAX_ENTRIES) this.evictExpired();
    const entry: Entry = { usableUntil: 0, token: Promise.resolve('') };
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
      .then(
        ({ token, expiresIn }) => {
          entry.usableUntil = Date.now() + expiresIn * 1000 - REFRESH_BEFORE_MS;
          return token;
        },
        (error: unknown) => {
          if (this.entries.get(key) === entry) this.entries.delete(key);
          throw error;
        },
      );
    this.entries.set(key, entry);
    return entry.token;
  }

  private evictExpired(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.usableUntil !== 0 && entry.usableUntil <= now) this.entries.delete(key);
    // Still full of live tokens: start afresh rather than grow without bound.
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
  }
}
