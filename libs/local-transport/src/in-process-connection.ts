import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import {
  ConnectionOptions, ErrorCode, JSONCodec, Msg, MsgHdrs, NatsError, Payload, PublishOptions, RequestOptions, SubscriptionOptions,
} from 'nats';
import type { Broker, BrokerMessage } from './broker-types';
import { ConnectionState } from './connection-state';

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const toBytes = (payload?: Payload): Uint8Array => (payload === undefined ? EMPTY : typeof payload === 'string' ? encoder.encode(payload) : payload);

class InProcessMsg implements Msg {
  constructor(
    private readonly connection: InProcessConnection,
    readonly sid: number,
    readonly subject: string,
    readonly data: Uint8Array,
    readonly reply?: string,
    readonly headers?: MsgHdrs,
  ) {}

  respond(payload?: Payload, options?: PublishOptions): boolean {
    if (!this.reply) return false;
    this.connection.publish(this.reply, payload, options);
    return true;
  }

  json<T>(): T {
    return JSONCodec<T>().decode(this.data);
  }

  string(): string {
    return decoder.decode(this.data);
  }
}

/** A core subscription; only the callback form is served (the one every caller in this code base uses). */
export class InProcessSubscription {
  private closedFlag = false;
  private received = 0;
  private max?: number;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly remove: () => void;

  constructor(
    private readonly connection: InProcessConnection,
    private readonly sid: number,
    private readonly subject: string,
    private readonly options: SubscriptionOptions,
  ) {
    if (!options.callback) throw new Error('The in-process transport serves callback subscriptions only');
    this.max = options.max;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.remove = connection.broker.subscribe({ subject, queue: options.queue, deliver: (m) => this.deliver(m) });
  }

  get closed(): Promise<void> {
    return this.done;
  }

  get callback(): SubscriptionOptions['callback'] {
    return this.options.callback;
  }

  unsubscribe(max?: number): void {
    if (max !== undefined && max > this.received) {
      this.max = max;
      return;
    }
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.remove();
    this.connection.forget(this);
    this.resolveDone();
  }

  async drain(): Promise<void> {
    this.unsubscribe();
  }

  isClosed(): boolean {
    return this.closedFlag;
  }

  isDraining(): boolean {
    return false;
  }

  getSubject(): string {
    return this.subject;
  }

  getReceived(): number {
    return this.received;
  }

  getProcessed(): number {
    return this.received;
  }

  getPending(): number {
    return 0;
  }

  getID(): number {
    return this.sid;
  }

  getMax(): number | undefined {
    return this.max;
  }

  private deliver(message: BrokerMessage): void {
    if (this.closedFlag) return;
    this.received += 1;
    const msg = new InProcessMsg(this.connection, this.sid, message.subject, message.data, message.reply, message.headers as MsgHdrs | undefined);
    if (this.max !== undefined && this.received >= this.max) this.unsubscribe();
    const result = this.options.callback?.(null, msg) as unknown;
    if (result instanceof Promise) {
      result.catch((error: unknown) => this.connection.logger.error({ err: error, subject: message.subject }, 'A subscription callback failed'));
    }
  }
}

/**
 * The client side: the subset of `NatsConnection` the services use (publish, subscribe with queue
 * groups, request with the NATS no-responders and timeout errors, flush, drain, status, JetStream).
 */
export class InProcessConnection extends ConnectionState {
  readonly logger = new Logger('InProcessConnection');
  readonly info = { server_id: 'in-process', server_name: 'in-process', version: '2.10.0', jetstream: true, max_payload: 8 * 1024 * 1024, client_id: 0, proto: 1, go: '', host: '127.0.0.1', port: 0, headers: true };
  private readonly subscriptions = new Set<InProcessSubscription>();
  private readonly inboxPrefix: string;
  private nextSid = 1;

  constructor(readonly broker: Broker, readonly options: ConnectionOptions, readonly id: number) {
    super();
    this.inboxPrefix = options.inboxPrefix ?? '_INBOX';
  }

  publish(subject: string, payload?: Payload, options?: PublishOptions): void {
    this.assertOpen();
    this.broker.publish({ subject, data: toBytes(payload), headers: options?.headers, reply: options?.reply });
  }

  subscribe(subject: string, options: SubscriptionOptions = {}): InProcessSubscription {
    this.assertOpen();
    const subscription = new InProcessSubscription(this, this.nextSid++, subject, options);
    this.subscriptions.add(subscription);
    return subscription;
  }

  request(subject: string, payload?: Payload, options: RequestOptions = { timeout: 1000 }): Promise<Msg> {
    this.assertOpen();
    if (!this.broker.hasInterest(subject)) return Promise.reject(NatsError.errorForCode(ErrorCode.NoResponders));
    const inbox = options.reply ?? `${this.inboxPrefix}.${randomUUID()}`;
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => {
        subscription.unsubscribe();
        reject(NatsError.errorForCode(ErrorCode.Timeout));
      }, options.timeout);
      const subscription = this.subscribe(inbox, {
        max: 1,
        callback: (_error, message) => {
          clearTimeout(timer);
          resolve(message);
        },
      });
      this.publish(subject, payload, { reply: inbox, headers: options.headers });
    });
  }

  /** Delivery is in-process: everything published so far is already queued for its subscribers. */
  async flush(): Promise<void> {
    this.assertOpen();
  }

  async drain(): Promise<void> {
    if (this.closedFlag) return;
    this.draining = true;
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closedFlag) return;
    for (const subscription of [...this.subscriptions]) subscription.unsubscribe();
    this.markClosed();
  }

  getServer(): string {
    return 'in-process';
  }

  async rtt(): Promise<number> {
    return 0;
  }

  stats(): { inBytes: number; outBytes: number; inMsgs: number; outMsgs: number } {
    return { inBytes: 0, outBytes: 0, inMsgs: 0, outMsgs: 0 };
  }

  jetstream(): ReturnType<Broker['jetstream']['client']> {
    return this.broker.jetstream.client();
  }

  async jetstreamManager(): Promise<ReturnType<Broker['jetstream']['manager']>> {
    return this.broker.jetstream.manager();
  }

  forget(subscription: InProcessSubscription): void {
    this.subscriptions.delete(subscription);
  }

  private assertOpen(): void {
    if (this.closedFlag) throw NatsError.errorForCode(ErrorCode.ConnectionClosed);
  }
}
