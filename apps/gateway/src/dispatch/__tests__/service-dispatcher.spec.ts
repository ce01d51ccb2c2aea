import { Caller } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { IdempotencyOutcome, IdempotencyTicket, idempotencyTicket, RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { IdempotencyStore, KeyedScope } from '../../idempotency/idempotency-store';
import { Admission, IncomingRequest } from '../../request/incoming-request';
import { RouteDefinition } from '../../request/route-definition';
import { GatewayEnv } from '../../gateway.env';
import { RouteTimeouts } from '../route-timeouts';
import { ServiceDispatcher } from '../service-dispatcher';

const alice: Caller = { type: 'USER', id: 'alice', via: 'jwt', ip: '10.0.0.1' };
const trace = { requestId: 'r1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
const target = { subject: 'authorization.groups.create.v1' } as RouteDefinition['target'];

const route = (method: RouteDefinition['method'], status?: number): RouteDefinition => ({
  method, path: '/api/v1/:tenant/groups/:id', summary: 'test', access: { permission: 'GROUP' }, target, ...(status ? { status } : {}),
});
const request = (overrides: Partial<IncomingRequest> = {}): IncomingRequest => ({
  params: { tenant: 'acme', id: 'g1' }, query: {}, headers: {}, body: undefined, authorization: 'Bearer x', ip: '10.0.0.1', trace, ...overrides,
});
const admission: Admission = { caller: alice, tenantId: 'acme', params: { id: 'g1' } };

function dispatcherWith(answer: unknown, run?: IdempotencyStore['run'], routeTimeouts = '') {
  const rpc = { request: jest.fn(async (..._args: unknown[]) => answer) };
  const store = { run: jest.fn(run) };
  const timeouts = new RouteTimeouts(Object.assign(new GatewayEnv(), { GATEWAY_ROUTE_TIMEOUTS: routeTimeouts }));
  return { dispatcher: new ServiceDispatcher(rpc as unknown as RpcClient, store as unknown as IdempotencyStore, timeouts), rpc, store };
}

describe('ServiceDispatcher (gateway)', () => {
  it("sends the caller, the tenant, the client address and the request's data to the route's service", async () => {
    const { dispatcher, rpc } = dispatcherWith({ id: 'g1' });
    const result = await dispatcher.dispatch(route('POST', 201), request({ body: { name: 'g', id: 'from-body' }, query: { q: 'x' } }), admission);
    expect(result).toEqual({ status: 201, body: { id: 'g1' } });
    expect(rpc.request).toHaveBeenCalledWith(
      target,
      { caller: alice, tenantId: 'acme', ip: '10.0.0.1', data: { name: 'g', q: 'x', id: 'g1' } }, // path parameters win
      { trace, timeoutMs: undefined },
    );
  });

  it('lets a read be retried on another instance, never a write', async () => {
    const { dispatcher, rpc } = dispatcherWith({ id: 'g1' });
    await dispatcher.dispatch(route('GET'), request(), admission);
    expect(rpc.request.mock.calls[0][2]).toEqual({ trace, timeoutMs: undefined, ...RETRY_SAFE });
    await dispatcher.dispatch(route('DELETE'), request(), admission);
    expect(rpc.request.mock.calls[1][2]).toEqual({ trace, timeoutMs: undefined });
  });

  it("gives a route the deadline GATEWAY_ROUTE_TIMEOUTS sets for it, other routes RPC_TIMEOUT_MS (the client's default)", async () => {
    const { dispatcher, rpc } = dispatcherWith({ id: 'g1' }, undefined, 'GET /api/v1/:tenant/groups/:id=12000, POST /api/v1/tenants=100');
    await dispatcher.dispatch(route('GET'), request(), admission);
    expect(rpc.request.mock.calls[0][2]).toMatchObject({ timeoutMs: 12000 });
    await dispatcher.dispatch(route('DELETE'), request(), admission);
    expect(rpc.request.mock.calls[1][2]).toEqual({ trace, timeoutMs: undefined });
  });

  it("answers 204 when the service returns nothing, else the route's status (200 by default)", async () => {
    expect(await dispatcherWith(undefined).dispatcher.dispatch(route('DELETE'), request(), admission)).toEqual({ status: 204, body: undefined });
    expect(await dispatcherWith(null).dispatcher.dispatch(route('POST', 201), request(), admission)).toEqual({ status: 204, body: undefined });
    expect(await dispatcherWith({ a: 1 }).dispatcher.dispatch(route('GET'), request(), admission)).toEqual({ status: 200, body: { a: 1 } });
  });

  it('refuses a body that is not a JSON object, or nested too deep, with a 400 before calling the service', async () => {
    const { dispatcher, rpc } = dispatcherWith({ id: 'g1' });
    for (const body of [[1, 2], 'text', 42]) {
      await expect(dispatcher.dispatch(route('POST'), request({ body }), admission)).rejects.toMatchObject({ problem: { status: 400 } });
    }
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 40; i++) deep = { deep };
    await expect(dispatcher.dispatch(route('POST'), request({ body: deep }), admission)).rejects.toBeInstanceOf(ProblemException);
    expect(rpc.request).not.toHaveBeenCalled();
    await dispatcher.dispatch(route('POST'), request({ body: null }), admission);
    expect(rpc.request).toHaveBeenCalledTimes(1);
  });

  it('refuses an upstream route (those go to the proxy)', async () => {
    const { dispatcher } = dispatcherWith({ id: 'g1' });
    const upstream = { ...route('GET'), target: { upstream: 'flows', baseUrl: 'http://flows', timeoutMs: 1000 } };
    await expect(dispatcher.dispatch(upstream, request(), admission)).rejects.toThrow('targets an upstream');
  });

  it('runs a keyed write through the idempotency store, with the ticket in the envelope, and marks a replay', async () => {
    const ticket: IdempotencyTicket = idempotencyTicket(['s'], 'k', {});
    let scope: KeyedScope | undefined;
    const { dispatcher, rpc, store } = dispatcherWith({ id: 'g1' }, async (s, _key, _body, execute) => {
      scope = s;
      return { outcome: await execute(ticket, () => undefined), replayed: true };
    });
    const result = await dispatcher.dispatch(route('POST', 201), request({ headers: { 'idempotency-key': 'key-1' }, body: { name: 'g' } }), admission);
    expect(result).toEqual({ status: 201, body: { id: 'g1' }, replayed: true });
    expect(store.run.mock.calls[0].slice(1, 3)).toEqual(['key-1', { name: 'g' }]);
    expect(scope).toEqual({ subjectId: 'alice', method: 'POST', route: '/api/v1/:tenant/groups/:id', params: { tenant: 'acme', id: 'g1' } });
    expect(rpc.request.mock.calls[0][1]).toMatchObject({ idempotency: ticket, caller: alice });
  });

  it("answers a keyed write's stored refusal as a result, and an empty answer as 204", async () => {
    const problem = new ProblemException(409, 'conflict', 'taken').problem;
    const refused = dispatcherWith(undefined, async () => ({ outcome: { kind: 'problem', problem } as IdempotencyOutcome, replayed: true }));
    expect(await refused.dispatcher.dispatch(route('POST'), request({ headers: { 'idempotency-key': 'k' } }), admission)).toEqual({
      status: 409, body: problem, replayed: true,
    });
    const empty = dispatcherWith(undefined, async (_s, _k, _b, execute) => ({ outcome: await execute(idempotencyTicket(['s'], 'k', {}), () => undefined), replayed: false }));
    expect(await empty.dispatcher.dispatch(route('POST'), request({ headers: { 'idempotency-key': 'k' } }), admission)).toEqual({
      status: 204, body: undefined, replayed: false,
    });
  });

  it('ignores an Idempotency-Key on a read', async () => {
    const { dispatcher, store } = dispatcherWith({ id: 'g1' });
    await dispatcher.dispatch(route('GET'), request({ headers: { 'idempotency-key': 'k' } }), admission);
    expect(store.run).not.toHaveBeenCalled();
  });
});
