import { AUTHORIZATION_INVALIDATE_SUBJECT, InvalidateMessage } from '@gatehouse/contracts';
import { NatsClient } from '@gatehouse/messaging';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { JSONCodec, Subscription } from 'nats';
import { GrantsCache } from './grants-cache';

const codec = JSONCodec<InvalidateMessage>();

/**
 * Broadcast (no queue group) of "these subjects' grants changed": every authorization instance, and the
 * gateway's decision cache, drops them. Published after the change has committed.
 */
@Injectable()
export class InvalidationBus implements OnApplicationBootstrap {
  private subscription?: Subscription;

  constructor(private readonly nats: NatsClient, private readonly cache: GrantsCache) {}

  onApplicationBootstrap(): void {
    this.subscription = this.nats.nc.subscribe(AUTHORIZATION_INVALIDATE_SUBJECT, {
      callback: (error, message) => {
        if (!error) this.cache.invalidate(codec.decode(message.data).subjectIds);
      },
    });
  }

  /** Invalidates locally at once and on every other instance; `[]` means everyone. */
  async publish(subjectIds: string[]): Promise<void> {
    this.cache.invalidate(subjectIds);
    this.nats.nc.publish(AUTHORIZATION_INVALIDATE_SUBJECT, codec.encode({ subjectIds }));
    await this.nats.nc.flush();
  }

  get active(): boolean {
    return !!this.subscription && !this.subscription.isClosed();
  }
}
