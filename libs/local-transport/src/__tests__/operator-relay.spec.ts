import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Msg, NatsConnection } from 'nats';
import type { OperatorReplyFrame } from '@gatehouse/contracts';
import { staleSocket } from '@gatehouse/testing';
import { InProcessBroker } from '../in-process-broker';
import { OperatorRelay, OperatorRelayOptions } from '../operator-relay';
import { FrameReader } from '../operator-socket-frames';

const SERVICES = ['identity', 'tenancy'];
const b64 = (text: string) => Buffer.from(text).toString('base64');
const text = (frame: OperatorReplyFrame) => ('data' in frame ? Buffer.from(frame.data, 'base64').toString() : undefined);

/** A raw client of the socket: writes bytes, reads reply frames. */
class RawClient {
  readonly frames: OperatorReplyFrame[] = [];
  readonly closed: Promise<void>;
  private readonly reader = new FrameReader(64 * 1024 * 1024);
  private waiting?: () => void;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) this.frames.push(JSON.parse(frame) as OperatorReplyFrame);
      this.waiting?.();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static connect(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.once('error', reject);
      socket.once('connect', () => resolve(new RawClient(socket)));
    });
  }

  send(line: string | Buffer): void {
    this.socket.write(line);
  }

  request(frame: Record<string, unknown>): void {
    this.send(`${JSON.stringify(frame)}\n`);
  }

  async waitFor(count: number, timeoutMs = 3000): Promise<OperatorReplyFrame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < count) {
      if (Date.now() > deadline) throw new Error(`got ${this.frames.length} frames of ${count}: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 20);
      });
    }
    return this.frames.slice(0, count);
  }

  end(): void {
    this.socket.destroy();
  }
}

describe('OperatorRelay', () => {
  let dir: string;
  let path: string;
  let broker: InProcessBroker;
  let service: NatsConnection;
  let relay: OperatorRelay | undefined;
  const clients: RawClient[] = [];
  /** What was published on the broker, replies to the relay's inbox left out. */
  const seen: string[] = [];

  const start = async (options: Partial<OperatorRelayOptions> = {}) => {
    relay = await OperatorRelay.listen({ path, connection: await broker.connect({ inboxPrefix: '_INBOX_cli' }), services: SERVICES, ...options });
    return relay;
  };
  const client = async () => {
    const raw = await RawClient.connect(path);
    clients.push(raw);
    return raw;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-relay-'));
    path = join(dir, 'operator.sock');
    broker = new InProcessBroker();
    service = await broker.connect({ inboxPrefix: '_INBOX_identity' });
    seen.length = 0;
    const publish = broker.publish.bind(broker);
    jest.spyOn(broker, 'publish').mockImplementation((message) => {
      if (!/^_INBOX_cli\.[0-9a-f-]{36}$/.test(message.subject)) seen.push(message.subject);
      publish(message);
    });
    service.subscribe('identity.echo.v1', {
      queue: 'identity',
      callback: (_e, m: Msg) => m.respond(JSON.stringify({ got: m.string(), requestId: m.headers?.get('x-request-id') ?? null })),
    });
    service.subscribe('identity.slow.v1', { queue: 'identity', callback: (_e, m: Msg) => setTimeout(() => m.respond('late'), 200) });
    service.subscribe('identity.never.v1', { queue: 'identity', callback: () => undefined });
    for (const subject of ['$JS.API.INFO', '_INBOX.x', '_INBOX_cli.x', 'broadcast.authorization.invalidate.v1', 'gateway.x.v1', 'events.identity.user.created.v1']) {
      service.subscribe(subject, { callback: (_e, m: Msg) => m.respond('should never be reached') });
    }
  });

  afterEach(async () => {
    for (const raw of clients.splice(0)) raw.end();
    await relay?.close();
    relay = undefined;
    broker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates an owner-only socket, relays a request with its headers, answers with the reply, and removes the socket when closed', async () => {
    await start();
    expect(statSync(path).isSocket()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const raw = await client();
    raw.request({ id: 7, subject: 'identity.echo.v1', data: b64('hello'), headers: { 'x-request-id': ['r-1'] }, timeoutMs: 1000 });
    const [reply] = await raw.waitFor(1);
    expect(reply.id).toBe(7);
    expect(JSON.parse(text(reply) ?? '')).toEqual({ got: 'hello', requestId: 'r-1' });
    await relay?.close();
    relay = undefined;
    expect(existsSync(path)).toBe(false);
  });

  it('answers requests nobody serves with the NATS no-responders code, and unanswered ones with TIMEOUT', async () => {
    await start();
    const raw = await client();
    raw.request({ id: 1, subject: 'identity.nobody.v1', data: '' });
    raw.request({ id: 2, subject: 'identity.never.v1', data: '', timeoutMs: 50 });
    const frames = await raw.waitFor(2);
    expect(frames).toContainEqual({ id: 1, error: { code: '503', message: expect.any(String) } });
    expect(frames).toContainEqual({ id: 2, error: { code: 'TIMEOUT', message: expect.stringContaining('50 ms') } });
  });

  it('caps the wait a request asks for', async () => {
    await start({ maxTimeoutMs: 50 });
    const raw = await client();
    raw.request({ id: 1, subject: 'identity.never.v1', data: '', timeoutMs: 3_600_000 });
    const [reply] = await raw.waitFor(1, 1000);
    expect(reply).toMatchObject({ id: 1, error: { code: 'TIMEOUT' } });
  });

  it.each([
    '$JS.API.INFO', '_INBOX.x', '_INBOX_cli.x', 'broadcast.authorization.invalidate.v1', 'gateway.x.v1', 'events.identity.user.created.v1',
    'identity', 'identity.>', 'identity.*.v1', 'identity..v1', 'identity.echo.v1 ', 'authorization.roles.list.v1', `identity.${'a'.repeat(300)}`,
  ])('refuses %j (only the given services\' request subjects are relayed), and nothing reaches the broker', async (subject) => {
    await start();
    const raw = await client();
    raw.request({ id: 3, subject, data: b64('x') });
    const [reply] = await raw.waitFor(1);
    expect(reply).toMatchObject({ id: 3, error: { code: 'SUBJECT_REFUSED', message: expect.stringContaining('identity.<...>, tenancy.<...>') } });
    expect(seen).toEqual([]);
  });

  it.each([
    ['not JSON', '{"id": 1,', null],
    ['an array', '[1, 2]', null],
    ['null', 'null', null],
    ['a string', '"identity.echo.v1"', null],
    ['no id', JSON.stringify({ subject: 'identity.echo.v1', data: '' }), null],
    ['a negative id', JSON.stringify({ id: -1, subject: 'identity.echo.v1', data: '' }), null],
    ['a fractional id', JSON.stringify({ id: 1.5, subject: 'identity.echo.v1', data: '' }), null],
    ['an id string', JSON.stringify({ id: '1', subject: 'identity.echo.v1', data: '' }), null],
    ['no subject', JSON.stringify({ id: 4, data: '' }), 4],
    ['a subject number', JSON.stringify({ id: 4, subject: 42, data: '' }), 4],
    ['no data', JSON.stringify({ id: 4, subject: 'identity.echo.v1' }), 4],
    ['data not base64', JSON.stringify({ id: 4, subject: 'identity.echo.v1', data: 'not base64!' }), 4],
    ['data of a bad length', JSON.stringify({ id: 4, subject: 'identity.echo.v1', data: 'abc' }), 4],
    ['headers a list', JSON.stringify({ id: 4, subject: 'identity.echo.v1', data: '', headers: ['a'] }), 4],
    ['a header value object', JSON.stringify({ id: 4, subject: 'identity.echo.v1', data: '', headers: { a: [{}] } }), 4],
    ['a header with a newline', JSON.stringify({ id: 4, subject: 'identity.echo.v1', data: '', headers: { a: ['x\r\nb: y'] } }), 4],
    ['a header name NATS refuses', JSON.stringify({ id: 4, subject: 'identity.echo.v1', data: '', headers: { 'a b:': ['x'] } }), 4],
    ['too many headers', JSON.stringify({ id: 4, subject: 'identity.echo.v1', data: '', headers: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`h${i}`, ['x']])) }), 4],
    ['a negative timeout', JSON.stringify({ id: 4, subject: 'identity.echo.v1', data: '', timeoutMs: -5 }), 4],
    ['a timeout string', JSON.stringify({ id: 4, subject: 'identity.echo.v1', data: '', timeoutMs: '5' }), 4],
  ])('answers a frame with %s with BAD_FRAME and keeps serving the connection', async (_what, line, id) => {
    await start();
    const raw = await client();
    raw.send(`${line}\n`);
    raw.request({ id: 9, subject: 'identity.echo.v1', data: b64('still here') });
    const [refusal, reply] = await raw.waitFor(2);
    expect(refusal).toMatchObject({ id, error: { code: 'BAD_FRAME' } });
    expect(JSON.parse(text(reply) ?? '')).toMatchObject({ got: 'still here' });
    expect(seen).toEqual(['identity.echo.v1']);
  });

  it('hangs up on a frame over the size limit, after saying so; other connections carry on', async () => {
    await start({ maxFrameBytes: 4096 });
    const other = await client();
    const raw = await client();
    raw.send(Buffer.alloc(3000, 'a'));
    raw.send(Buffer.alloc(3000, 'b'));
    await raw.closed;
    expect(raw.frames).toEqual([{ id: null, error: { code: 'FRAME_TOO_LARGE', message: 'frames are limited to 4096 bytes' } }]);
    other.request({ id: 1, subject: 'identity.echo.v1', data: b64('fine') });
    expect(JSON.parse(text((await other.waitFor(1))[0]) ?? '')).toMatchObject({ got: 'fine' });
  });

  it('refuses an answer over the size limit with FRAME_TOO_LARGE for that request', async () => {
    await start({ maxFrameBytes: 4096 });
    service.subscribe('identity.big.v1', { queue: 'identity', callback: (_e, m: Msg) => m.respond(Buffer.alloc(5000, 'x')) });
    const raw = await client();
    raw.request({ id: 5, subject: 'identity.big.v1', data: '' });
    expect((await raw.waitFor(1))[0]).toMatchObject({ id: 5, error: { code: 'FRAME_TOO_LARGE' } });
  });

  it('refuses requests past the in-flight limit of a connection with BUSY', async () => {
    await start({ maxInFlight: 2 });
    const raw = await client();
    for (const id of [1, 2, 3]) raw.request({ id, subject: 'identity.slow.v1', data: '' });
    const frames = await raw.waitFor(3);
    expect(frames[0]).toMatchObject({ id: 3, error: { code: 'BUSY' } });
    expect(frames.slice(1).map((f) => [f.id, text(f)])).toEqual([[1, 'late'], [2, 'late']]);
  });

  it('survives random bytes, random chunking and mutated frames on many connections, and still relays', async () => {
    await start({ maxFrameBytes: 2048 });
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const valid = JSON.stringify({ id: 1, subject: 'identity.echo.v1', data: b64('x'), headers: { 'x-request-id': ['r'] }, timeoutMs: 100 });
    for (let round = 0; round < 40; round++) {
      const raw = await client();
      const parts: Buffer[] = [];
      for (let i = 0; i < 20; i++) {
        const kind = random();
        if (kind < 0.4) {
          parts.push(Buffer.from(Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256))));
        } else {
          // a valid frame with a few characters replaced
          const chars = [...valid];
          for (let k = 0; k < 3; k++) chars[Math.floor(random() * chars.length)] = String.fromCharCode(Math.floor(random() * 128));
          parts.push(Buffer.from(chars.join('')));
        }
        parts.push(Buffer.from('\n'));
      }
      const bytes = Buffer.concat(parts);
      for (let offset = 0; offset < bytes.length; ) {
        const size = 1 + Math.floor(random() * 200);
        raw.send(bytes.subarray(offset, offset + size));
        offset += size;
      }
      await new Promise((r) => setTimeout(r, 10));
      raw.end(); // the relay takes a limited number of connections at a time
    }
    await new Promise((r) => setTimeout(r, 300));
    for (const raw of clients) for (const frame of raw.frames) expect(typeof frame).toBe('object');
    expect(seen.every((subject) => SERVICES.includes(subject.split('.')[0]))).toBe(true);
    const raw = await client();
    raw.request({ id: 1, subject: 'identity.echo.v1', data: b64('after the storm') });
    expect(JSON.parse(text((await raw.waitFor(1))[0]) ?? '')).toMatchObject({ got: 'after the storm' });
  });

  it('replaces a stale socket left by a crash', async () => {
    await staleSocket(path);
    expect(statSync(path).isSocket()).toBe(true);
    await start();
    const raw = await client();
    raw.request({ id: 1, subject: 'identity.echo.v1', data: b64('new') });
    expect(JSON.parse(text((await raw.waitFor(1))[0]) ?? '')).toMatchObject({ got: 'new' });
  });

  it('refuses to take over a socket someone listens on, or to remove a file that is not a socket', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      await expect(start()).rejects.toThrow(`another process listens on ${path}`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    writeFileSync(path, 'my notes');
    await expect(start()).rejects.toThrow(`${path} exists and is not a socket`);
    expect(statSync(path).isFile()).toBe(true);
  });

  it('refuses a path longer than a Unix socket path can hold (Node would cut it short)', async () => {
    const long = join(dir, `${'x'.repeat(120)}.sock`);
    await expect(start({ path: long })).rejects.toThrow('more than a Unix socket path can hold');
    expect(existsSync(long)).toBe(false);
  });
});

describe('FrameReader', () => {
  it('splits frames across chunks and refuses an unfinished frame past the limit', () => {
    const reader = new FrameReader(10);
    expect(reader.push(Buffer.from('ab'))).toEqual([]);
    expect(reader.push(Buffer.from('c\nde\n\nf'))).toEqual(['abc', 'de', '']);
    expect(reader.push(Buffer.from('g\n'))).toEqual(['fg']);
    expect(() => reader.push(Buffer.from('0123456789x'))).toThrow('larger than 10 bytes');
  });
});
