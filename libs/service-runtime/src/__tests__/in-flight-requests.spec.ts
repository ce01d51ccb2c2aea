import { CALL_ID_HEADER, inFlightProbeSubject } from '@gatehouse/contracts';
import { NatsClient, natsConnectionOptions } from '@gatehouse/messaging';
import { startTestNats } from '@gatehouse/testing';
import { CallHandler, ExecutionContext } from '@nestjs/common';
import { JSONCodec } from 'nats';
import { lastValueFrom, Subject, throwError } from 'rxjs';
import { InFlightRequests } from '../draining-nats-server';

/** The execution context of a NATS request carrying `headers`. */
const rpcWith = (headers: Record<string, string>) =>
  ({ getType: () => 'rpc', switchToRpc: () => ({ getContext: () => ({ getHeaders: () => ({ get: (name: string) => headers[name] }) }) }) }) as unknown as ExecutionContext;
const rpc = rpcWith({});
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

  it("answers an in-flight probe (real NATS) for a call it is running, and stays silent once it has answered or for another call", async () => {
    const nats = await startTestNats('nats://127.0.0.1:4222');
    const client = new NatsClient();
    await client.connect(natsConnectionOptions({ NATS_URL: nats.url }, 'unit-probes'));
    const codec = JSONCodec();
    try {
      const tracker = new InFlightRequests();
      const sub = tracker.answerProbes(client, 'probed');
      const reply = new Subject<string>();
      const answered = lastValueFrom(tracker.intercept(rpcWith({ [CALL_ID_HEADER]: 'call-1' }), { handle: () => reply } as CallHandler));
      const ask = (callId: string) =>
        client.nc.request(inFlightProbeSubject('probed'), codec.encode({ callId }), { timeout: 300 }).then((m) => codec.decode(m.data), (e: { code?: string }) => e.code);
      expect(await ask('call-1')).toEqual({ running: true });
      expect(await ask('call-2')).toBe('TIMEOUT');
      reply.next('done');
      reply.complete();
      await answered;
      expect(await ask('call-1')).toBe('TIMEOUT');
      sub.unsubscribe();
    } finally {
      await client.onApplicationShutdown();
      await nats.stop();
    }
  }, 20_000);
});
