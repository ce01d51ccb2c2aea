import type { InProcessJetStream } from './in-process-jetstream';

export interface BrokerMessage {
  subject: string;
  data: Uint8Array;
  headers?: unknown;
  reply?: string;
}

export interface BrokerSubscription {
  subject: string;
  queue?: string;
  deliver(message: BrokerMessage): void;
}

/**
 * What a connection needs of the broker it is attached to. `InProcessBroker` implements it and creates
 * the connections; the connection knows the broker only through this, so the two files do not import
 * each other.
 */
export interface Broker {
  readonly jetstream: InProcessJetStream;
  subscribe(subscription: BrokerSubscription): () => void;
  hasInterest(subject: string): boolean;
  publish(message: BrokerMessage): void;
}
