import { randomUUID } from 'node:crypto';
import { CALL_ID_HEADER, Caller, inFlightProbeSubject, isProblem, RpcDefinition, RpcEnvelope } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { continueTrace, deadlineLeftMs, TraceContext, traceContext } from '@gatehouse/logging';
import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode, headers as natsHeaders, JSONCodec, Msg, MsgHdrs, NatsError } from 'nats';
import { NatsClient } from './nats-connection';

const codec = JSONCodec();

/**
 * For calls that are safe to repeat (reads, idempotent commands): asked again while no instance is there
 * to take them (a service restarting), never after one may have started (see RpcCallOptions.retries).
 */
export const RETRY_SAFE: RpcCallOptions = { retries: 2 };

/**
 * NATS header carrying the milliseconds the caller still waits: the callee's deadline (TraceContext.deadline),
 * relative so that clocks of different hosts need not agree.
 */
export const TIMEOUT_HEADER = 'gatehouse-timeout-ms';

/** Errors after which the request never reached a handler: another attempt cannot run the work twice. */
const NOT_DELIVERED: readonly string[] = [ErrorCode.NoResponders, ErrorCode.Disconnect];

/**
 * A repeatable call still unanswered after this long asks the callee's instances whether one is running it
 * (inFlightProbeSubject), and again as often while it waits; given no answer within PROBE_TIMEOUT_MS,
 * the instance that took it has died and the call is sent again.
 */
const PROBE_EVERY_MS = 1000;
const PROBE_TIMEOUT_MS = 1000;

/** The instance that took a call is gone: nobody runs it any more, so sending it again runs it once. */
class CallLost extends Error {}

export interface RpcCallOptions {
  /** How long to wait for the answer (default RPC_TIMEOUT_MS), capped by the current request's deadline. */
  timeoutMs?: number;
  /**
   * Extra attempts when no instance took the request: no responders (none subscribed, e.g. restarting)
   * or the connection dropped. Never after a timeout: the handler may have started, and a slow one would
   * run again beside the first, multiplying the load that made it slow. All attempts share one deadline.
   */
  retries?: number;
  /** Defaults to the current trace context's (see @gatehouse/logging). */
  requestId?: string;
  /**
   * The request's trace context, for callers that pass it explicitly rather than through
   * AsyncLocalStorage (the gateway, whose hot path avoids its per-promise cost). Defaults to the current one.
   */
  trace?: TraceContext;
  /** Called with the reply's headers (e.g. Idempotent-Replayed from a service's idempotency record). */
  onReplyHeaders?: (headers: MsgHdrs | undefined) => void;
}

interface NestReply<T> {
  response?: T;
  err?: unknown;
  isDisposed?: boolean;
}

/**
 * Typed request-reply over NATS, speaking the wire format of the NestJS NATS transport
 * (`{pattern, data, id}` in, `{response | err}` out). No responders → 503, no answer in time → 504,
 * a Problem from the handler → the same Problem.
 */
@Injectable()
export class RpcClient {
  private readonly logger = new Logger('RpcClient');
  defaultTimeoutMs = 5000;

  constructor(private readonly connection: NatsClient) {}

  async request<Req, Res>(
    definition: RpcDefinition<Req, Res>,
    envelope: RpcEnvelope<Req>,
    options: RpcCallOptions = {},
  ): Promise<Res> {
    const callId = randomUUID();
    const payload = codec.encode({ pattern: definition.subject, data: envelope, id: callId });
    const headers = natsHeaders();
    const trace = options.trace ?? traceContext.current();
    const requestId = options.requestId ?? trace?.requestId;
    if (requestId) headers.set('x-request-id', requestId);
    if (trace) headers.set('traceparent', continueTrace(trace.traceparent));
    headers.set(CALL_ID_HEADER, callId);
    const deadline = Date.now() + Math.min(options.timeoutMs ?? this.defaultTimeoutMs, deadlineLeftMs(trace));
    const retries = options.retries ?? 0;
    let reply;
    for (let attempt = 0; ; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) throw this.transportProblem(definition.subject, { code: ErrorCode.Timeout });
      headers.set(TIMEOUT_HEADER, String(left));
      try {
        const answer = this.connection.nc.request(definition.subject, payload, { timeout: left, headers });
        reply = attempt < retries ? await this.watch(answer, definition.subject, callId) : await answer;
        break;
      } catch (error) {
        const lost = error instanceof CallLost || NOT_DELIVERED.includes((error as NatsError)?.code);
        if (!lost || attempt >= retries) throw this.transportProblem(definition.subject, error instanceof CallLost ? { code: ErrorCode.Timeout } : error);
        await new Promise((r) => setTimeout(r, Math.min(100 * (attempt + 1), Math.max(0, deadline - Date.now()))));
      }
    }
    options.onReplyHeaders?.(reply.headers);
    const decoded = codec.decode(reply.data) as NestReply<Res>;
    if (decoded.err !== undefined && decoded.err !== null) {
      if (isProblem(decoded.err)) throw ProblemException.fromProblem(decoded.err);
      this.logger.error({ subject: definition.subject, err: decoded.err }, 'RPC answered with a non-problem error');
      throw ProblemException.internal();
    }
    return decoded.response as Res;
  }

  /**
   * Waits for `answer`; while it is outstanding, asks every PROBE_EVERY_MS whether an instance of the callee
   * is still running the call. None is (no answer, or no instance at all): CallLost, and the answer is
   * given up (a timeout or a late reply of it is ignored).
   */
  private async watch(answer: Promise<Msg>, subject: string, callId: string): Promise<Msg> {
    const settled = answer.then(() => true, () => true);
    const probe = inFlightProbeSubject(subject.split('.')[0]);
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const due = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), PROBE_EVERY_MS)));
      const done = await Promise.race([settled, due]);
      clearTimeout(timer);
      if (done) return answer;
      const running = await this.connection.nc.request(probe, codec.encode({ callId }), { timeout: PROBE_TIMEOUT_MS }).then(() => true, () => false);
      if (!running && !(await Promise.race([settled, Promise.resolve(false)]))) {
        answer.catch(() => undefined);
        throw new CallLost();
      }
    }
  }

  /** Shorthand for service-to-service calls: the caller is this service itself. */
  internal<Req, Res>(
    service: string,
    definition: RpcDefinition<Req, Res>,
    data: Req,
    tenantId?: string | null,
    options: RpcCallOptions = {},
  ): Promise<Res> {
    const caller: Caller = { type: 'SERVICE', id: service, via: 'internal' };
    return this.request(definition, { caller, tenantId, data }, options);
  }

  private transportProblem(subject: string, error: unknown): ProblemException {
    const code = (error as NatsError)?.code;
    const service = subject.split('.')[0];
    if (code === ErrorCode.NoResponders) {
      return ProblemException.unavailable(`The ${service} service is not available; try again shortly`);
    }
    if (code === ErrorCode.Timeout) {
      return ProblemException.timeout(`The ${service} service did not answer in time`);
    }
    this.logger.error({ subject, err: error }, 'NATS request failed');
    return ProblemException.unavailable(`The ${service} service could not be reached`);
  }
}
