import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, Server, Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import { ErrorCode, headers as natsHeaders, MsgHdrs, NatsConnection, NatsError } from 'nats';
import { OPERATOR_SOCKET_MAX_FRAME_BYTES, OperatorReplyFrame, OperatorSocketErrorCode } from '@gatehouse/contracts';
import { encodeFrame, FrameReader, FrameTooLargeError, socketPathProblem } from './operator-socket-frames';

export interface OperatorRelayOptions {
  /** Where the socket is created (owner-only); a stale socket left there by a crash is replaced. */
  path: string;
  /** The connection the requests are made on: one of the in-process broker's. */
  connection: Pick<NatsConnection, 'request'>;
  /** The services whose request subjects (`<service>.<...>`) are relayed; nothing else is. */
  services: readonly string[];
  maxFrameBytes?: number;
  /** Longest wait a request may ask for, ms. */
  maxTimeoutMs?: number;
  /** Requests one client may have in flight; past that they are refused with BUSY. */
  maxInFlight?: number;
  maxConnections?: number;
}

interface RelayedRequest {
  id: number;
  subject: string;
  data: Buffer;
  headers?: MsgHdrs;
  timeoutMs: number;
}

type ErrorFrame = Extract<OperatorReplyFrame, { error: unknown }>;

const DEFAULT_TIMEOUT_MS = 5000;
const MAX_SUBJECT_LENGTH = 256;
const MAX_HEADERS = 32;
const MAX_HEADER_LENGTH = 4096;
const TOKEN = /^[A-Za-z0-9_-]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const refuse = (id: number | null, code: OperatorSocketErrorCode, message: string): ErrorFrame => ({ id, error: { code, message } });
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Local mode's end of the operator socket (OPERATOR_SOCKET_FILE in @gatehouse/contracts): listens on a
 * Unix socket that only its owner can connect to and relays each request frame to the in-process
 * broker, answering with the reply or an error frame. Only request-reply to the services' subjects is
 * relayed: no publish, no subscription, no JetStream or inbox subject, no broadcast. A malformed, huge
 * or refused frame is answered with an error frame (a huge one also ends the connection); nothing a
 * client sends can stop the process.
 */
export class OperatorRelay {
  private readonly logger = new Logger('OperatorRelay');
  private readonly sockets = new Set<Socket>();
  private readonly maxFrameBytes: number;
  private readonly maxTimeoutMs: number;
  private readonly maxInFlight: number;

  private constructor(private readonly options: OperatorRelayOptions, private readonly server: Server) {
    this.maxFrameBytes = options.maxFrameBytes ?? OPERATOR_SOCKET_MAX_FRAME_BYTES;
    this.maxTimeoutMs = options.maxTimeoutMs ?? 60_000;
    this.maxInFlight = options.maxInFlight ?? 16;
    server.maxConnections = options.maxConnections ?? 16;
    server.on('connection', (socket) => this.accept(socket));
  }

  get path(): string {
    return this.options.path;
  }

  /** Creates the socket (mode 0600, never wider, not even for an instant) and starts relaying. */
  static async listen(options: OperatorRelayOptions): Promise<OperatorRelay> {
    const problem = socketPathProblem(options.path);
    if (problem) throw new Error(`cannot create ${options.path}: ${problem}`);
    await removeStaleSocket(options.path);
    const relay = new OperatorRelay(options, createServer());
    await relay.bind();
    return relay;
  }

  /** Stops accepting, ends the connections and removes the socket (Node unlinks it when its server closes). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** A valid request, or the error frame that refuses it. */
  private parse(frame: string): RelayedRequest | ErrorFrame {
    let parsed: unknown;
    try {
      parsed = JSON.parse(frame);
    } catch {
      return refuse(null, 'BAD_FRAME', 'a frame is one JSON object on one line');
    }
    if (!isRecord(parsed)) return refuse(null, 'BAD_FRAME', 'a frame is one JSON object on one line');
    const id = typeof parsed.id === 'number' && Number.isSafeInteger(parsed.id) && parsed.id >= 0 ? parsed.id : null;
    if (id === null) return refuse(null, 'BAD_FRAME', 'id must be a non-negative integer');
    const { subject, data, headers, timeoutMs } = parsed;
    if (typeof subject !== 'string') return refuse(id, 'BAD_FRAME', 'subject must be a string');
    if (!this.allowed(subject)) {
      return refuse(id, 'SUBJECT_REFUSED', `only requests to the services (${this.options.services.map((s) => `${s}.<...>`).join(', ')}) are relayed`);
    }
    if (typeof data !== 'string' || data.length % 4 !== 0 || !BASE64.test(data)) return refuse(id, 'BAD_FRAME', 'data must be base64');
    if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      return refuse(id, 'BAD_FRAME', 'timeoutMs must be a positive number of milliseconds');
    }
    const parsedHeaders = headers === undefined ? undefined : this.headers(headers);
    if (parsedHeaders === null) return refuse(id, 'BAD_FRAME', `headers must be an object of at most ${MAX_HEADERS} names, each with a list of strings`);
    return {
      id,
      subject,
      data: Buffer.from(data, 'base64'),
      headers: parsedHeaders,
      timeoutMs: Math.min(Math.ceil(timeoutMs ?? DEFAULT_TIMEOUT_MS), this.maxTimeoutMs),
    };
  }

  private allowed(subject: string): boolean {
    if (subject.length > MAX_SUBJECT_LENGTH) return false;
    const tokens = subject.split('.');
    return tokens.length >= 2 && this.options.services.includes(tokens[0]) && tokens.every((token) => TOKEN.test(token));
  }

  /** NATS headers from `{name: [values]}`, or null when they are not that. */
  private headers(given: unknown): MsgHdrs | null {
    if (!isRecord(given)) return null;
    const entries = Object.entries(given);
    if (entries.length > MAX_HEADERS) return null;
    const result = natsHeaders();
    try {
      for (const [name, values] of entries) {
        const list = typeof values === 'string' ? [values] : values;
        if (!Array.isArray(list) || list.length > MAX_HEADERS) return null;
        for (const value of list) {
          if (typeof value !== 'string' || value.length > MAX_HEADER_LENGTH || name.length > MAX_HEADER_LENGTH || /[\r\n]/.test(value)) return null;
          result.append(name, value);
        }
      }
    } catch {
      return null; // a name the NATS client refuses
    }
    return result;
  }

  private async relay(request: RelayedRequest): Promise<OperatorReplyFrame> {
    try {
      const reply = await this.options.connection.request(request.subject, request.data, { timeout: request.timeoutMs, headers: request.headers });
      return { id: request.id, data: Buffer.from(reply.data).toString('base64') };
    } catch (error) {
      const code = (error as NatsError)?.code;
      if (code === ErrorCode.NoResponders) return refuse(request.id, '503', `no service answers ${request.subject}`);
      if (code === ErrorCode.Timeout) return refuse(request.id, 'TIMEOUT', `${request.subject} was not answered within ${request.timeoutMs} ms`);
      this.logger.warn({ err: error, subject: request.subject }, 'An operator request failed');
      return refuse(request.id, 'FAILED', `the request failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async bind(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      // The socket file is created with the process's umask: owner-only from the first instant, so
      // that nobody can connect before the chmod below.
      const umask = process.umask(0o177);
      try {
        this.server.listen(this.path, () => {
          this.server.off('error', reject);
          resolve();
        });
      } finally {
        process.umask(umask);
      }
    });
    this.server.on('error', (error) => this.logger.error({ err: error }, 'The operator socket failed'));
    chmodSync(this.path, 0o600);
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const reader = new FrameReader(this.maxFrameBytes);
    let inFlight = 0;
    let ending = false;
    socket.on('error', () => undefined); // a client that went away mid-answer
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      if (ending) return;
      let frames: string[];
      try {
        frames = reader.push(chunk);
      } catch (error) {
        // The rest of the stream cannot be framed again: say why, and hang up.
        ending = true;
        const refusal = error instanceof FrameTooLargeError
          ? refuse(null, 'FRAME_TOO_LARGE', `frames are limited to ${this.maxFrameBytes} bytes`)
          : refuse(null, 'BAD_FRAME', 'the stream could not be read');
        socket.end(encodeFrame(refusal), () => socket.destroy());
        return;
      }
      for (const frame of frames) {
        const request = this.parse(frame);
        if ('error' in request) {
          this.send(socket, request);
        } else if (inFlight >= this.maxInFlight) {
          this.send(socket, refuse(request.id, 'BUSY', `at most ${this.maxInFlight} requests in flight per connection`));
        } else {
          inFlight += 1;
          void this.relay(request).then((reply) => {
            inFlight -= 1;
            this.send(socket, reply);
          });
        }
      }
    });
  }

  private send(socket: Socket, reply: OperatorReplyFrame): void {
    if (socket.destroyed || !socket.writable) return;
    let frame = encodeFrame(reply);
    if (Buffer.byteLength(frame) > this.maxFrameBytes) {
      frame = encodeFrame(refuse(reply.id, 'FRAME_TOO_LARGE', `the answer is larger than ${this.maxFrameBytes} bytes`));
    }
    socket.write(frame);
    // A client that sends requests but reads no answers would make them pile up here.
    if (socket.writableLength > 4 * this.maxFrameBytes) socket.destroy();
  }
}

/** Removes a socket nobody listens on any more (local mode was killed); refuses anything else at `path`. */
async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!isSocket) throw new Error(`${path} exists and is not a socket: move it away`);
  const listening = await new Promise<boolean>((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (listening) throw new Error(`another process listens on ${path}: is local mode already running on this data folder?`);
  unlinkSync(path);
}
