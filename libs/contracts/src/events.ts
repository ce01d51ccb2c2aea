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

/**
 * A secret an event carries sealed (AES-256-GCM, @gatehouse/database's SecretSealer), never in the clear:
 * the outbox row and the events stream hold only this. The secrets of emailed links travel so, sealed
 * with LINK_TOKEN_ENCRYPTION_KEYS by their producer and opened by notification to write the email.
 */
export interface SealedSecret {
  /** `v1.<iv>.<ciphertext>.<tag>`, base64url parts. */
  ciphertext: string;
  /** The id of the key that sealed it (the keys variable lists `id:key` entries). */
  keyId: string;
}
