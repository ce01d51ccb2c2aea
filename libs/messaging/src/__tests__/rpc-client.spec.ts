import { rpc } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { problemOf, startTestNats, TestNats } from '@gatehouse/testing';
import { Logger } from '@nestjs/common';
import { JSONCodec, Msg, Subscription } from 'nats';
import { NatsClient, natsConnectionOptions } from '../nats-connection';
import { RpcClient } from '../rpc-client';

const codec = JSONCodec();
let subjects = 0;

describe('RpcClient and NatsClient against a real nats-server', () => {
  let nats: TestNats;
  let client: NatsClient;
  let rpcClient: RpcClient;
  let responders: Subscription[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(['fatal']);
    nats = await startTestNats('nats://127.0.0.1:4222');
    client = new NatsClient();
    await client.connect(natsConnectionOptions({ NATS_URL: nats.url }, 'unit'));
    rpcClient = new RpcClient(client);
  }, 30_000);

  afterAll(async () => {
    await client?.onApplicationShutdown();
    await nats?.stop();
  });

  afterEach(() => {
    for (const s of responders) s.unsubscribe();
    responders = [];
  });

  /** A new subject per test (`<service>.unit<n>.v1`), so a late message of one test never reaches another. */
  const definition = (service = 'authorization') => rpc<{ q: number }, { a: number }>(`${service}.unit${++subjects}.v1`);

  /** Serves `subject` like a NestJS handler (queue group); `answer` returns the reply, or undefined to stay silent. */
  const serve = (subject: string, answer: (request: { pattern: string; data: unknown; id: string }, msg: Msg) => unknown) => {
    const sub = client.nc.subscribe(subject, { queue: 'unit' });
    responders.push(sub);
    void (async () => {
      for await (const msg of sub) {
        const reply = answer(codec.decode(msg.data) as never, msg);
        if (reply !== undefined) msg.respond(codec.encode(reply));
      }
    })();
    return sub;
  };

  const eventually = async (probe: () => boolean, timeoutMs = 5000) => {
    for (const deadline = Date.now() + timeoutMs; !probe(); await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    }
  };

  it('speaks the NestJS wire format both ways and passes the request id on', async () => {
    const def = definition();
    const seen: Array<{ pattern: string; data: unknown; id: string; requestId?: string }> = [];
    serve(def.subject, (request, msg) => {
      seen.push({ ...request, requestId: msg.headers?.get('x-request-id') });
      return { response: { a: (request.data as { data: { q: number } }).data.q * 2 }, isDisposed: true };
    });
    const answer = await rpcClient.request(def, { caller: null, tenantId: null, data: { q: 21 } }, { requestId: 'req-1' });
    expect(answer).toEqual({ a: 42 });
    expect(seen).toEqual([{ pattern: def.subject, data: { caller: null, tenantId: null, data: { q: 21 } }, id: expect.any(String), requestId: 'req-1' }]);
  });

  it('internal() calls as the service itself, addressing the given tenant', async () => {
    const def = definition();
    let envelope: unknown;
    serve(def.subject, (request) => {
      envelope = request.data;
      return { response: { a: 1 } };
    });
    await rpcClient.internal('tenancy', def, { q: 1 }, 'acme');
    expect(envelope).toEqual({ caller: { type: 'SERVICE', id: 'tenancy', via: 'internal' }, tenantId: 'acme', data: { q: 1 } });
  });

  it('turns a problem from the handler into the same problem, and never retries it', async () => {
    const def = definition();
    let calls = 0;
    serve(def.subject, () => {
      calls++;
      return { err: ProblemException.conflict('Tenant "x" already exists').problem };
    });
    const problem = await problemOf(rpcClient.request(def, { caller: null, data: { q: 1 } }, { retries: 2 }));
    expect(problem).toMatchObject({ status: 409, detail: 'Tenant "x" already exists' });
    expect(calls).toBe(1);
  });

  it('answers 500 for an error that is not a problem, without leaking it', async () => {
    const def = definition();
    serve(def.subject, () => ({ err: { message: 'TypeError: x is undefined', stack: 'at secret.ts' } }));
    const problem = await problemOf(rpcClient.request(def, { caller: null, data: { q: 1 } }));
    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem)).not.toContain('secret.ts');
  });

  it('answers 503 naming the service when nobody serves the subject, at once without retries', async () => {
    const started = Date.now();
    const problem = await problemOf(rpcClient.request(definition('identity'), { caller: null, data: { q: 1 } }, { timeoutMs: 3000 }));
    expect(problem).toMatchObject({ status: 503, detail: expect.stringContaining('identity') });
    expect(Date.now() - started).toBeLessThan(2500); // not the 3 s a timeout would take
  });

  it('with retries, waits for a responder that comes up meanwhile (a restarting service)', async () => {
    const def = definition();
    setTimeout(() => serve(def.subject, () => ({ response: { a: 7 } })), 30);
    await expect(rpcClient.request(def, { caller: null, data: { q: 1 } }, { retries: 2, timeoutMs: 1000 })).resolves.toEqual({ a: 7 });
  });

  it('answers 504 when the responder stays silent, after exactly one attempt without retries', async () => {
    const def = definition('tenancy');
    let calls = 0;
    serve(def.subject, () => void calls++);
    const problem = await problemOf(rpcClient.request(def, { caller: null, data: { q: 1 } }, { timeoutMs: 150 }));
    expect(problem).toMatchObject({ status: 504, detail: expect.stringContaining('tenancy') });
    await eventually(() => calls === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toBe(1);
  });

  it('retries a timed-out call (an instance that died mid-request) and gives up after retries + 1 attempts', async () => {
    const def = definition();
    let calls = 0;
    serve(def.subject, () => (++calls === 1 ? undefined : { response: { a: calls } }));
    await expect(rpcClient.request(def, { caller: null, data: { q: 1 } }, { retries: 1, timeoutMs: 500 })).resolves.toEqual({ a: 2 });

    const silent = definition();
    let attempts = 0;
    serve(silent.subject, () => void attempts++);
    expect((await problemOf(rpcClient.request(silent, { caller: null, data: { q: 1 } }, { retries: 2, timeoutMs: 100 }))).status).toBe(504);
    await eventually(() => attempts === 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(attempts).toBe(3);
  });

  it('uses the configured default timeout when the call names none', async () => {
    const def = definition();
    serve(def.subject, () => undefined);
    const slow = new RpcClient(client);
    slow.defaultTimeoutMs = 120;
    const started = Date.now();
    expect((await problemOf(slow.request(def, { caller: null, data: { q: 1 } }))).status).toBe(504);
    expect(Date.now() - started).toBeLessThan(2500); // not the 5 s of the class default
  });

  it('NatsClient tells reconnect listeners when the connection comes back, even if one of them fails', async () => {
    const other = new NatsClient();
    expect(other.isReady()).toBe(false);
    expect(() => other.nc).toThrow(/before it was opened/);
    await other.connect(natsConnectionOptions({ NATS_URL: nats.url }, 'unit-reconnect'));
    try {
      expect(other.isReady()).toBe(true);
      const heard: string[] = [];
      other.onReconnect(() => {
        throw new Error('listener failed');
      });
      other.onReconnect(async () => {
        heard.push('async');
        throw new Error('async listener failed');
      });
      other.onReconnect(() => heard.push('sync'));
      await nats.restart();
      for (let i = 0; i < 100 && heard.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect(heard.sort()).toEqual(['async', 'sync']);
      expect(other.isReady()).toBe(true);
    } finally {
      await other.onApplicationShutdown();
    }
    expect(other.isReady()).toBe(false);
  }, 20_000);
});
