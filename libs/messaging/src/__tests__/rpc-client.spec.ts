import { CALL_ID_HEADER, inFlightProbeSubject, rpc } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { problemOf, startTestNats, TestNats } from '@gatehouse/testing';
import { traceContext } from '@gatehouse/logging';
import { Logger } from '@nestjs/common';
import { JSONCodec, Msg, Subscription } from 'nats';
import { NatsClient, natsConnectionOptions } from '../nats-connection';
import { RETRY_SAFE, RpcClient, TIMEOUT_HEADER } from '../rpc-client';

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

  it('runs a slow handler once per request: a call that timed out is never sent again (its handler may still be running)', async () => {
    const def = definition();
    let runs = 0;
    const sub = client.nc.subscribe(def.subject, { queue: 'unit' });
    responders.push(sub);
    void (async () => {
      for await (const msg of sub) {
        runs++;
        // A slow handler: answers after the caller's deadline.
        setTimeout(() => msg.respond(codec.encode({ response: { a: runs } })), 400);
      }
    })();
    const problem = await problemOf(rpcClient.request(def, { caller: null, data: { q: 1 } }, { ...RETRY_SAFE, timeoutMs: 150 }));
    expect(problem.status).toBe(504);
    await new Promise((r) => setTimeout(r, 700));
    expect(runs).toBe(1);
  });

  describe('an instance that dies with a call (SIGKILL) versus one that is slow', () => {
    /** Answers in-flight probes for `service` like each instance does: running if `calls` holds the id. */
    const answerProbes = (service: string, calls: Set<string>) => {
      const sub = client.nc.subscribe(inFlightProbeSubject(service), {
        callback: (_error, msg) => {
          if (calls.has((codec.decode(msg.data) as { callId: string }).callId)) msg.respond(codec.encode({ running: true }));
        },
      });
      responders.push(sub);
    };

    it('sends a repeatable call again once no instance is running it any more, and only then', async () => {
      const def = definition('identity');
      const taken: string[] = [];
      // The instance that takes the first attempt dies with it: it never answers, nor says it runs it.
      const dead = client.nc.subscribe(def.subject, { queue: 'unit', max: 1, callback: (_e, msg) => taken.push(`dead:${msg.headers?.get(CALL_ID_HEADER)}`) });
      responders.push(dead);
      answerProbes('identity', new Set());
      await client.nc.flush();
      const answer = rpcClient.request(def, { caller: null, data: { q: 1 } }, { ...RETRY_SAFE, timeoutMs: 8000 });
      await eventually(() => taken.length === 1);
      serve(def.subject, (request, msg) => (taken.push(`live:${msg.headers?.get(CALL_ID_HEADER)}`), { response: { a: 5 } }));
      await expect(answer).resolves.toEqual({ a: 5 });
      expect(taken).toHaveLength(2);
      expect(taken[1].slice(5)).toBe(taken[0].slice(5)); // the same call, sent again
    }, 15_000);

    it('waits for a slow call whose instance says it is still running it: one run, its answer', async () => {
      const def = definition('tenancy');
      const running = new Set<string>();
      let runs = 0;
      answerProbes('tenancy', running);
      const sub = client.nc.subscribe(def.subject, { queue: 'unit' });
      responders.push(sub);
      void (async () => {
        for await (const msg of sub) {
          runs++;
          const id = msg.headers?.get(CALL_ID_HEADER) ?? '';
          running.add(id);
          setTimeout(() => (running.delete(id), msg.respond(codec.encode({ response: { a: runs } }))), 2500);
        }
      })();
      await expect(rpcClient.request(def, { caller: null, data: { q: 1 } }, { ...RETRY_SAFE, timeoutMs: 8000 })).resolves.toEqual({ a: 1 });
      expect(runs).toBe(1);
    }, 15_000);
  });

  it("sends the time it will wait with the request, never more than what is left of the current request's deadline", async () => {
    const def = definition();
    const budgets: number[] = [];
    serve(def.subject, (_request, msg) => {
      budgets.push(Number(msg.headers?.get(TIMEOUT_HEADER)));
      return { response: { a: 1 } };
    });
    await rpcClient.request(def, { caller: null, data: { q: 1 } }, { timeoutMs: 3000 });
    const trace = { requestId: 'r', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', deadline: Date.now() + 800 };
    await traceContext.run(trace, () => rpcClient.request(def, { caller: null, data: { q: 1 } }, { timeoutMs: 3000 }));
    expect(budgets[0]).toBeGreaterThan(800);
    expect(budgets[0]).toBeLessThanOrEqual(3000);
    expect(budgets[1]).toBeGreaterThan(0);
    expect(budgets[1]).toBeLessThanOrEqual(800);
  });

  it('does not send a request whose deadline has already passed: 504 at once', async () => {
    const def = definition('identity');
    let runs = 0;
    serve(def.subject, () => (runs++, { response: { a: 1 } }));
    const trace = { requestId: 'r', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', deadline: Date.now() - 1 };
    const problem = await problemOf(traceContext.run(trace, () => rpcClient.request(def, { caller: null, data: { q: 1 } }, RETRY_SAFE)));
    expect(problem).toMatchObject({ status: 504, detail: expect.stringContaining('identity') });
    await new Promise((r) => setTimeout(r, 200));
    expect(runs).toBe(0);
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
