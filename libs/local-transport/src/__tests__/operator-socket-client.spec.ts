import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rpc } from '@gatehouse/contracts';
import { NatsClient, RpcClient } from '@gatehouse/messaging';
import { problemOf, staleSocket } from '@gatehouse/testing';
import { Logger } from '@nestjs/common';
import { ErrorCode, headers, JSONCodec, Msg, NatsConnection, NatsError } from 'nats';
import { InProcessBroker } from '../in-process-broker';
import { OperatorRelay } from '../operator-relay';
import { connectOperatorSocket } from '../operator-socket-client';

const codec = JSONCodec<Record<string, unknown>>();
const echo = rpc<{ say: string }, { said: string; caller: unknown; tenantId: unknown }>('identity.echo.v1');
const refused = rpc<Record<string, never>, unknown>('identity.refuse.v1');
const silent = rpc<Record<string, never>, unknown>('identity.silent.v1');
const missing = rpc<Record<string, never>, unknown>('tenancy.nobody.v1');

/** A fake relay that answers every request frame with `reply(frame)` written as is. */
async function fakeRelay(path: string, reply: (line: string, socket: Socket) => void): Promise<Server> {
  const server = createServer((socket) => socket.on('data', (chunk) => reply(chunk.toString(), socket)));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

describe('connectOperatorSocket (the CLI end of the operator socket)', () => {
  let dir: string;
  let path: string;
  let broker: InProcessBroker;
  let relay: OperatorRelay | undefined;
  let client: NatsClient | undefined;
  let server: Server | undefined;

  beforeAll(() => Logger.overrideLogger(['fatal']));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-sock-'));
    path = join(dir, 'operator.sock');
    broker = new InProcessBroker();
    const service = await broker.connect({ inboxPrefix: '_INBOX_identity' });
    // NestJS's wire format, as a service's handler answers: {pattern, data, id} in, {response | err, id} out
    service.subscribe('identity.>', {
      queue: 'identity',
      callback: (_e, m: Msg) => {
        const request = codec.decode(m.data) as { pattern: string; id: string; data: { caller: unknown; tenantId: unknown; data: { say?: string } } };
        if (request.pattern === echo.subject) {
          const { caller, tenantId, data } = request.data;
          m.respond(codec.encode({ id: request.id, isDisposed: true, response: { said: `${data.say} (${m.headers?.get('x-request-id')})`, caller, tenantId } }));
        } else if (request.pattern === refused.subject) {
          m.respond(codec.encode({ id: request.id, isDisposed: true, err: { type: 'about:blank', title: 'Conflict', status: 409, detail: 'exists already' } }));
        }
      },
    });
    relay = await OperatorRelay.listen({ path, connection: await broker.connect({ inboxPrefix: '_INBOX_cli' }), services: ['identity', 'tenancy'] });
  });

  afterEach(async () => {
    await client?.nc.close().catch(() => undefined);
    client = undefined;
    await relay?.close();
    relay = undefined;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    broker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rpcOver = async (socketPath = path) => {
    client = new NatsClient(() => connectOperatorSocket(socketPath));
    await client.connect({});
    return new RpcClient(client);
  };

  it('carries RpcClient requests unchanged: envelope, headers, replies and problems', async () => {
    const rpcClient = await rpcOver();
    const caller = { type: 'SERVICE' as const, id: 'cli', via: 'internal' as const };
    const answer = await rpcClient.request(echo, { caller, tenantId: 'prod', data: { say: 'hi' } }, { requestId: 'req-1' });
    expect(answer).toEqual({ said: 'hi (req-1)', caller, tenantId: 'prod' });
    expect(await problemOf(rpcClient.request(refused, { caller, data: {} }))).toMatchObject({ status: 409, detail: 'exists already' });
    expect(client?.isReady()).toBe(true);
  });

  it('keeps the transport problems of NATS: no responders → 503, no answer in time → 504', async () => {
    const rpcClient = await rpcOver();
    expect(await problemOf(rpcClient.request(missing, { caller: null, data: {} }))).toMatchObject({ status: 503, detail: 'The tenancy service is not available; try again shortly' });
    expect(await problemOf(rpcClient.request(silent, { caller: null, data: {} }, { timeoutMs: 50 }))).toMatchObject({ status: 504, detail: 'The identity service did not answer in time' });
  });

  it('answers several requests in flight on one connection, each with its own reply', async () => {
    const rpcClient = await rpcOver();
    const answers = await Promise.all(['a', 'b', 'c', 'd'].map((say) => rpcClient.request(echo, { caller: null, data: { say } })));
    expect(answers.map((a) => a.said.slice(0, 1))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('fails to connect with the socket\'s own error: nothing there (ENOENT), nobody listening (ECONNREFUSED), a path too long', async () => {
    await expect(connectOperatorSocket(join(dir, 'nope.sock'))).rejects.toMatchObject({ code: 'ENOENT' });
    const stale = join(dir, 'stale.sock');
    await staleSocket(stale);
    await expect(connectOperatorSocket(stale)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(connectOperatorSocket(join(dir, `${'x'.repeat(120)}.sock`))).rejects.toMatchObject({ code: 'ENAMETOOLONG' });
  });

  it('fails the requests in flight when local mode stops, and refuses new ones', async () => {
    const rpcClient = await rpcOver();
    const pending = problemOf(rpcClient.request(silent, { caller: null, data: {} }, { timeoutMs: 1000 }));
    await new Promise((r) => setTimeout(r, 50));
    await relay?.close();
    relay = undefined;
    expect(await pending).toMatchObject({ status: 503, detail: 'The identity service could not be reached' });
    expect(client?.nc.isClosed()).toBe(true);
    expect(await problemOf(rpcClient.request(echo, { caller: null, data: { say: 'again' } }))).toMatchObject({ status: 503 });
  });

  it('drain waits for the requests in flight, then closes', async () => {
    const rpcClient = await rpcOver();
    const answer = rpcClient.request(echo, { caller: null, data: { say: 'last' } }, { requestId: 'r' });
    await client?.nc.drain();
    expect((await answer).said).toBe('last (r)');
    expect(client?.nc.isClosed()).toBe(true);
  });

  it.each([
    ['a frame that is not JSON', 'nonsense\n'],
    ['a frame without data', '{"id":0}\n'],
    ['an error frame without a code', '{"id":0,"error":{}}\n'],
    ['an error about no request in particular', '{"id":null,"error":{"code":"FRAME_TOO_LARGE","message":"too big"}}\n'],
  ])('fails the request, without throwing anywhere else, on %s from the relay', async (_what, line) => {
    await relay?.close();
    relay = undefined;
    server = await fakeRelay(path, (_line, socket) => socket.write(line));
    const nc = await connectOperatorSocket(path);
    const error = await nc.request('identity.x.v1', '', { timeout: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NatsError);
    expect(nc.isClosed()).toBe(true);
  });

  it('maps the relay\'s error codes back to the NATS client\'s, and refusals to errors of their own', async () => {
    const nc: NatsConnection = await connectOperatorSocket(path);
    try {
      const noResponders = await nc.request('tenancy.nobody.v1', '', { timeout: 1000 }).catch((e: NatsError) => e);
      expect((noResponders as NatsError).code).toBe(ErrorCode.NoResponders);
      const timeout = await nc.request('identity.silent.v1', '', { timeout: 30 }).catch((e: NatsError) => e);
      expect((timeout as NatsError).code).toBe(ErrorCode.Timeout);
      const refusal = await nc.request('$JS.API.INFO', '', { timeout: 1000, headers: headers() }).catch((e: NatsError) => e);
      expect(refusal).toMatchObject({ code: 'SUBJECT_REFUSED', message: expect.stringContaining('operator socket: only requests to the services') });
    } finally {
      await nc.close();
    }
  });
});
