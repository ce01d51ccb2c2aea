import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { NatsOptions, ServerNats } from '@nestjs/microservices';
import { NatsConnection, Subscription } from 'nats';
import { finalize, Observable } from 'rxjs';

/** Counts NATS requests whose handler has not answered yet (the outermost global interceptor). */
@Injectable()
export class InFlightRequests implements NestInterceptor {
  private count = 0;
  private waiters: Array<() => void> = [];

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    this.count++;
    return next.handle().pipe(
      finalize(() => {
        this.count--;
        if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
      }),
    );
  }

  get pending(): number {
    return this.count;
  }

  /** Resolves once no request is in flight, or after `timeoutMs` (false). */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

/**
 * The NestJS NATS transport with a real drain on shutdown. The stock graceful close unsubscribes (a
 * message already on its way to this process is dropped) and then waits a fixed grace period (a handler
 * slower than that loses its reply). Here each subscription is drained (NATS stops routing to this
 * instance, the queue group's other members take new requests, and what was already sent here is
 * handled), then close waits for every handler to answer, then flushes the replies and disconnects.
 */
export class DrainingNatsServer extends ServerNats {
  private readonly shutdownLogger = new Logger('Shutdown');

  constructor(options: Required<NatsOptions>['options'], private readonly inFlight: InFlightRequests, private readonly maxWaitMs: number) {
    super({ ...options, gracefulShutdown: false });
  }

  override async close(): Promise<void> {
    // ServerNats keeps these private; they are plain fields at run time.
    const self = this as unknown as { natsClient: NatsConnection | null; subscriptions: Subscription[] };
    if (self.natsClient && !self.natsClient.isClosed()) {
      await Promise.all(self.subscriptions.map((sub) => sub.drain().catch(() => undefined)));
      if (!(await this.inFlight.idle(this.maxWaitMs))) {
        this.shutdownLogger.warn(`${this.inFlight.pending} request(s) still running after ${this.maxWaitMs} ms; closing anyway`);
      }
      await self.natsClient.flush().catch(() => undefined);
    }
    await super.close();
  }
}
