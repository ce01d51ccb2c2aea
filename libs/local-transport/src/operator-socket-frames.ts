import { OPERATOR_SOCKET_MAX_FRAME_BYTES } from '@gatehouse/contracts';

const NEWLINE = 0x0a;

/** A frame longer than the reader's limit: the stream cannot be trusted any further. */
export class FrameTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`a frame is larger than ${limit} bytes`);
    this.name = 'FrameTooLargeError';
  }
}

/**
 * Splits a byte stream into `\n`-terminated frames (see OPERATOR_SOCKET_FILE in @gatehouse/contracts),
 * holding at most `maxBytes` of an unfinished one.
 */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(readonly maxBytes = OPERATOR_SOCKET_MAX_FRAME_BYTES) {}

  /** The frames `chunk` completes, in order. Throws FrameTooLargeError past the limit. */
  push(chunk: Buffer): string[] {
    const frames: string[] = [];
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end >= 0; end = chunk.indexOf(NEWLINE, start)) {
      frames.push(this.take(chunk.subarray(start, end)).toString('utf8'));
      start = end + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.check(rest.length);
      this.pending.push(rest);
      this.pendingBytes += rest.length;
    }
    return frames;
  }

  private take(last: Buffer): Buffer {
    this.check(last.length);
    const frame = this.pending.length === 0 ? last : Buffer.concat([...this.pending, last]);
    this.pending = [];
    this.pendingBytes = 0;
    return frame;
  }

  private check(more: number): void {
    if (this.pendingBytes + more > this.maxBytes) throw new FrameTooLargeError(this.maxBytes);
  }
}

/** One frame on the wire. */
export function encodeFrame(frame: object): string {
  return `${JSON.stringify(frame)}\n`;
}

/**
 * Why a Unix socket cannot be at `path`, or undefined. Node silently cuts a longer path to the limit
 * of `sun_path` (108 bytes on Linux, 104 elsewhere, with the final NUL), which would put the socket,
 * or look for it, somewhere else.
 */
export function socketPathProblem(path: string): string | undefined {
  const limit = process.platform === 'linux' ? 107 : 103;
  const length = Buffer.byteLength(path);
  return length > limit ? `the socket path is ${length} bytes long, more than a Unix socket path can hold (${limit}); choose a shorter one` : undefined;
}
