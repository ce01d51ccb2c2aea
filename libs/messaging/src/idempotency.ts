import { AsyncLocalStorage } from 'node:async_hooks';
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
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

/**
 * An outcome as it is stored (NATS's bucket, the services' records): sealed with the ticket's
 * `sealKey`, so the answers kept for 24 h (a new API token's secret, a client secret) are not
 * readable from a database dump, a backup or the bucket by anyone who lacks the client's key. Records
 * written before sealing hold the outcome itself, until they expire.
 */
export type StoredOutcome = IdempotencyOutcome | { kind: 'sealed'; data: string };

export type IdempotencyEntry =
  | { state: 'pending'; fingerprint: string; since: number }
  | { state: 'done'; fingerprint: string; outcome: StoredOutcome };

/** What a keyed request carries to the service (in the envelope). */
export interface IdempotencyTicket {
  /** The record's key: a hash of the caller, the route and the client's Idempotency-Key. */
  id: string;
  /** Keyed hash of the request body (`v2:` + HMAC): a stored body hash cannot be used to guess a password in it. */
  fingerprint: string;
  /** Seals the stored outcome (AES-256-GCM); derived from the client's key, sent with the request, never stored. */
  sealKey: string;
  /** The unkeyed body hash (sha256) records written before sealing hold; compared with those alone. */
  legacyFingerprint: string;
}

const SEAL_INFO = 'gatehouse idempotency seal v1';
const FINGERPRINT_INFO = 'gatehouse idempotency fingerprint v1';
const FINGERPRINT_VERSION = 'v2:';

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
const derive = (material: string, info: string): Buffer => Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), info, 32));

/**
 * The ticket of a keyed write: `scope` says whose request on which route, `key` is the client's
 * Idempotency-Key. Only the record's id and the keyed body hash are ever stored; the keys that seal
 * and fingerprint are derived from the client's key, so they are as hard to guess as it is.
 */
export function idempotencyTicket(scope: unknown[], key: string, body: unknown): IdempotencyTicket {
  const material = JSON.stringify([...scope, key]);
  const bodyJson = JSON.stringify(body ?? null);
  return {
    id: sha256(material),
    fingerprint: FINGERPRINT_VERSION + createHmac('sha256', derive(material, FINGERPRINT_INFO)).update(bodyJson).digest('hex'),
    sealKey: derive(material, SEAL_INFO).toString('base64url'),
    legacyFingerprint: sha256(bodyJson),
  };
}

/** Whether a stored record was made by a request with this ticket's body (records from before sealing hold the unkeyed hash). */
export function sameRequest(ticket: IdempotencyTicket, storedFingerprint: string): boolean {
  return storedFingerprint.startsWith(FINGERPRINT_VERSION) ? storedFingerprint === ticket.fingerprint : storedFingerprint === ticket.legacyFingerprint;
}

/** The outcome as it is stored: sealed under the ticket's key, bound to its record id. */
export function sealOutcome(ticket: IdempotencyTicket, outcome: IdempotencyOutcome): StoredOutcome {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(ticket.sealKey, 'base64url'), iv);
  cipher.setAAD(Buffer.from(ticket.id));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(outcome), 'utf8'), cipher.final()]);
  return { kind: 'sealed', data: Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url') };
}

/** The outcome a stored record holds; throws when the ticket's key does not open it (never the case for the same request). */
export function openOutcome(ticket: IdempotencyTicket, stored: StoredOutcome): IdempotencyOutcome {
  if (stored.kind !== 'sealed') return stored;
  const raw = Buffer.from(stored.data, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(ticket.sealKey, 'base64url'), raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(ticket.id));
  decipher.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as IdempotencyOutcome;
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
  /**
   * Runs `fn` (and everything it awaits) as no keyed request: for a write that is not the request's outcome
   * (a refusal's audit entry), which must not claim the key as if the request had changed something.
   */
  outside<T>(fn: () => T): T {
    return runs.exit(fn);
  },
};
