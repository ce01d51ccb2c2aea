import { ProblemException } from '@gatehouse/errors';
import { acceptRequestId, continueTrace, TraceContext, traceContext } from '@gatehouse/logging';
import { TIMEOUT_HEADER } from '@gatehouse/messaging';
import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { NatsContext } from '@nestjs/microservices';
import { Observable, throwError } from 'rxjs';

/**
 * Makes the request id, trace context and deadline carried in a NATS message's headers current while its
 * handler runs, so every log line and every onward NATS call of that handler carries them (an onward call
 * waits at most what is left of the deadline). A request whose caller has already given up (it sat behind
 * slower work) is not started at all.
 */
@Injectable()
export class TraceContextInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Deadline');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const headers = (context.switchToRpc().getContext() as NatsContext).getHeaders?.();
    const trace: TraceContext = {
      requestId: acceptRequestId(headers?.get?.('x-request-id')),
      traceparent: continueTrace(headers?.get?.('traceparent')),
    };
    const left = Number.parseInt(headers?.get?.(TIMEOUT_HEADER) ?? '', 10);
    if (Number.isFinite(left)) {
      if (left <= 0) return throwError(() => ProblemException.timeout('The caller stopped waiting before this request was started'));
      trace.deadline = Date.now() + left;
    }
    return new Observable((subscriber) =>
      traceContext.run(trace, () =>
        next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            if (trace.deadline !== undefined && Date.now() > trace.deadline) {
              this.logger.warn({ requestId: trace.requestId, lateMs: Date.now() - trace.deadline }, 'Answered after the caller stopped waiting');
            }
            subscriber.complete();
          },
        }),
      ),
    );
  }
}
