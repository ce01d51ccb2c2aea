import { Problem } from '@gatehouse/contracts';
import { JSONCodec, KV, NatsConnection } from 'nats';

/**
 * Idempotency records shared by the gateway (which admits a keyed write once) and the services (which
 * record the outcome the moment their handler finishes, before replying, so an answer lost on the way
 * back can still be replayed). A JetStream key-value bucket; entries live 24 h.
 */
export const IDEMPOTENCY_BUCKET = 'gatehouse_idempotency';
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

export type IdempotencyOutcome = { kind: 'response'; body: unknown } | { kind: 'problem'; problem: Problem };

export type IdempotencyEntry =
  | { state: 'pending'; fingerprint: string; since: number }
  | { state: 'done'; fingerprint: string; outcome: IdempotencyOutcome };

/** What a keyed request carries to the service (in the envelope). */
export interface IdempotencyTicket {
  id: string;
  fingerprint: string;
}

export const idempotencyCodec = JSONCodec<IdempotencyEntry>();

export function openIdempotencyBucket(nc: NatsConnection): Promise<KV> {
  return nc.jetstream().views.kv(IDEMPOTENCY_BUCKET, { ttl: IDEMPOTENCY_TTL_MS, history: 1 });
}
