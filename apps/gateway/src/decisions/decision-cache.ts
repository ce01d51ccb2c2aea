import { AUTHORIZATION_INVALIDATE_SUBJECT, AuthorizationRpc, CheckRequest, Decision, InvalidateMessage } from '@gatehouse/contracts';
import { TraceContext } from '@gatehouse/logging';
import { NatsClient, RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { JSONCodec, Subscription } from 'nats';
import { GATEWAY } from '../gateway-service';
import { GatewayEnv } from '../gateway.env';
import { GatewayMetrics } from '../observability/metrics';
import { MaybePromise } from '../request/maybe-async';

const codec = JSONCodec<InvalidateMessage>();

interface Entry {
  decision: Decision;
  expiresAt: number;
  /** From this time on, a hit also asks authorization again in the background (one refresh at a time). */
  refreshAt: number;
}

/** What the cache holds for one subject: its decisions, and the checks being asked right now. */
interface SubjectEntries {
  decisions: Map<string, Entry>;
  inFlight: Map<string, Promise<Decision>>;
}

const MAX_ENTRIES = 100_000;
/** A hit in the last fifth of an entry's life refreshes it, so a busy key never expires under load. */
const REFRESH_AFTER = 0.8;

/**
 * The gateway's short-lived decision cache. Entries are grouped per subject and dropped by the
 * authorization invalidation broadcast, which arrives on the same NATS connection as the RPC replies:
 * a mutation's reply is always preceded by its invalidation, so the next request is decided afresh.
 * The TTL is only a safety net. A check in flight while an invalidation arrives is not cached, and
 * requests that arrive after the invalidation do not wait for it.
 *
 * Concurrent misses for the same check share one NATS request, and a busy entry is refreshed before it
 * expires: without both, every TTL expiry sent a burst of identical checks (a latency spike at p99).
 * A hit is answered synchronously.
 */
@Injectable()
export class DecisionCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly bySubject = new Map<string, SubjectEntries>();
  private size = 0;
  private generation = 0;
  private subscription?: Subscription;
  /** GATEWAY_DECISION_CACHE_TTL_MS: 0 disables the cache. */
  readonly ttlMs: number;

  constructor(private readonly nats: NatsClient, private readonly rpc: RpcClient, env: GatewayEnv, private readonly metrics?: GatewayMetrics) {
    this.ttlMs = env.GATEWAY_DECISION_CACHE_TTL_MS;
  }

  onApplicationBootstrap(): void {
    this.subscription = this.nats.nc.subscribe(AUTHORIZATION_INVALIDATE_SUBJECT, {
      callback: (error, message) => {
        if (!error) this.invalidate(codec.decode(message.data).subjectIds);
      },
    });
    // Invalidations broadcast while the connection was down never arrive: start afresh.
    this.nats.onReconnect(() => this.invalidate([]));
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  check(request: CheckRequest, trace?: TraceContext): MaybePromise<Decision> {
    const key = `${request.scope}|${request.tenantId ?? '\u0000'}|${request.permission}|${request.action}|${request.namespace ?? ''}`;
    const now = Date.now();
    const subject = this.bySubject.get(request.subject.id);
    const hit = subject?.decisions.get(key);
    if (hit && hit.expiresAt > now) {
      this.metrics?.decisionCacheHits.inc();
      if (hit.refreshAt <= now && !subject?.inFlight.has(key)) {
        hit.refreshAt = Infinity;
        this.ask(request, key, trace).catch(() => undefined); // the entry stays usable until it expires
      }
      return hit.decision;
    }
    this.metrics?.decisionCacheMisses.inc();
    return subject?.inFlight.get(key) ?? this.ask(request, key, trace);
  }

  invalidate(subjectIds: string[]): void {
    this.generation++;
    if (subjectIds.length === 0) {
      this.bySubject.clear();
      this.size = 0;
      return;
    }
    for (const id of subjectIds) this.invalidateOne(id);
  }

  /** Asks authorization once for this check, shared by the requests that miss meanwhile. */
  private ask(request: CheckRequest, key: string, trace: TraceContext | undefined): Promise<Decision> {
    const subjectId = request.subject.id;
    const generation = this.generation;
    const inFlight = this.entriesOf(subjectId).inFlight;
    // A decision is a read: if the instance asked dies mid-request, ask another one.
    const asked = this.rpc.internal(GATEWAY, AuthorizationRpc.check, request, undefined, { trace, ...RETRY_SAFE }).then(
      (decision) => {
        if (inFlight.get(key) === asked) inFlight.delete(key);
        if (generation === this.generation && this.ttlMs > 0) this.store(subjectId, key, decision);
        return decision;
      },
      (error: unknown) => {
        if (inFlight.get(key) === asked) inFlight.delete(key);
        throw error;
      },
    );
    inFlight.set(key, asked);
    return asked;
  }

  private entriesOf(subjectId: string): SubjectEntries {
    let entries = this.bySubject.get(subjectId);
    if (!entries) this.bySubject.set(subjectId, (entries = { decisions: new Map(), inFlight: new Map() }));
    return entries;
  }

  private store(subjectId: string, key: string, decision: Decision): void {
    if (this.size >= MAX_ENTRIES) this.invalidateOne(this.bySubject.keys().next().value as string);
    const { decisions } = this.entriesOf(subjectId);
    if (!decisions.has(key)) this.size++;
    const now = Date.now();
    decisions.set(key, { decision, expiresAt: now + this.ttlMs, refreshAt: now + this.ttlMs * REFRESH_AFTER });
  }

  /** Drops the subject's decisions and forgets its checks in flight (their answers may predate the change). */
  private invalidateOne(subjectId: string): void {
    const entries = this.bySubject.get(subjectId);
    if (!entries) return;
    this.size -= entries.decisions.size;
    this.bySubject.delete(subjectId);
  }
}
