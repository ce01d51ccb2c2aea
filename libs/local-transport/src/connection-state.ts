import type { Status } from 'nats';

/**
 * Open, draining or closed: the state the stand-ins for a NatsConnection (InProcessConnection, the
 * operator socket's client) keep, and what NatsClient reads of it (`protocol.connected`, `status()`).
 */
export abstract class ConnectionState {
  /** Read by NatsClient.isReady(). */
  readonly protocol = { connected: true };
  protected closedFlag = false;
  protected draining = false;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor() {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  closed(): Promise<void | Error> {
    return this.done;
  }

  isClosed(): boolean {
    return this.closedFlag;
  }

  isDraining(): boolean {
    return this.draining;
  }

  /** Nothing disconnects and comes back: the iteration just ends when the connection closes. */
  status(): AsyncIterable<Status> {
    const done = this.done;
    return {
      [Symbol.asyncIterator]: () => ({ next: () => done.then(() => ({ done: true as const, value: undefined })) }),
    };
  }

  /** Marks the connection closed; false when it was already. */
  protected markClosed(): boolean {
    if (this.closedFlag) return false;
    this.closedFlag = true;
    this.draining = false;
    this.protocol.connected = false;
    this.resolveDone();
    return true;
  }
}
