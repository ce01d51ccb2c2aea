import { createConnection, Socket } from 'node:net';
import { ErrorCode, JSONCodec, Msg, MsgHdrs, NatsConnection, NatsError, Payload, RequestOptions } from 'nats';
import { OperatorReplyFrame, OperatorRequestFrame } from '@gatehouse/contracts';
import { ConnectionState } from './connection-state';
import { encodeFrame, FrameReader, socketPathProblem } from './operator-socket-frames';

/** The relay answers a request that timed out itself; this client waits that much longer before giving up on it. */
const GRACE_MS = 1000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

interface Pending {
  subject: string;
  resolve(message: Msg): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** A reply, as `nc.request()` returns it. */
class ReplyMsg implements Msg {
  readonly sid = 0;

  constructor(readonly subject: string, readonly data: Uint8Array) {}

  respond(): boolean {
    return false;
  }

  json<T>(): T {
    return JSONCodec<T>().decode(this.data);
  }

  string(): string {
    return Buffer.from(this.data).toString('utf8');
  }
}

/** The error the NATS client would have given: no responders and timeouts keep their NATS codes. */
function errorOf(error: { code: string; message: string }): NatsError {
  if (error.code === ErrorCode.NoResponders) return NatsError.errorForCode(ErrorCode.NoResponders);
  if (error.code === ErrorCode.Timeout) return NatsError.errorForCode(ErrorCode.Timeout);
  return new NatsError(`operator socket: ${error.message}`, error.code);
}

function headersOf(headers: MsgHdrs | undefined): Record<string, string[]> | undefined {
  if (!headers) return undefined;
  const result: Record<string, string[]> = {};
  for (const [name, values] of headers) result[name] = values;
  return result;
}

/**
 * The client end of local mode's operator socket (see OperatorRelay): the part of `NatsConnection` a
 * NatsClient and RpcClient use (request, drain, close, status), so that the CLI's operator commands
 * run unchanged on it. Request-reply only.
 */
class OperatorSocketConnection extends ConnectionState {
  readonly info = { server_id: 'operator-socket', server_name: 'operator-socket', version: '0', jetstream: false, max_payload: 8 * 1024 * 1024 };
  private readonly pending = new Map<number, Pending>();
  private readonly reader = new FrameReader();
  private nextId = 0;
  private idle?: () => void;

  constructor(private readonly socket: Socket, private readonly path: string) {
    super();
    socket.on('data', (chunk: Buffer) => {
      let frames: string[];
      try {
        frames = this.reader.push(chunk);
      } catch (error) {
        this.fail(new NatsError(`operator socket: ${(error as Error).message}`, 'FRAME_TOO_LARGE'));
        return;
      }
      for (const frame of frames) this.receive(frame);
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(NatsError.errorForCode(ErrorCode.ConnectionClosed)));
  }

  request(subject: string, payload?: Payload, options: RequestOptions = { timeout: 1000 }): Promise<Msg> {
    if (this.closedFlag) return Promise.reject(NatsError.errorForCode(ErrorCode.ConnectionClosed));
    const id = this.nextId++;
    const data = (payload === undefined ? Buffer.alloc(0) : typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload)).toString('base64');
    const frame: OperatorRequestFrame = { id, subject, data, headers: headersOf(options.headers), timeoutMs: options.timeout };
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(id)?.reject(NatsError.errorForCode(ErrorCode.Timeout)), options.timeout + GRACE_MS);
      this.pending.set(id, { subject, resolve, reject, timer });
      this.socket.write(encodeFrame(frame));
    });
  }

  async drain(): Promise<void> {
    if (this.closedFlag) return;
    this.draining = true;
    if (this.pending.size > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    await this.close();
  }

  async close(): Promise<void> {
    if (!this.markClosed()) return;
    this.socket.end();
    this.socket.unref();
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(NatsError.errorForCode(ErrorCode.ConnectionClosed));
  }

  getServer(): string {
    return this.path;
  }

  private receive(text: string): void {
    let frame: OperatorReplyFrame | undefined;
    try {
      frame = JSON.parse(text) as OperatorReplyFrame;
    } catch {
      frame = undefined;
    }
    const valid = typeof frame === 'object' && frame !== null &&
      ('error' in frame ? typeof frame.error?.code === 'string' && typeof frame.error.message === 'string' : typeof frame.id === 'number' && typeof frame.data === 'string');
    if (!frame || !valid) {
      this.fail(new NatsError('operator socket: the relay sent a malformed frame', 'BAD_FRAME'));
      return;
    }
    if ('error' in frame) {
      // An error about no request in particular: this connection cannot be trusted any further.
      if (frame.id === null) this.fail(errorOf(frame.error));
      else this.settle(frame.id)?.reject(errorOf(frame.error));
      return;
    }
    const pending = this.settle(frame.id);
    pending?.resolve(new ReplyMsg(pending.subject, Buffer.from(frame.data, 'base64')));
  }

  /** Takes a request off the pending list (undefined when it was answered or given up already). */
  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    if (!pending) return undefined;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (this.pending.size === 0) this.idle?.();
    return pending;
  }

  private fail(error: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(error);
    void this.close();
  }
}

/**
 * Connects to local mode's operator socket at `path`. Fails with the socket's own error (`ENOENT`
 * nothing there, `ECONNREFUSED` nobody listens, `EACCES` not the owner), as `nats.connect` does.
 */
export async function connectOperatorSocket(path: string, options: { timeoutMs?: number } = {}): Promise<NatsConnection> {
  const problem = socketPathProblem(path);
  if (problem) throw Object.assign(new Error(problem), { code: 'ENAMETOOLONG' });
  const socket = createConnection(path);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`no answer from ${path} within ${options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' }));
    }, options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    const failed = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    socket.once('error', failed);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', failed);
      resolve();
    });
  });
  return new OperatorSocketConnection(socket, path) as unknown as NatsConnection;
}
