import { AuthorizationRpc } from '@gatehouse/contracts';
import { NatsClient, RpcClient } from '@gatehouse/messaging';
import { api, bearer, superAdminToken } from '@gatehouse/testing';

interface Connection {
  cid: number;
  out_msgs: number;
  subscriptions_list?: string[];
}

/** Messages delivered to each connection subscribed to `subject`, from the private server's monitoring endpoint. */
async function deliveredToSubscribersOf(subject: string): Promise<number[]> {
  const monitor = process.env.E2E_NATS_MONITOR_URL;
  if (!monitor) throw new Error('this suite needs the private nats-server the e2e harness starts (monitoring endpoint)');
  const body = (await (await fetch(`${monitor}/connz?limit=1000&sort=cid&subs=1`)).json()) as { connections: Connection[] };
  return body.connections.filter((c) => c.subscriptions_list?.includes(subject)).map((c) => c.out_msgs);
}

describe('NATS queue group', () => {
  it('spreads decisions over both running authorization instances', async () => {
    const token = await superAdminToken();
    const me = (await api().get('/api/v1/me').set(...bearer(token)).expect(200)).body as { id: string };
    const nats = new NatsClient();
    await nats.connect({ servers: process.env.E2E_NATS_URL, name: 'e2e-queue-group' });
    try {
      const rpc = new RpcClient(nats);
      const before = await deliveredToSubscribersOf(AuthorizationRpc.check.subject);
      expect(before).toHaveLength(2);
      for (let i = 0; i < 40; i++) {
        const decision = await rpc.request(AuthorizationRpc.check, {
          caller: { type: 'SERVICE', id: 'e2e', via: 'internal' },
          data: { subject: { type: 'USER', id: me.id }, scope: 'INSTANCE', tenantId: null, permission: 'TENANT', action: 'READ' },
        });
        expect(decision.allowed).toBe(true);
      }
      const after = await deliveredToSubscribersOf(AuthorizationRpc.check.subject);
      const received = after.map((count, i) => count - before[i]);
      expect(received.every((n) => n > 0)).toBe(true);
      expect(received.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(40);
    } finally {
      await nats.onApplicationShutdown();
    }
  });
});
