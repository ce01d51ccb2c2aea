import { RpcEnvelope } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { IdempotencyOutcome, idempotencyCodec, NatsClient, openIdempotencyBucket } from '@gatehouse/messaging';
import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { KV } from 'nats';
import { catchError, concatMap, from, Observable, throwError } from 'rxjs';

/**
 * For a keyed write (the gateway put an idempotency ticket on the envelope), records the handler's
 * outcome in the shared bucket as soon as the handler has finished, before the reply leaves. A retry of
 * a request whose answer was lost (a gateway timeout, a killed instance on the way back) is then
 * answered from the record instead of running twice.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');
  private kv?: Promise<KV>;

  constructor(private readonly nats: NatsClient) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const ticket = (context.switchToRpc().getData() as RpcEnvelope | undefined)?.idempotency;
    if (!ticket) return next.handle();
    const record = async (outcome: IdempotencyOutcome) => {
      try {
        const kv = await this.bucket();
        await kv.put(ticket.id, idempotencyCodec.encode({ state: 'done', fingerprint: ticket.fingerprint, outcome }));
      } catch (error) {
        // The gateway records the outcome too when the answer reaches it; losing this one only widens the window.
        this.logger.warn({ err: error }, 'Could not record an idempotent outcome');
      }
    };
    return next.handle().pipe(
      concatMap((body) => from(record({ kind: 'response', body: body ?? null }).then(() => body))),
      catchError((error: unknown) => {
        if (error instanceof ProblemException && error.problem.status < 500) {
          return from(record({ kind: 'problem', problem: error.problem })).pipe(concatMap(() => throwError(() => error)));
        }
        return throwError(() => error);
      }),
    );
  }

  private bucket(): Promise<KV> {
    this.kv ??= openIdempotencyBucket(this.nats.nc).catch((error: unknown) => {
      this.kv = undefined;
      throw error;
    });
    return this.kv;
  }
}
