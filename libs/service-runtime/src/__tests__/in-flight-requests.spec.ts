import { CallHandler, ExecutionContext } from '@nestjs/common';
import { lastValueFrom, Subject, throwError } from 'rxjs';
import { InFlightRequests } from '../draining-nats-server';

const rpc = { getType: () => 'rpc' } as unknown as ExecutionContext;
const http = { getType: () => 'http' } as unknown as ExecutionContext;

describe('InFlightRequests', () => {
  it('counts an RPC handler until it answers, and wakes idle() waiters then', async () => {
    const tracker = new InFlightRequests();
    const reply = new Subject<string>();
    const answered = lastValueFrom(tracker.intercept(rpc, { handle: () => reply } as CallHandler));
    expect(tracker.pending).toBe(1);
    let idle: boolean | undefined;
    const waiting = tracker.idle(5000).then((v) => (idle = v));
    await Promise.resolve();
    expect(idle).toBeUndefined();
    reply.next('done');
    reply.complete();
    await expect(answered).resolves.toBe('done');
    await waiting;
    expect(idle).toBe(true);
    expect(tracker.pending).toBe(0);
  });

  it('stops counting a failed handler too, and ignores HTTP requests', async () => {
    const tracker = new InFlightRequests();
    await expect(lastValueFrom(tracker.intercept(rpc, { handle: () => throwError(() => new Error('x')) }))).rejects.toThrow('x');
    tracker.intercept(http, { handle: () => new Subject() }).subscribe();
    expect(tracker.pending).toBe(0);
    await expect(tracker.idle(10)).resolves.toBe(true);
  });

  it('gives up waiting after the timeout', async () => {
    const tracker = new InFlightRequests();
    tracker.intercept(rpc, { handle: () => new Subject() }).subscribe();
    await expect(tracker.idle(20)).resolves.toBe(false);
  });
});
