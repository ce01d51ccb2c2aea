import { DynamicModule, Global, Module } from '@nestjs/common';
import { MESSAGING_OPTIONS, MessagingOptions } from './messaging.options';
import { MESSAGING_TRANSPORT, MessagingTransport } from './messaging-transport';
import { NatsClient, natsConnectionOptions, NatsSettings } from './nats-connection';
import { RpcClient } from './rpc-client';

/**
 * NATS for one process: the client connection and typed RPC, over the MessagingTransport the process
 * chose at bootstrap (MessagingTransportModule). Services with a database add
 * DurableEventsModule (@gatehouse/durable-events) for the outbox and durable event consumers.
 */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(
    options: MessagingOptions & { settings: NatsSettings & { RPC_TIMEOUT_MS: number } },
  ): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        {
          provide: MESSAGING_OPTIONS,
          useValue: { service: options.service },
        },
        {
          provide: NatsClient,
          inject: [MESSAGING_TRANSPORT],
          useFactory: async (transport: MessagingTransport) => {
            const client = new NatsClient(transport.connect);
            client.jetstreamReplicas = options.settings.JETSTREAM_REPLICAS ?? 1;
            await client.connect(natsConnectionOptions(options.settings, options.service, `${options.service}-client`));
            return client;
          },
        },
        {
          provide: RpcClient,
          inject: [NatsClient],
          useFactory: (nats: NatsClient) => {
            const client = new RpcClient(nats);
            client.defaultTimeoutMs = options.settings.RPC_TIMEOUT_MS;
            return client;
          },
        },
      ],
      exports: [NatsClient, RpcClient, MESSAGING_OPTIONS],
    };
  }
}
