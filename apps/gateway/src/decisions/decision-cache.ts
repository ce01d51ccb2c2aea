import { AUTHORIZATION_INVALIDATE_SUBJECT, AuthorizationRpc, CheckRequest, Decision, InvalidateMessage } from '@gatehouse/contracts';
import { NatsClient, RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { GATEWAY } from '../gateway-service';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { JSONCodec, Subscription } from 'nats';
import { GatewayMetrics } from '../observability/metrics';

const codec = JSONCodec<InvalidateMessage>();

/** Reads GATEWAY_DECISION_CACHE_TTL_MS (0 disables the cache); a bad value stops the start-up with its name. */
export function decisionCacheTtlMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.GATEWAY_DECISION_CACHE_TTL_MS;
  if (raw === undefined || raw === '') return 3000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 60_000) {
    throw new Error(`GATEWAY_DECISION_CACHE_TTL_MS must be an integer number of milliseconds between 0 and 60000 (got "${raw}")`);
  }
  return value;
}

interface Entry {
  decision: Decision;
  expiresAt: number;
}

const MAX_ENTRIES = 100_000;

/**
 * The gateway's short-lived decision cache. Entries are grouped per subject and dropped by the
 * authorization invalidation broadcast, which arrives on the same NATS connection as the RPC replies:
 * a mutation's reply is always preceded by its invalidation, so the next request is decided afresh.
 * The TTL is only a safety net. A check in flight while an invalidation arrives is not cached.
 */
@Injectable()
export class DecisionCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly bySubject = new Map<string, Map<string, Entry>>();
  private size = 0;
  private generation = 0;
  private subscription?: Subscription;
  readonly ttlMs = decisionCacheTtlMs();

  constructor(private readonly nats: NatsClient, private readonly rpc: RpcClient, private readonly metrics?: GatewayMetrics) {}

  onApplicationBootstrap(): void {
    this.subscription = this.nats.nc.subscribe(AUTHORIZATION_INVALIDATE_SUBJECT, {
      callback: (error, message) => {
        if (!error) this.invalidate(codec.decode(message.data).subjectIds);
      },
    });
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  async check(request: CheckRequest, requestId?: string): Promise<Decision> {
    const key = `${request.scope}|${request.tenantId ?? '\u0000'}|${request.permission}|${request.action}|${request.namespace ?? ''}`;
    const now = Date.now();
    const entries = this.bySubject.get(request.subject.id);
    const hit = entries?.get(key);
    if (hit && hit.expiresAt > now) {
      this.metrics?.decisionCacheHits.inc();
      return hit.decision;
    }
    this.metrics?.decisionCacheMisses.inc();
    const generation = this.generation;
    // A decision is a read: if the instance asked dies mid-request, ask another one.
    const decision = await this.rpc.internal(GATEWAY, AuthorizationRpc.check, request, undefined, { requestId, ...RETRY_SAFE });
    if (this.ttlMs > 0 && generation === this.generation) this.store(request.subject.id, key, { decision, expiresAt: Date.now() + this.ttlMs });
    return decision;
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

  private store(subjectId: string, key: string, entry: Entry): void {
    if (this.size >= MAX_ENTRIES) this.invalidateOne(this.bySubject.keys().next().value as string);
    let entries = this.bySubject.get(subjectId);
    if (!entries) this.bySubject.set(subjectId, (entries = new Map()));
    if (!entries.has(key)) this.size++;
    entries.set(key, entry);
  }

  private invalidateOne(subjectId: string): void {
    const entries = this.bySubject.get(subjectId);
    if (!entries) return;
    this.size -= entries.size;
    this.bySubject.delete(subjectId);
  }
}
