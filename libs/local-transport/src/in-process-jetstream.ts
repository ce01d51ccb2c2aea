import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { ConsumerConfig, DeliverPolicy, ErrorCode, JSONCodec, NatsError, PubAck, StreamConfig } from 'nats';
import { InProcessKv } from './in-process-kv';
import { subjectMatches } from './subjects';

const NANOS_PER_MS = 1_000_000;
const DEFAULT_ACK_WAIT_MS = 30_000;

interface StoredMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
  time: number;
}

interface ConsumerState {
  config: Partial<ConsumerConfig>;
  ackFloor: number;
  done: number[];
}

const notFound = (what: string) => new NatsError(`${what} not found`, '404');

/** Writes a file whole (temp file + rename), so a crash never leaves half a file. */
function writeAtomically(file: string, content: string): void {
  writeFileSync(`${file}.tmp`, content);
  renameSync(`${file}.tmp`, file);
}

/** One message handed to a consumer: the JsMsg subset the event consumers use. */
class InProcessJsMsg {
  private answered = false;

  constructor(
    private readonly consumer: DurableConsumer,
    private readonly message: StoredMessage,
    readonly deliveryCount: number,
  ) {}

  get data(): Uint8Array {
    return this.message.data;
  }

  get subject(): string {
    return this.message.subject;
  }

  get seq(): number {
    return this.message.seq;
  }

  get redelivered(): boolean {
    return this.deliveryCount > 1;
  }

  get info() {
    return {
      domain: '',
      stream: this.consumer.stream.name,
      consumer: this.consumer.name,
      deliveryCount: this.deliveryCount,
      redeliveryCount: this.deliveryCount,
      redelivered: this.deliveryCount > 1,
      streamSequence: this.message.seq,
      deliverySequence: this.message.seq,
      timestampNanos: this.message.time * NANOS_PER_MS,
      pending: 0,
    };
  }

  ack(): void {
    if (this.answer()) this.consumer.settle(this.message.seq, 'ack');
  }

  async ackAck(): Promise<boolean> {
    this.ack();
    return true;
  }

  nak(delayMs?: number): void {
    if (this.answer()) this.consumer.settle(this.message.seq, 'nak', delayMs);
  }

  term(): void {
    if (this.answer()) this.consumer.settle(this.message.seq, 'term');
  }

  working(): void {
    if (!this.answered) this.consumer.extend(this.message.seq);
  }

  json<T>(): T {
    return JSONCodec<T>().decode(this.message.data);
  }

  string(): string {
    return new TextDecoder().decode(this.message.data);
  }

  private answer(): boolean {
    if (this.answered) return false;
    this.answered = true;
    return true;
  }
}

/** The iterator `consumer.consume()` returns: messages as the consumer releases them. */
class InProcessConsumerMessages implements AsyncIterable<InProcessJsMsg> {
  private readonly queue: InProcessJsMsg[] = [];
  private waiting?: (result: IteratorResult<InProcessJsMsg>) => void;
  private stopped = false;

  constructor(readonly maxMessages: number, private readonly onClose: () => void) {}

  push(message: InProcessJsMsg): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ done: false, value: message });
    } else this.queue.push(message);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.onClose();
    this.waiting?.({ done: true, value: undefined });
    this.waiting = undefined;
  }

  async close(): Promise<void> {
    this.stop();
  }

  [Symbol.asyncIterator](): AsyncIterator<InProcessJsMsg> {
    return {
      next: () => {
        const message = this.queue.shift();
        if (message) return Promise.resolve({ done: false, value: message });
        if (this.stopped) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => (this.waiting = resolve));
      },
      return: async () => {
        this.stop();
        return { done: true, value: undefined };
      },
    };
  }
}

/**
 * A durable pull consumer with explicit acks. Everything at or below `ackFloor`, and every sequence in
 * `done`, is finished; the rest is delivered (again) until acked or terminated: after `nak(delay)`, or
 * when `ack_wait` passes without an answer. Only the finished positions are saved, so after a restart
 * whatever was in flight is delivered again (the services' consumers deduplicate by event id).
 */
class DurableConsumer {
  private ackFloor: number;
  private readonly done = new Set<number>();
  private readonly deliveries = new Map<number, number>();
  private readonly inFlight = new Map<number, NodeJS.Timeout>();
  private readonly ready: number[] = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private cursor: number;
  private active?: InProcessConsumerMessages;

  constructor(readonly stream: StoredStream, readonly name: string, readonly config: Partial<ConsumerConfig>, state?: ConsumerState) {
    const start = config.deliver_policy === DeliverPolicy.New ? stream.lastSeq : stream.firstSeq - 1;
    this.ackFloor = Math.max(state?.ackFloor ?? start, stream.firstSeq - 1);
    for (const seq of state?.done ?? []) if (seq > this.ackFloor) this.done.add(seq);
    this.cursor = this.ackFloor + 1;
    this.advanceFloor();
  }

  get state(): ConsumerState {
    return { config: this.config, ackFloor: this.ackFloor, done: [...this.done] };
  }

  get numPending(): number {
    return Math.max(0, this.stream.lastSeq - this.ackFloor - this.done.size);
  }

  consume(maxMessages: number): InProcessConsumerMessages {
    this.active?.stop();
    const messages = new InProcessConsumerMessages(maxMessages, () => {
      if (this.active === messages) this.active = undefined;
    });
    this.active = messages;
    // what an earlier iterator held but never answered goes out again
    for (const seq of [...this.inFlight.keys()]) this.release(seq);
    queueMicrotask(() => this.pump());
    return messages;
  }

  settle(seq: number, outcome: 'ack' | 'nak' | 'term', delayMs = 0): void {
    clearTimeout(this.inFlight.get(seq));
    const wasInFlight = this.inFlight.delete(seq);
    if (outcome === 'nak') {
      if (!wasInFlight) return;
      if (delayMs > 0) {
        const timer = setTimeout(() => {
          this.retryTimers.delete(timer);
          this.ready.push(seq);
          this.pump();
        }, delayMs);
        timer.unref();
        this.retryTimers.add(timer);
      } else this.ready.push(seq);
    } else {
      this.done.add(seq);
      this.deliveries.delete(seq);
      this.advanceFloor();
      this.stream.changed();
    }
    this.pump();
  }

  extend(seq: number): void {
    if (this.inFlight.has(seq)) this.armAckWait(seq);
  }

  pump(): void {
    const active = this.active;
    while (active && !active.isStopped && this.inFlight.size < active.maxMessages) {
      const seq = this.nextSeq();
      if (seq === undefined) return;
      const message = this.stream.get(seq);
      if (!message) {
        this.markDone(seq);
        continue;
      }
      const count = (this.deliveries.get(seq) ?? 0) + 1;
      this.deliveries.set(seq, count);
      this.armAckWait(seq);
      active.push(new InProcessJsMsg(this, message, count));
    }
  }

  stop(): void {
    this.active?.stop();
    for (const timer of [...this.inFlight.values(), ...this.retryTimers]) clearTimeout(timer);
  }

  private nextSeq(): number | undefined {
    // an answer that came after its ack_wait still counts; such a sequence may wait here twice
    for (let retry = this.ready.shift(); retry !== undefined; retry = this.ready.shift()) {
      if (retry > this.ackFloor && !this.done.has(retry) && !this.inFlight.has(retry)) return retry;
    }
    while (this.cursor <= this.stream.lastSeq) {
      const seq = this.cursor++;
      if (this.done.has(seq) || seq <= this.ackFloor) continue;
      const message = this.stream.get(seq);
      if (!message || (this.config.filter_subject && !subjectMatches(this.config.filter_subject, message.subject))) {
        this.markDone(seq);
        continue;
      }
      return seq;
    }
    return undefined;
  }

  private markDone(seq: number): void {
    this.done.add(seq);
    this.advanceFloor();
  }

  private armAckWait(seq: number): void {
    clearTimeout(this.inFlight.get(seq));
    const ackWaitMs = this.config.ack_wait ? this.config.ack_wait / NANOS_PER_MS : DEFAULT_ACK_WAIT_MS;
    const timer = setTimeout(() => this.release(seq), ackWaitMs);
    timer.unref();
    this.inFlight.set(seq, timer);
  }

  private release(seq: number): void {
    clearTimeout(this.inFlight.get(seq));
    if (!this.inFlight.delete(seq)) return;
    this.ready.push(seq);
    this.pump();
  }

  private advanceFloor(): void {
    while (this.done.has(this.ackFloor + 1)) this.done.delete(++this.ackFloor);
  }
}

/** A stream with limits retention: messages stay (up to max_age) whatever the consumers did. */
class StoredStream {
  private readonly logger = new Logger('InProcessJetStream');
  private readonly messages = new Map<number, StoredMessage>();
  private readonly recentIds = new Map<string, { seq: number; time: number }>();
  readonly consumers = new Map<string, DurableConsumer>();
  firstSeq = 1;
  lastSeq = 0;
  private saveTimer?: NodeJS.Timeout;

  constructor(readonly config: Partial<StreamConfig> & { name: string }, private readonly dir?: string) {
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    writeAtomically(join(dir, 'config.json'), JSON.stringify(config));
    this.load();
  }

  get name(): string {
    return this.config.name;
  }

  get messageCount(): number {
    return this.messages.size;
  }

  matches(subject: string): boolean {
    return (this.config.subjects ?? []).some((pattern) => subjectMatches(pattern, subject));
  }

  get(seq: number): StoredMessage | undefined {
    return this.messages.get(seq);
  }

  append(subject: string, data: Uint8Array, msgID?: string): PubAck {
    const now = Date.now();
    const window = (this.config.duplicate_window ?? 120_000 * NANOS_PER_MS) / NANOS_PER_MS;
    if (msgID) {
      const seen = this.recentIds.get(msgID);
      if (seen && now - seen.time < window) return { stream: this.name, seq: seen.seq, duplicate: true, domain: '' };
      for (const [id, entry] of this.recentIds) {
        if (now - entry.time < window) break;
        this.recentIds.delete(id);
      }
    }
    const message: StoredMessage = { seq: this.lastSeq + 1, subject, data, time: now };
    if (this.dir) {
      // on disk before the publisher hears "stored": the outbox marks its row published only after that
      appendFileSync(join(this.dir, 'messages.jsonl'), `${JSON.stringify({ ...message, data: Buffer.from(data).toString('base64'), msgID })}\n`);
    }
    this.messages.set(message.seq, message);
    this.lastSeq = message.seq;
    if (msgID) this.recentIds.set(msgID, { seq: message.seq, time: now });
    for (const consumer of this.consumers.values()) consumer.pump();
    return { stream: this.name, seq: message.seq, duplicate: false, domain: '' };
  }

  addConsumer(config: Partial<ConsumerConfig>, state?: ConsumerState): DurableConsumer {
    const name = config.durable_name ?? config.name;
    if (!name) throw new NatsError('the in-process transport serves durable consumers only', '400');
    const existing = this.consumers.get(name);
    if (existing) return existing;
    const consumer = new DurableConsumer(this, name, config, state);
    this.consumers.set(name, consumer);
    this.changed();
    return consumer;
  }

  /** Consumer positions are saved shortly after they move (and at close). */
  changed(): void {
    if (!this.dir || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      try {
        this.save();
      } catch (error) {
        this.logger.warn({ err: error, stream: this.name }, 'Could not save consumer positions; will retry on the next change');
      }
    }, 200);
    this.saveTimer.unref();
  }

  save(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.dir) return;
    const consumers = Object.fromEntries([...this.consumers].map(([name, consumer]) => [name, consumer.state]));
    writeAtomically(join(this.dir, 'consumers.json'), JSON.stringify(consumers));
  }

  close(): void {
    for (const consumer of this.consumers.values()) consumer.stop();
    this.save();
  }

  private load(): void {
    const dir = this.dir as string;
    const file = join(dir, 'messages.jsonl');
    const maxAgeMs = this.config.max_age ? this.config.max_age / NANOS_PER_MS : 0;
    const now = Date.now();
    let dropped = false;
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        let row: { seq: number; subject: string; data: string; time: number; msgID?: string };
        try {
          row = JSON.parse(line);
        } catch {
          dropped = true; // a line cut short by a crash while it was written
          continue;
        }
        this.lastSeq = Math.max(this.lastSeq, row.seq);
        if (maxAgeMs && now - row.time > maxAgeMs) {
          dropped = true;
          continue;
        }
        this.messages.set(row.seq, { seq: row.seq, subject: row.subject, data: new Uint8Array(Buffer.from(row.data, 'base64')), time: row.time });
        if (row.msgID) this.recentIds.set(row.msgID, { seq: row.seq, time: row.time });
      }
    }
    this.firstSeq = this.messages.size > 0 ? Math.min(...this.messages.keys()) : this.lastSeq + 1;
    if (dropped) {
      const lines = [...this.messages.values()].map((m) => JSON.stringify({ ...m, data: Buffer.from(m.data).toString('base64') }));
      writeAtomically(file, lines.map((l) => `${l}\n`).join(''));
    }
    const consumersFile = join(dir, 'consumers.json');
    if (existsSync(consumersFile)) {
      const states = JSON.parse(readFileSync(consumersFile, 'utf8')) as Record<string, ConsumerState>;
      for (const [name, state] of Object.entries(states)) this.addConsumer({ ...state.config, durable_name: name }, state);
    }
  }
}

/**
 * JetStream for the in-process broker: streams, durable consumers and key-value buckets, kept under
 * `storeDir` when one is given (the file store of a NATS server), else in memory.
 */
export class InProcessJetStream {
  private readonly streams = new Map<string, StoredStream>();
  private readonly buckets = new Map<string, InProcessKv>();

  constructor(private readonly storeDir?: string) {
    const streamsDir = storeDir && join(storeDir, 'streams');
    if (!streamsDir || !existsSync(streamsDir)) return;
    for (const name of readdirSync(streamsDir)) {
      const configFile = join(streamsDir, name, 'config.json');
      if (!existsSync(configFile)) continue;
      const config = JSON.parse(readFileSync(configFile, 'utf8')) as StreamConfig;
      this.streams.set(config.name, new StoredStream(config, join(streamsDir, name)));
    }
  }

  client() {
    return {
      publish: async (subject: string, payload?: Uint8Array | string, options: { msgID?: string } = {}): Promise<PubAck> => {
        const stream = [...this.streams.values()].find((s) => s.matches(subject));
        if (!stream) throw NatsError.errorForCode(ErrorCode.NoResponders);
        const data = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload ?? new Uint8Array(0);
        return stream.append(subject, data, options.msgID);
      },
      consumers: {
        get: async (streamName: string, durable: string) => {
          const consumer = this.stream(streamName).consumers.get(durable);
          if (!consumer) throw notFound('consumer');
          return {
            consume: async (options: { max_messages?: number } = {}) => consumer.consume(options.max_messages ?? 100),
            info: async () => this.consumerInfo(consumer),
          };
        },
      },
      views: {
        kv: async (bucket: string, options: { ttl?: number } = {}) => {
          let kv = this.buckets.get(bucket);
          if (!kv) {
            kv = new InProcessKv(bucket, options.ttl ?? 0, this.storeDir && join(this.storeDir, 'kv'));
            this.buckets.set(bucket, kv);
          }
          return kv;
        },
      },
    };
  }

  manager() {
    return {
      streams: {
        info: async (name: string) => this.streamInfo(this.stream(name)),
        add: async (config: Partial<StreamConfig> & { name: string }) => {
          const existing = this.streams.get(config.name);
          if (existing) {
            if (JSON.stringify(existing.config.subjects) !== JSON.stringify(config.subjects)) {
              throw new NatsError('stream name already in use with a different configuration', '400');
            }
            return this.streamInfo(existing);
          }
          const dir = this.storeDir && join(this.storeDir, 'streams', config.name.replace(/[^\w-]/g, '_'));
          const stream = new StoredStream(config, dir);
          this.streams.set(config.name, stream);
          return this.streamInfo(stream);
        },
      },
      consumers: {
        info: async (streamName: string, durable: string) => {
          const consumer = this.stream(streamName).consumers.get(durable);
          if (!consumer) throw notFound('consumer');
          return this.consumerInfo(consumer);
        },
        add: async (streamName: string, config: Partial<ConsumerConfig>) => this.consumerInfo(this.stream(streamName).addConsumer(config)),
      },
    };
  }

  close(): void {
    for (const stream of this.streams.values()) stream.close();
    for (const kv of this.buckets.values()) kv.close();
  }

  private stream(name: string): StoredStream {
    const stream = this.streams.get(name);
    if (!stream) throw notFound('stream');
    return stream;
  }

  private streamInfo(stream: StoredStream) {
    return { config: stream.config, state: { messages: stream.messageCount, first_seq: stream.firstSeq, last_seq: stream.lastSeq } };
  }

  private consumerInfo(consumer: DurableConsumer) {
    return { stream_name: consumer.stream.name, name: consumer.name, config: consumer.config, num_pending: consumer.numPending };
  }
}
