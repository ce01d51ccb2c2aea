import { randomUUID } from 'node:crypto';
import { Caller, EventDefinition, EventEnvelope, RpcDefinition, RpcEnvelope } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { JSONCodec } from 'nats';
import { DataSource, EntityManager } from 'typeorm';

const codec = JSONCodec();

type Answer = (data: never, envelope: RpcEnvelope<never>) => unknown;

export interface FakeRpcClient {
  defaultTimeoutMs: number;
  request<Req, Res>(definition: RpcDefinition<Req, Res>, envelope: RpcEnvelope<Req>, options?: unknown): Promise<Res>;
  internal<Req, Res>(service: string, definition: RpcDefinition<Req, Res>, data: Req, tenantId?: string | null, options?: unknown): Promise<Res>;
}

export interface RpcCall {
  subject: string;
  envelope: RpcEnvelope<unknown>;
}

/**
 * For unit specs: stands in for the other services' replies over NATS. Answers only the subjects given
 * an answer (`on`); any other request fails the way a request nobody serves does (503). Records every call.
 */
export class FakeRpc {
  readonly calls: RpcCall[] = [];
  private readonly answers = new Map<string, Answer>();

  on<Req, Res>(definition: RpcDefinition<Req, Res>, answer: (data: Req, envelope: RpcEnvelope<Req>) => Res | Promise<Res>): this {
    this.answers.set(definition.subject, answer as unknown as Answer);
    return this;
  }

  off(definition: RpcDefinition<unknown, unknown>): this {
    this.answers.delete(definition.subject);
    return this;
  }

  /** The data of every call made to `definition`, oldest first. */
  callsTo<Req>(definition: RpcDefinition<Req, unknown>): Req[] {
    return this.envelopesTo(definition).map((e) => e.data);
  }

  /** The whole envelope (caller, tenant, data) of every call made to `definition`, oldest first. */
  envelopesTo<Req>(definition: RpcDefinition<Req, unknown>): Array<RpcEnvelope<Req>> {
    return this.calls.filter((c) => c.subject === definition.subject).map((c) => c.envelope as RpcEnvelope<Req>);
  }

  /**
   * A stand-in for @gatehouse/messaging's RpcClient (its `request` and `internal`) whose requests this
   * fake answers; provide it as RpcClient. (This lib does not import messaging: messaging's own specs use it.)
   */
  client(): FakeRpcClient {
    const request = async <Req, Res>(definition: RpcDefinition<Req, Res>, envelope: RpcEnvelope<Req>, _options?: unknown): Promise<Res> => {
      // a copy, as it would travel over the wire
      const sent = JSON.parse(JSON.stringify(envelope)) as RpcEnvelope<Req>;
      this.calls.push({ subject: definition.subject, envelope: sent });
      const answer = this.answers.get(definition.subject);
      if (!answer) throw ProblemException.unavailable(`The ${definition.subject.split('.')[0]} service is not available; try again shortly`);
      return JSON.parse(JSON.stringify((await answer(sent.data as never, sent as never)) ?? null)) as Res;
    };
    const internal = <Req, Res>(
      service: string,
      definition: RpcDefinition<Req, Res>,
      data: Req,
      tenantId?: string | null,
      options?: unknown,
    ): Promise<Res> => {
      const caller: Caller = { type: 'SERVICE', id: service, via: 'internal' };
      return request(definition, { caller, tenantId, data }, options);
    };
    return { defaultTimeoutMs: 5000, request, internal };
  }
}

export interface PublishedMessage {
  subject: string;
  data: unknown;
}

/** The part of @gatehouse/messaging's NatsClient the fake offers; provide it as NatsClient. */
export interface FakeNatsClient {
  isReady(): boolean;
  onReconnect(listener: () => unknown): void;
  onApplicationShutdown(): Promise<void>;
  readonly nc: {
    publish(subject: string, data?: Uint8Array): void;
    flush(): Promise<void>;
    subscribe(subject: string, options?: unknown): FakeSubscription;
  };
}

/** A subscription that never receives anything (nothing is sent over the fake). */
export interface FakeSubscription {
  unsubscribe(): void;
  drain(): Promise<void>;
  isClosed(): boolean;
}

/**
 * For unit specs: a NATS client that is never ready (so an outbox relay leaves its rows for the spec to
 * read) and records core-NATS broadcasts (`publish`) instead of sending them; its subscriptions
 * receive nothing.
 */
export class FakeNats {
  readonly published: PublishedMessage[] = [];

  client(): FakeNatsClient {
    const published = this.published;
    const nc = {
      publish: (subject: string, data?: Uint8Array) => void published.push({ subject, data: data?.length ? codec.decode(data) : undefined }),
      flush: async () => undefined,
      subscribe: (): FakeSubscription => {
        let closed = false;
        const close = () => void (closed = true);
        return { unsubscribe: close, drain: async () => close(), isClosed: () => closed };
      },
    };
    return { isReady: () => false, onReconnect: () => undefined, onApplicationShutdown: async () => undefined, nc };
  }

  messagesOn<T>(subject: string): T[] {
    return this.published.filter((m) => m.subject === subject).map((m) => m.data as T);
  }
}

type ConsumerHandler = (data: never, manager: EntityManager, event: EventEnvelope<never>) => Promise<void | (() => unknown)>;

/**
 * For unit specs of a service's event handlers: stands in for @gatehouse/durable-events' EventConsumers
 * (provide it as EventConsumers). Records the registrations; `deliver` hands an event to the handlers of
 * its subject the way a durable consumer does (in a transaction, after-commit work after it), without
 * JetStream. Deduplication and redelivery are EventConsumers' own, covered by its specs.
 */
export class FakeEventConsumers {
  readonly registrations: Array<{ subject: string; name: string; handler: ConsumerHandler }> = [];

  on<T>(definition: EventDefinition<T>, name: string, handler: (data: T, manager: EntityManager, event: EventEnvelope<T>) => Promise<void | (() => unknown)>): void {
    this.registrations.push({ subject: definition.subject, name, handler: handler as unknown as ConsumerHandler });
  }

  async onApplicationBootstrap(): Promise<void> {
    // nothing to pull from
  }

  async beforeApplicationShutdown(): Promise<void> {
    // nothing to drain
  }

  /** Delivers one event to every handler registered for its subject; returns how many handled it. */
  async deliver<T>(dataSource: DataSource, definition: EventDefinition<T>, data: T, envelope: Partial<EventEnvelope<T>> = {}): Promise<number> {
    const event: EventEnvelope<T> = { id: randomUUID(), subject: definition.subject, occurredAt: new Date().toISOString(), source: 'unit', data, ...envelope };
    const handlers = this.registrations.filter((r) => r.subject === definition.subject);
    for (const { handler } of handlers) {
      const after = await dataSource.transaction((manager) => handler(event.data as never, manager, event as never));
      if (typeof after === 'function') await after();
    }
    return handlers.length;
  }
}
