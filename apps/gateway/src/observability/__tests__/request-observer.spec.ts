import Fastify, { FastifyInstance } from 'fastify';
import pino from 'pino';
import { AccessLog } from '../access-log';
import { ROUTE_CONFIG, RequestObserver } from '../request-observer';
import { registerTraceHeaders, traceOf } from '../trace-headers';

const GIVEN_TRACE = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('request observer and trace headers (gateway)', () => {
  let fastify: FastifyInstance;
  const observe = jest.fn();
  const accessLog = { isEnabled: jest.fn(() => true), write: jest.fn() };

  beforeEach(async () => {
    observe.mockReset();
    accessLog.write.mockReset();
    fastify = Fastify({ genReqId: () => 'req-1' });
    registerTraceHeaders(fastify);
    new RequestObserver(pino({ level: 'info' }), accessLog as unknown as AccessLog).register(fastify);
    fastify.get('/api/v1/:tenant/things', { config: { [ROUTE_CONFIG]: { metrics: { observe } } } }, (request, reply) => reply.send(traceOf(request, reply)));
    fastify.get('/boom', { config: { [ROUTE_CONFIG]: { metrics: { observe } } } }, (_request, reply) => reply.status(503).send());
    await fastify.ready();
  });
  afterEach(() => fastify.close());

  it('gives every response the request id and a traceparent that continues the trace given, also on a 404', async () => {
    const continued = await fastify.inject({ method: 'GET', url: '/api/v1/acme/things', headers: { traceparent: GIVEN_TRACE } });
    expect(continued.headers['x-request-id']).toBe('req-1');
    expect(continued.headers['traceparent']).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(continued.json()).toEqual({ requestId: 'req-1', traceparent: continued.headers['traceparent'] });
    const started = await fastify.inject({ method: 'GET', url: '/nowhere', headers: { traceparent: 'garbage' } });
    expect(started.statusCode).toBe(404);
    expect(started.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(started.headers['traceparent']).not.toContain('0af7651916cd43dd8448eb211c80319c');
  });

  it("counts a route-table response in its route's metrics and writes one access line, without the query", async () => {
    const response = await fastify.inject({ method: 'GET', url: '/api/v1/acme/things?token=secret', headers: { traceparent: GIVEN_TRACE } });
    expect(observe).toHaveBeenCalledWith(200, expect.any(Number));
    const [line] = accessLog.write.mock.calls[0];
    const [time, level, requestId, traceId, method, path, route, status, responseTimeMs, ip] = line;
    expect([level, requestId, traceId, method, path, route, status, ip]).toEqual([
      30, 'req-1', '0af7651916cd43dd8448eb211c80319c', 'GET', '/api/v1/acme/things', '/api/v1/:tenant/things', 200, '127.0.0.1',
    ]);
    expect(typeof time).toBe('number');
    expect(responseTimeMs).toBeGreaterThanOrEqual(0);
    expect(response.statusCode).toBe(200);
  });

  it('logs a 5xx at error level, and writes nothing when the level is off', async () => {
    await fastify.inject({ method: 'GET', url: '/boom' });
    expect(accessLog.isEnabled).toHaveBeenLastCalledWith('error');
    expect(accessLog.write.mock.calls[0][0][1]).toBe(50);
    accessLog.isEnabled.mockReturnValueOnce(false);
    await fastify.inject({ method: 'GET', url: '/boom' });
    expect(accessLog.write).toHaveBeenCalledTimes(1);
    expect(observe).toHaveBeenCalledTimes(2); // metrics are counted whatever the log level
  });

  it('counts no metrics for a response outside the route table', async () => {
    await fastify.inject({ method: 'GET', url: '/nowhere' });
    expect(observe).not.toHaveBeenCalled();
    expect(accessLog.write).toHaveBeenCalledTimes(1);
  });
});
