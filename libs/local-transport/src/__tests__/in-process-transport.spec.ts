import { JSONCodec } from 'nats';
import { InProcessBroker } from '../in-process-broker';
import { InProcessServer } from '../in-process-server';
import { inProcessTransport } from '../in-process-transport';

describe('inProcessTransport', () => {
  it('connects every client to the broker and serves handlers with an InProcessServer on it', async () => {
    const broker = new InProcessBroker();
    try {
      const transport = inProcessTransport(broker);
      expect(transport.name).toBe('in-process');
      expect(transport.server?.({ servers: [], queue: 'svc' })).toBeInstanceOf(InProcessServer);
      const a = await transport.connect({ name: 'a' });
      const b = await transport.connect({ name: 'b' });
      const codec = JSONCodec<string>();
      b.subscribe('hello', { callback: (_error, message) => message.respond(codec.encode(`hi ${codec.decode(message.data)}`)) });
      const reply = await a.request('hello', codec.encode('a'), { timeout: 1000 });
      expect(codec.decode(reply.data)).toBe('hi a');
    } finally {
      broker.close();
    }
  });
});
