import { AUTHORIZATION_INVALIDATE_SUBJECT, InvalidateMessage } from '@gatehouse/contracts';
import { NatsClient } from '@gatehouse/messaging';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { JSONCodec, Subscription } from 'nats';

const codec = JSONCodec<InvalidateMessage>();
/** Subject ids per message: ~39 bytes each in JSON, so ~200 KB, well under NATS's 1 MB per message. */
const SUBJECTS_PER_MESSAGE = 5000;

export type TenantChange = NonNullable<InvalidateMessage['tenants']>[number];

/**
 * Broadcast (no queue group) of "these subjects' grants changed": every authorization instance, and the
 * gateway's decision cache, drops them. Published after the change has committed. It rides on the
 * same connection as the decision server, so an invalidation is always applied before a check that
 * the server received after it.
 *
 * It sits below every context that changes grants (and below decisions): what an invalidation drops is
 * registered by its owners, synchronously, with `onSubjectsChanged` (the decisions' grants cache) and
 * `onTenantsChanged` (the live tenants).
 */
@Injectable()
export class InvalidationBus implements OnApplicationBootstrap {
  private subscription?: Subscription;
  private readonly tenantListeners: Array<(changes: TenantChange[]) => void> = [];
  private readonly subjectListeners: Array<(subjectIds: string[]) => void> = [];
  private readonly resyncListeners: Array<() => Promise<void>> = [];

  constructor(private readonly nats: NatsClient) {}

  /**
   * A starting instance also drops every cached grant and decision everywhere. The broadcast of a change
   * is sent after its commit: an instance killed in between (and then restarted by its orchestrator)
   * would otherwise leave the others answering from the old grants until GRANTS_CACHE_TTL_SECONDS.
   */
  async onApplicationBootstrap(): Promise<void> {
    this.subscription = this.nats.nc.subscribe(AUTHORIZATION_INVALIDATE_SUBJECT, {
      callback: (error, message) => {
        if (error) return;
        this.apply(codec.decode(message.data));
      },
    });
    // Changes broadcast while this instance was cut off from NATS never arrive: drop what they would have.
    this.nats.onReconnect(() => this.resync());
    await this.publishAll();
  }

  onTenantsChanged(listener: (changes: TenantChange[]) => void): void {
    this.tenantListeners.push(listener);
  }

  /** `listener` drops what it keeps of these subjects; `[]` means every subject. */
  onSubjectsChanged(listener: (subjectIds: string[]) => void): void {
    this.subjectListeners.push(listener);
  }

  /** `reload` runs when broadcasts may have been missed (state kept in memory only must be read again). */
  onResync(reload: () => Promise<void>): void {
    this.resyncListeners.push(reload);
  }

  /**
   * Drops every cached grant of this instance and reloads what listeners keep, then has every gateway
   * drop its decisions: one that reconnected first may have cached answers this instance gave from its
   * stale state meanwhile.
   */
  async resync(): Promise<void> {
    this.dropSubjects([]);
    await Promise.all(this.resyncListeners.map((reload) => reload()));
    await this.publishAll();
  }

  /**
   * Invalidates these subjects locally at once and on every other instance (in messages of at most
   * SUBJECTS_PER_MESSAGE: a role bound to a large group names every member); nothing to do for `[]`.
   */
  async publish(subjectIds: string[]): Promise<void> {
    const unique = [...new Set(subjectIds)];
    const messages: InvalidateMessage[] = [];
    for (let i = 0; i < unique.length; i += SUBJECTS_PER_MESSAGE) messages.push({ subjectIds: unique.slice(i, i + SUBJECTS_PER_MESSAGE) });
    await this.send(...messages);
  }

  /** Drops every cached grant (and decision) everywhere, e.g. after a tenant was deleted. */
  async publishAll(tenants?: TenantChange[]): Promise<void> {
    await this.send({ subjectIds: [], ...(tenants ? { tenants } : {}) });
  }

  get active(): boolean {
    return !!this.subscription && !this.subscription.isClosed();
  }

  private async send(...messages: InvalidateMessage[]): Promise<void> {
    if (messages.length === 0) return;
    for (const message of messages) {
      this.apply(message);
      this.nats.nc.publish(AUTHORIZATION_INVALIDATE_SUBJECT, codec.encode(message));
    }
    await this.nats.nc.flush();
  }

  private apply(message: InvalidateMessage): void {
    if (message.tenants?.length) for (const listener of this.tenantListeners) listener(message.tenants);
    this.dropSubjects(message.subjectIds);
  }

  private dropSubjects(subjectIds: string[]): void {
    for (const listener of this.subjectListeners) listener(subjectIds);
  }
}
