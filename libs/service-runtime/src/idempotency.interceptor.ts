import { randomUUID } from 'node:crypto';
import { RpcEnvelope } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import {
  IDEMPOTENCY_PROBLEMS,
  IDEMPOTENT_REPLAYED_HEADER,
  IdempotencyLedger,
  IdempotencyOutcome,
  idempotencyCodec,
  IdempotencyTicket,
  idempotentRun,
  isIdempotencyProblem,
  LedgerEntry,
  NatsClient,
  openIdempotencyBucket,
  sameRequest,
  sealOutcome,
} from '@gatehouse/messaging';
import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { NatsRecordBuilder } from '@nestjs/microservices';
import { headers as natsHeaders, KV } from 'nats';
import { catchError, concatMap, defer, from, Observable, throwError } from 'rxjs';

/**
 * For a keyed write (the gateway put an idempotency ticket on the envelope). In a service with a
 * database (`ledger`), its own record decides first: a request whose change already committed is
 * answered from it (its stored answer, or a 409 when the answer was lost), never run again, whatever
 * became of NATS meanwhile; the run itself claims the key in its write's transaction (the outbox does,
 * see PostgresIdempotencyLedger). The outcome is then stored in that record and in NATS's bucket (a
 * cache the gateway reads) before the reply leaves, so a retry of a request whose answer was lost (a
 * gateway timeout, a killed instance on the way back, a broker outage) gets it instead of a second run.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');
  private kv?: Promise<KV>;

  constructor(private readonly nats: NatsClient, private readonly ledger?: IdempotencyLedger) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const ticket = (context.switchToRpc().getData() as RpcEnvelope | undefined)?.idempotency;
    if (!ticket) return next.handle();
    const ledger = this.ledger;
    if (!ledger) return this.execute(ticket, randomUUID(), next);
    return defer(() => ledger.find(ticket)).pipe(
      concatMap((entry) => (entry ? replay(ticket, entry) : this.execute(ticket, randomUUID(), next))),
    );
  }

  private execute(ticket: IdempotencyTicket, runId: string, next: CallHandler): Observable<unknown> {
    const record = async (outcome: IdempotencyOutcome) => {
      try {
        await this.ledger?.complete(ticket, runId, outcome);
      } catch (error) {
        // The change (if any) committed with its claim: a retry gets a 409, never a second run.
        this.logger.warn({ err: error }, 'Could not store an idempotent outcome in the database');
      }
      try {
        const kv = await this.bucket();
        await kv.put(ticket.id, idempotencyCodec.encode({ state: 'done', fingerprint: ticket.fingerprint, outcome: sealOutcome(ticket, outcome) }));
      } catch (error) {
        // The gateway records the outcome too when the answer reaches it; the database record is the truth.
        this.logger.warn({ err: error }, 'Could not record an idempotent outcome in NATS');
      }
    };
    const handled = new Observable<unknown>((subscriber) => idempotentRun.run({ ticket, runId }, () => next.handle().subscribe(subscriber)));
    return handled.pipe(
      concatMap((body) => from(record({ kind: 'response', body: body ?? null }).then(() => body))),
      catchError((error: unknown) => {
        if (error instanceof ProblemException && error.problem.status < 500 && !isIdempotencyProblem(error.problem)) {
          return from(record({ kind: 'problem', problem: error.problem })).pipe(concatMap(() => throwError(() => error)));
        }
        return throwError(() => error);
      }),
    );
  }

  private bucket(): Promise<KV> {
    this.kv ??= openIdempotencyBucket(this.nats.nc, this.nats.jetstreamReplicas).catch((error: unknown) => {
      this.kv = undefined;
      throw error;
    });
    return this.kv;
  }
}

function replay(ticket: IdempotencyTicket, entry: LedgerEntry): Observable<unknown> {
  if (!sameRequest(ticket, entry.fingerprint)) {
    return throwError(() => new ProblemException(422, IDEMPOTENCY_PROBLEMS.reused, 'This Idempotency-Key was already used with a different request'));
  }
  if (entry.state === 'committed') {
    return throwError(
      () =>
        new ProblemException(
          409,
          IDEMPOTENCY_PROBLEMS.outcomeUnknown,
          'This request was already carried out, but its answer could not be stored; it will not run again. Read the resource to see its state',
        ),
    );
  }
  const outcome = entry.outcome;
  if (outcome.kind === 'problem') return throwError(() => ProblemException.fromProblem(outcome.problem));
  const headers = natsHeaders();
  headers.set(IDEMPOTENT_REPLAYED_HEADER, 'true');
  // ReplySerializer sends a record's headers with the reply: the gateway answers Idempotent-Replayed.
  return from([new NatsRecordBuilder(outcome.body).setHeaders(headers).build()]);
}
