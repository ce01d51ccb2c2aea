import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { connect, ConnectionOptions, NatsConnection } from 'nats';
import { NatsConnector } from './messaging-transport';

export interface NatsSettings {
  NATS_URL: string;
  NATS_USER?: string;
  NATS_PASSWORD?: string;
  /** Replicas of the stream and bucket created when missing (see BaseServiceEnv). */
  JETSTREAM_REPLICAS?: number;
}

/**
 * Options shared by our own client connection and the NestJS NATS transport. Replies come back on the
 * service's own inbox prefix, so NATS permissions can keep each service from reading others' replies.
 */
export function natsConnectionOptions(settings: NatsSettings, service: string, connectionName = service): ConnectionOptions {
  return {
    servers: settings.NATS_URL.split(','),
    name: connectionName,
    inboxPrefix: `_INBOX_${service}`,
    user: settings.NATS_USER,
    pass: settings.NATS_PASSWORD,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: false,
  };
}

/**
 * The process's client connection to NATS (requests, JetStream, broadcasts). The NestJS transport that
 * serves our handlers keeps a connection of its own. In a service, MessagingModule builds it with the
 * transport chosen at bootstrap (MESSAGING_TRANSPORT); standalone (CLI, tests) it connects to NATS.
 */
@Injectable()
export class NatsClient implements OnApplicationShutdown {
  private readonly logger = new Logger('Nats');
  private connection?: NatsConnection;
  private readonly reconnectListeners: Array<() => unknown> = [];
  /** Replicas of the JetStream stream and bucket this process creates when missing (JETSTREAM_REPLICAS). */
  jetstreamReplicas = 1;

  constructor(private readonly connector: NatsConnector = connect) {}

  async connect(options: ConnectionOptions): Promise<NatsConnection> {
    const connection = await this.connector(options);
    this.connection = connection;
    void (async () => {
      for await (const status of connection.status()) {
        if (status.type === 'disconnect' || status.type === 'reconnect') {
          this.logger.warn(`NATS ${status.type} (${String(status.data)})`);
        }
        if (status.type === 'reconnect') this.reconnected();
      }
    })();
    return connection;
  }

  /**
   * `listener` runs each time the connection comes back after a loss. Core-NATS broadcasts sent while it
   * was down never arrive: whatever they would have invalidated must be reloaded or dropped.
   */
  onReconnect(listener: () => unknown): void {
    this.reconnectListeners.push(listener);
  }

  private reconnected(): void {
    for (const listener of this.reconnectListeners) {
      try {
        const result = listener();
        if (result instanceof Promise) result.catch((error: unknown) => this.logger.warn({ err: error }, 'A reconnect listener failed'));
      } catch (error) {
        this.logger.warn({ err: error }, 'A reconnect listener failed');
      }
    }
  }

  get nc(): NatsConnection {
    if (!this.connection) throw new Error('NATS connection used before it was opened');
    return this.connection;
  }

  isReady(): boolean {
    return !!this.connection && !this.connection.isClosed() && !this.connection.isDraining() &&
      this.connection.info !== undefined && (this.connection as unknown as { protocol: { connected: boolean } }).protocol.connected;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.connection && !this.connection.isClosed()) await this.connection.drain().catch(() => undefined);
  }
}
