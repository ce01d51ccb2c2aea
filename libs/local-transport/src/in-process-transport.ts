import type { MessagingTransport } from '@gatehouse/messaging';
import { ConnectionOptions } from 'nats';
import { InProcessBroker } from './in-process-broker';
import { InProcessServer } from './in-process-server';

/**
 * Local mode's MessagingTransport: every NatsClient of the process connects to `broker`, and each
 * service's handlers are served by an InProcessServer on it. Handed by local mode (apps/local) to
 * `bootstrapService` and `startGateway`, which provide it as MESSAGING_TRANSPORT.
 */
export function inProcessTransport(broker: InProcessBroker): MessagingTransport {
  return {
    name: 'in-process',
    connect: (options: ConnectionOptions) => broker.connect(options),
    server: (options) => new InProcessServer(broker, options),
  };
}
