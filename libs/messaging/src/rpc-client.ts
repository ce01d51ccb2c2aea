import { randomUUID } from 'node:crypto';
import { Caller, isProblem, RpcDefinition, RpcEnvelope } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { continueTrace, TraceContext, traceContext } from '@gatehouse/logging';
import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode, headers as natsHeaders, JSONCodec, NatsError } from 'nats';
import { NatsClient } from './nats-connection';

const codec = JSONCodec();

/**
 * For calls that are safe to repeat (reads, idempotent commands): a shorter wait per attempt, then
 * another instance, so one dying mid-request costs latency instead of an error.
 */
export const RETRY_SAFE: RpcCallOptions = { timeoutMs: 2000, retries: 2 };

export interface RpcCallOptions {
  timeoutMs?: number;
  /**
   * Extra attempts when nobody answered (no responder, timeout), for calls that are safe to repeat
   * (reads, decisions): an instance that dies mid-request then costs latency, not a failed request.
   */
  retries?: number;
  /** Defaults to the current trace context's (see @gatehouse/logging). */
  requestId?: string;
  /**
   * The request's trace context, for callers that pass it explicitly rather than through
   * AsyncLocalStorage (the gateway, whose hot path avoids its per-promise cost). Defaults to the current one.
   */
  trace?: TraceContext;
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
    const payload = { pattern: definition.subject, data: envelope, id: randomUUID() };
    const headers = natsHeaders();
    const trace = options.trace ?? traceContext.current();
    const requestId = options.requestId ?? trace?.requestId;
    if (requestId) headers.set('x-request-id', requestId);
    if (trace) headers.set('traceparent', continueTrace(trace.traceparent));
    let reply;
    for (let attempt = 0; ; attempt++) {
      try {
        reply = await this.connection.nc.request(definition.subject, codec.encode(payload), {
          timeout: options.timeoutMs ?? this.defaultTimeoutMs,
          headers,
        });
        break;
      } catch (error) {
        const retryable = [ErrorCode.NoResponders, ErrorCode.Timeout].includes((error as NatsError)?.code as ErrorCode);
        if (!retryable || attempt >= (options.retries ?? 0)) throw this.transportProblem(definition.subject, error);
        if ((error as NatsError).code === ErrorCode.NoResponders) await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      }
    }
    const decoded = codec.decode(reply.data) as NestReply<Res>;
    if (decoded.err !== undefined && decoded.err !== null) {
      if (isProblem(decoded.err)) throw ProblemException.fromProblem(decoded.err);
      this.logger.error({ subject: definition.subject, err: decoded.err }, 'RPC answered with a non-problem error');
      throw ProblemException.internal();
    }
    return decoded.response as Res;
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
