import { NatsOptions, ServerNats } from '@nestjs/microservices';
import { ConnectionOptions, NatsConnection } from 'nats';
import { InProcessBroker } from './in-process-broker';

export type NatsServerOptions = Required<NatsOptions>['options'];

/**
 * The NestJS transport strategy of local mode: NestJS's own NATS server (same handler lookup, queue
 * groups, wire format, serializers, interceptors and filters) on an in-process broker connection
 * instead of a socket to nats-server.
 */
export class InProcessServer extends ServerNats {
  constructor(private readonly broker: InProcessBroker, private readonly settings: NatsServerOptions) {
    super(settings);
  }

  override createNatsClient(): Promise<NatsConnection> {
    return this.broker.connect(this.settings as ConnectionOptions);
  }
}
