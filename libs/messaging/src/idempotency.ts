import { AsyncLocalStorage } from 'node:async_hooks';
import { Problem, PROBLEM_TYPE_BASE } from '@gatehouse/contracts';
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

export function openIdempotencyBucket(nc: NatsConnection, replicas = 1): Promise<KV> {
  return nc.jetstream().views.kv(IDEMPOTENCY_BUCKET, { ttl: IDEMPOTENCY_TTL_MS, history: 1, replicas });
}

/** What a service's own record (Postgres) says about a keyed request. */
export type LedgerEntry =
  | { state: 'done'; fingerprint: string; outcome: IdempotencyOutcome }
  /** Its change committed, but its answer was never stored (the instance died in between). */
  | { state: 'committed'; fingerprint: string };

/**
 * A service's durable record of keyed requests, kept in its own schema: the claim is written in the
 * same transaction as the change it describes, the answer right after. Provided (as IDEMPOTENCY_LEDGER)
 * by services that own a database; consulted before NATS's bucket, which is only a cache of it.
 */
export interface IdempotencyLedger {
  find(ticket: IdempotencyTicket): Promise<LedgerEntry | undefined>;
  /** Stores the answer of the run `runId` (which may or may not have claimed the key in a transaction). */
  complete(ticket: IdempotencyTicket, runId: string, outcome: IdempotencyOutcome): Promise<void>;
}

export const IDEMPOTENCY_LEDGER = Symbol('IDEMPOTENCY_LEDGER');

/** Reply header a service sets when it answers a keyed request from its record instead of running it. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

/** Problem types of the idempotency machinery itself: never recorded as a request's outcome. */
export const IDEMPOTENCY_PROBLEMS = {
  inProgress: 'idempotency-key-in-progress',
  outcomeUnknown: 'idempotency-outcome-unknown',
  reused: 'idempotency-key-reused',
} as const;

const OWN_PROBLEM_TYPES = new Set<string>(Object.values(IDEMPOTENCY_PROBLEMS).map((slug) => PROBLEM_TYPE_BASE + slug));

/** A problem of the idempotency machinery (in progress, answer lost, key reused), not a request's own outcome. */
export const isIdempotencyProblem = (problem: Problem): boolean => OWN_PROBLEM_TYPES.has(problem.type);

export interface IdempotentRun {
  ticket: IdempotencyTicket;
  /** One handling of the request: a retry that runs again has another. */
  runId: string;
}

const runs = new AsyncLocalStorage<IdempotentRun>();

/** The keyed request being handled (if any), for the outbox to claim its key in the write's transaction. */
export const idempotentRun = {
  run<T>(run: IdempotentRun, fn: () => T): T {
    return runs.run(run, fn);
  },
  current(): IdempotentRun | undefined {
    return runs.getStore();
  },
};
