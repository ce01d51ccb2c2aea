import { deadlineLeftMs, traceContext } from '@gatehouse/logging';
import { TIMEOUT_HEADER } from '@gatehouse/messaging';
import { CallHandler, ExecutionContext } from '@nestjs/common';
import { lastValueFrom, of } from 'rxjs';
import { TraceContextInterceptor } from '../trace-context.interceptor';

/** The execution context of a NATS message carrying `headers`. */
const rpcContext = (headers: Record<string, string>): ExecutionContext =>
  ({ getType: () => 'rpc', switchToRpc: () => ({ getContext: () => ({ getHeaders: () => ({ get: (name: string) => headers[name] }) }) }) }) as unknown as ExecutionContext;

describe('TraceContextInterceptor', () => {
  const interceptor = new TraceContextInterceptor();

  it("makes the message's request id, trace and deadline current while the handler runs", async () => {
    let seen: { requestId?: string; left?: number } = {};
    const handler: CallHandler = { handle: () => (seen = { requestId: traceContext.current()?.requestId, left: deadlineLeftMs() }, of('done')) };
    await expect(lastValueFrom(interceptor.intercept(rpcContext({ 'x-request-id': 'req-9', [TIMEOUT_HEADER]: '4000' }), handler))).resolves.toBe('done');
    expect(seen.requestId).toBe('req-9');
    expect(seen.left).toBeGreaterThan(0);
    expect(seen.left).toBeLessThanOrEqual(4000);
  });

  it('leaves the deadline open when the message carries none', async () => {
    let left = 0;
    const handler: CallHandler = { handle: () => ((left = deadlineLeftMs()), of(1)) };
    await lastValueFrom(interceptor.intercept(rpcContext({}), handler));
    expect(left).toBe(Infinity);
  });

  it('does not start a handler whose caller has already stopped waiting', async () => {
    const handle = jest.fn(() => of(1));
    await expect(lastValueFrom(interceptor.intercept(rpcContext({ [TIMEOUT_HEADER]: '0' }), { handle }))).rejects.toMatchObject({ problem: { status: 504 } });
    expect(handle).not.toHaveBeenCalled();
  });
});
