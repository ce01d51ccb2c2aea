/** Every durable event published through a service's outbox to JetStream. */
export interface EventEnvelope<T = unknown> {
  /** Unique id; JetStream dedupes on it and consumers record it to process each event once. */
  id: string;
  subject: string;
  occurredAt: string;
  /** Service that produced the event. */
  source: string;
  data: T;
}

export interface EventDefinition<T> {
  readonly subject: string;
  readonly __data?: T;
}

export function event<T>(subject: string): EventDefinition<T> {
  return { subject };
}

export type EventDataOf<D> = D extends EventDefinition<infer T> ? T : never;

/** The JetStream stream that holds every domain event. */
export const EVENTS_STREAM = 'GATEHOUSE_EVENTS';
export const EVENTS_SUBJECT_PREFIX = 'events.';
