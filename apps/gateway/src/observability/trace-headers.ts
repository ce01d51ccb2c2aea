import { continueTrace, TraceContext } from '@gatehouse/logging';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Every response carries the request id and a W3C `traceparent`, set as the request arrives: unknown
 * paths (404), errors Fastify raises itself and the route table's answers alike, so any of them can be
 * looked up in the access log. The route handler reads the trace back with traceOf().
 */
export function registerTraceHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    setTraceHeaders(request, reply);
    done();
  });
}

/** Idempotent: also called for the errors Fastify answers before any hook runs (a malformed URL). */
export function setTraceHeaders(request: FastifyRequest, reply: FastifyReply): void {
  if (reply.hasHeader('traceparent')) return;
  const given = request.headers.traceparent;
  reply.header('x-request-id', request.id).header('traceparent', continueTrace(typeof given === 'string' ? given : undefined));
}

export function traceOf(request: FastifyRequest, reply: FastifyReply): TraceContext {
  return { requestId: request.id, traceparent: reply.getHeader('traceparent') as string };
}
