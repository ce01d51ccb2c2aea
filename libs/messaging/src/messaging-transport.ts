import { DynamicModule, Module } from '@nestjs/common';
import { CustomTransportStrategy, NatsOptions } from '@nestjs/microservices';
import { connect, ConnectionOptions, NatsConnection } from 'nats';

/** Opens a client connection: `nats.connect`, or local mode's in-process broker. */
export type NatsConnector = (options: ConnectionOptions) => Promise<NatsConnection>;

/** What the NestJS transport serving a service's handlers is given. */
export type NatsServerOptions = Required<NatsOptions>['options'];

/**
 * How a process reaches the others: chosen once, at bootstrap, by whoever starts it (a service's
 * main.ts or the gateway's: real NATS; local mode, apps/local: libs/local-transport's in-process
 * broker), and provided to every NatsClient of the process under MESSAGING_TRANSPORT.
 */
export interface MessagingTransport {
  /** For start-up logs: `NATS`, `in-process`. */
  readonly name: string;
  readonly connect: NatsConnector;
  /**
   * The NestJS transport strategy that serves a service's handlers. Left out: NestJS's NATS transport
   * (libs/service-runtime drains it on SIGTERM).
   */
  readonly server?: (options: NatsServerOptions) => CustomTransportStrategy;
}

/** The distributed topology's transport: a NATS server (NATS_URL). */
export const NATS_TRANSPORT: MessagingTransport = { name: 'NATS', connect };

export const MESSAGING_TRANSPORT = Symbol('MESSAGING_TRANSPORT');

/**
 * Provides the process's MessagingTransport to MessagingModule. Imported once, by the root module that
 * bootstrapService (libs/service-runtime) or the gateway's start-up builds: never a default, so a
 * process that forgot to choose fails at start-up naming MESSAGING_TRANSPORT.
 */
@Module({})
export class MessagingTransportModule {
  static use(transport: MessagingTransport): DynamicModule {
    return {
      module: MessagingTransportModule,
      global: true,
      providers: [{ provide: MESSAGING_TRANSPORT, useValue: transport }],
      exports: [MESSAGING_TRANSPORT],
    };
  }
}
