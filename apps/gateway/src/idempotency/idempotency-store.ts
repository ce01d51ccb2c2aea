import { ProblemException } from '@gatehouse/errors';
import {
  IDEMPOTENCY_PROBLEMS, IdempotencyOutcome, idempotencyCodec, IdempotencyTicket, idempotencyTicket, isIdempotencyProblem, NatsClient, openIdempotencyBucket,
  openOutcome, sameRequest, sealOutcome,
} from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { KV } from 'nats';

/**
 * A request still marked in progress after this long is taken as lost (its instance died before
 * finishing) and may run again; the services' unique constraints refuse a duplicate cleanly.
 */
const PENDING_LEASE_MS = 8_000;
const KEY_PATTERN = /^[\w.:-]{1,255}$/;

export interface KeyedScope {
  subjectId: string | null;
  method: string;
  route: string;
  params: Record<string, string>;
}

/**
 * `Idempotency-Key` for writes, shared by every gateway and service instance through a JetStream
 * key-value bucket (a cache: the owning service's own record in Postgres, written with the change,
 * decides whether a request already ran, see the services' IdempotencyInterceptor). The first request with a key runs; its outcome (recorded by the service the moment
 * the handler finishes, and by the gateway) is replayed to every retry with the same key and body
 * (`Idempotent-Replayed: true`); the same key with another body is a 422; a retry while the first is
 * still running is a 409 the client may retry.
 */
@Injectable()
export class IdempotencyStore {
  private kv?: Promise<KV>;

  constructor(private readonly nats: NatsClient) {}

  async run(
    scope: KeyedScope,
    key: string,
    body: unknown,
    /** Runs the request; calls `replayedByService` when the owning service answered it from its own record. */
    execute: (ticket: IdempotencyTicket, replayedByService: () => void) => Promise<IdempotencyOutcome>,
  ): Promise<{ outcome: IdempotencyOutcome; replayed: boolean }> {
    if (!KEY_PATTERN.test(key)) {
      throw ProblemException.validation([{ field: 'Idempotency-Key', message: 'must be 1-255 letters, digits, dots, colons, dashes or underscores' }]);
    }
    const kv = await this.bucket().catch(() => {
      throw unavailable();
    });
    const ticket = idempotencyTicket([scope.subjectId, scope.method, scope.route, scope.params], key, body);
    const existing = await kv.get(ticket.id).catch(() => {
      throw unavailable();
    });
    if (existing && existing.operation === 'PUT') {
      const entry = idempotencyCodec.decode(existing.value);
      if (!sameRequest(ticket, entry.fingerprint)) {
        throw new ProblemException(422, IDEMPOTENCY_PROBLEMS.reused, 'This Idempotency-Key was already used with a different request');
      }
      if (entry.state === 'done') return { outcome: openOutcome(ticket, entry.outcome), replayed: true };
      if (Date.now() - entry.since < PENDING_LEASE_MS) throw inProgress();
      await claim(() => kv.update(ticket.id, pending(ticket.fingerprint), existing.revision));
    } else {
      await claim(() => kv.create(ticket.id, pending(ticket.fingerprint)));
    }
    let outcome: IdempotencyOutcome;
    let replayed = false;
    try {
      outcome = await execute(ticket, () => (replayed = true));
    } catch (error) {
      const status = error instanceof ProblemException ? error.problem.status : 500;
      if (error instanceof ProblemException && isIdempotencyProblem(error.problem)) {
        // The service's record speaks (still running, or ran with its answer lost): not this request's outcome.
        await kv.delete(ticket.id).catch(() => undefined);
        throw error;
      }
      if (status < 500) outcome = { kind: 'problem', problem: (error as ProblemException).problem };
      else {
        // 503: nobody received the request, the key is free again. Timeouts stay pending until the lease ends.
        if (status === 503) await kv.delete(ticket.id).catch(() => undefined);
        throw error;
      }
    }
    await kv.put(ticket.id, idempotencyCodec.encode({ state: 'done', fingerprint: ticket.fingerprint, outcome: sealOutcome(ticket, outcome) })).catch(() => undefined);
    return { outcome, replayed };
  }

  private bucket(): Promise<KV> {
    this.kv ??= openIdempotencyBucket(this.nats.nc, this.nats.jetstreamReplicas).catch((error: unknown) => {
      this.kv = undefined;
      throw error;
    });
    return this.kv;
  }
}

const pending = (fingerprint: string) => idempotencyCodec.encode({ state: 'pending', fingerprint, since: Date.now() });
const unavailable = () => ProblemException.unavailable('The idempotency store is not reachable right now; retry shortly');
const inProgress = () => new ProblemException(409, IDEMPOTENCY_PROBLEMS.inProgress, 'A request with this Idempotency-Key is still in progress; retry later');

/** A lost race on the key (wrong last sequence) means another request holds it; anything else is NATS being away. */
async function claim(write: () => Promise<number>): Promise<number> {
  try {
    return await write();
  } catch (error) {
    throw /wrong last sequence|key exists/i.test(String((error as Error)?.message)) ? inProgress() : unavailable();
  }
}
