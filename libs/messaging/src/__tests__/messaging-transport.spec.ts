import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConnectionOptions, NatsConnection } from 'nats';
import { MessagingModule } from '../messaging.module';
import { MessagingTransport, MessagingTransportModule } from '../messaging-transport';
import { NatsClient } from '../nats-connection';

@Module({})
class Root {}

const settings = { NATS_URL: 'nats://127.0.0.1:1', RPC_TIMEOUT_MS: 1000 };

describe('MessagingTransport', () => {
  it("is what the process's NatsClient connects through", async () => {
    const connection = {
      status: async function* () {
        // no status events
      },
      isClosed: () => true,
    } as unknown as NatsConnection;
    const seen: ConnectionOptions[] = [];
    const transport: MessagingTransport = { name: 'test', connect: async (options) => (seen.push(options), connection) };
    const app = await NestFactory.createApplicationContext(
      { module: Root, imports: [MessagingTransportModule.use(transport), MessagingModule.forRoot({ service: 'svc', settings })] },
      { logger: false },
    );
    try {
      expect(app.get(NatsClient).nc).toBe(connection);
      expect(seen).toEqual([expect.objectContaining({ name: 'svc-client', inboxPrefix: '_INBOX_svc', servers: ['nats://127.0.0.1:1'] })]);
    } finally {
      await app.close();
    }
  });

  it('must be chosen: without one the process does not start, naming MESSAGING_TRANSPORT', async () => {
    await expect(
      NestFactory.createApplicationContext({ module: Root, imports: [MessagingModule.forRoot({ service: 'svc', settings })] }, { logger: false, abortOnError: false }),
    ).rejects.toThrow(/MESSAGING_TRANSPORT/);
  });
});
