import { Logger } from '@nestjs/common';
import { ConnectionOptions, NatsConnection } from 'nats';
import { InProcessConnection } from './in-process-connection';
import { InProcessJetStream } from './in-process-jetstream';
import { subjectMatches } from './subjects';
import type { Broker, BrokerMessage, BrokerSubscription } from './broker-types';

export interface InProcessBrokerOptions {
  /** Folder for what a NATS server keeps on disk (streams, consumer positions, key-value buckets); none = memory only. */
  storeDir?: string;
}

/**
 * The server side of the in-process transport: core publish/subscribe with queue groups (one member
 * of each group gets a message, every plain subscriber gets it) and JetStream. Messages are delivered
 * asynchronously, in publish order, as a NATS server does for the subscribers of one connection.
 */
export class InProcessBroker implements Broker {
  readonly jetstream: InProcessJetStream;
  private readonly logger = new Logger('InProcessBroker');
  private readonly subscriptions = new Set<BrokerSubscription>();
  private readonly roundRobin = new Map<string, number>();
  private connectionCount = 0;

  constructor(options: InProcessBrokerOptions = {}) {
    this.jetstream = new InProcessJetStream(options.storeDir);
  }

  /** What `nats.connect()` returns, for this broker. */
  async connect(options: ConnectionOptions = {}): Promise<NatsConnection> {
    this.connectionCount += 1;
    return new InProcessConnection(this, options, this.connectionCount) as unknown as NatsConnection;
  }

  subscribe(subscription: BrokerSubscription): () => void {
    this.subscriptions.add(subscription);
    return () => this.subscriptions.delete(subscription);
  }

  hasInterest(subject: string): boolean {
    for (const s of this.subscriptions) if (subjectMatches(s.subject, subject)) return true;
    return false;
  }

  publish(message: BrokerMessage): void {
    const groups = new Map<string, BrokerSubscription[]>();
    for (const s of this.subscriptions) {
      if (!subjectMatches(s.subject, message.subject)) continue;
      if (!s.queue) this.schedule(s, message);
      else groups.set(s.queue, [...(groups.get(s.queue) ?? []), s]);
    }
    for (const [queue, members] of groups) {
      const next = this.roundRobin.get(queue) ?? 0;
      this.roundRobin.set(queue, next + 1);
      this.schedule(members[next % members.length], message);
    }
  }

  /** Writes what must survive a restart and stops the timers. */
  close(): void {
    this.jetstream.close();
  }

  private schedule(subscription: BrokerSubscription, message: BrokerMessage): void {
    queueMicrotask(() => {
      try {
        subscription.deliver(message);
      } catch (error) {
        this.logger.error({ err: error, subject: message.subject }, 'A subscriber failed on a message');
      }
    });
  }
}
