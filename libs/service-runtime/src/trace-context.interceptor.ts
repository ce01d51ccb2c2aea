import { acceptRequestId, continueTrace, traceContext } from '@gatehouse/logging';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { NatsContext } from '@nestjs/microservices';
import { Observable } from 'rxjs';

/**
 * Makes the request id and trace context carried in a NATS message's headers current while its handler
 * runs, so every log line and every onward NATS call of that handler carries them.
 */
@Injectable()
export class TraceContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const headers = (context.switchToRpc().getContext() as NatsContext).getHeaders?.();
    const trace = {
      requestId: acceptRequestId(headers?.get?.('x-request-id')),
      traceparent: continueTrace(headers?.get?.('traceparent')),
    };
    return new Observable((subscriber) => traceContext.run(trace, () => next.handle().subscribe(subscriber)));
  }
}
