import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync, randomUUID } from 'node:crypto';

/** What follows one request across services: our request id and the W3C trace context. */
export interface TraceContext {
  requestId: string;
  traceparent: string;
  /**
   * When the client that started the request stops waiting (epoch ms, this process's clock): onward calls
   * get only what is left of it, and work past it is abandoned (see deadlineLeftMs).
   */
  deadline?: number;
}

const storage = new AsyncLocalStorage<TraceContext>();
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const REQUEST_ID = /^[\w.-]{1,128}$/;

export const traceContext = {
  /** Runs `fn` (and everything it awaits) with `context` as the current trace context. */
  run<T>(context: TraceContext, fn: () => T): T {
    return storage.run(context, fn);
  },
  current(): TraceContext | undefined {
    return storage.getStore();
  },
};

/**
 * Milliseconds left before the current request's deadline (Infinity without one). Long work checks it
 * between steps so a service stops what its caller has given up on.
 */
export function deadlineLeftMs(context: TraceContext | undefined = storage.getStore()): number {
  return context?.deadline === undefined ? Infinity : context.deadline - Date.now();
}

/** A valid incoming `traceparent` continues its trace with a new span; anything else starts a new trace. */
export function continueTrace(incoming: string | undefined | null): string {
  const match = incoming ? TRACEPARENT.exec(incoming) : null;
  const traceId = match && !/^0+$/.test(match[1]) ? match[1] : randomHex(16);
  return `00-${traceId}-${randomHex(8)}-${match?.[3] ?? '01'}`;
}

// Random ids are cut from a pool refilled from the CSPRNG in 4 KiB blocks: one randomBytes() call per
// id cost the gateway ~5% of its CPU.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

export function acceptRequestId(incoming: string | undefined | null): string {
  return incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Fields added to every log line written while a trace context is current. */
export function traceLogFields(): Record<string, string> {
  const context = storage.getStore();
  if (!context) return {};
  return { requestId: context.requestId, traceId: context.traceparent.slice(3, 35) };
}
