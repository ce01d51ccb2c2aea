import { CALL_ID_HEADER, InFlightProbe, inFlightProbeSubject } from '@gatehouse/contracts';
import { NatsClient } from '@gatehouse/messaging';
import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { NatsContext, NatsOptions, ServerNats } from '@nestjs/microservices';
import { JSONCodec, NatsConnection, Subscription } from 'nats';
import { finalize, Observable } from 'rxjs';

const probeCodec = JSONCodec<InFlightProbe>();
const RUNNING = JSONCodec().encode({ running: true });

/**
 * Counts NATS requests whose handler has not answered yet (the outermost global interceptor), and knows
 * their call ids, to answer callers asking whether this instance is still running their call.
 */
@Injectable()
export class InFlightRequests implements NestInterceptor {
  private count = 0;
  private waiters: Array<() => void> = [];
  private readonly calls = new Map<string, number>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const callId = (context.switchToRpc().getContext() as NatsContext).getHeaders?.()?.get?.(CALL_ID_HEADER);
    this.count++;
    if (callId) this.calls.set(callId, (this.calls.get(callId) ?? 0) + 1);
    return next.handle().pipe(
      finalize(() => {
        this.count--;
        if (callId) {
          const left = (this.calls.get(callId) ?? 1) - 1;
          if (left > 0) this.calls.set(callId, left);
          else this.calls.delete(callId);
        }
        if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
      }),
    );
  }

  running(callId: string): boolean {
    return this.calls.has(callId);
  }

  /**
   * Answers the in-flight probes of `service` (every instance hears them): `{ running: true }` for a call
   * this instance is running, silence otherwise.
   */
  answerProbes(nats: NatsClient, service: string): Subscription {
    return nats.nc.subscribe(inFlightProbeSubject(service), {
      callback: (error, msg) => {
        if (error || !msg.reply) return;
        try {
          if (this.running(probeCodec.decode(msg.data).callId)) msg.respond(RUNNING);
        } catch {
          // not a probe: nothing to answer
        }
      },
    });
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
