import { api, bearer, login, SUPER_ADMIN } from '@gatehouse/testing';

interface Connection {
  name?: string;
  in_msgs: number;
}

/** Messages received per NATS connection named `name`, from the private server's monitoring endpoint. */
async function inboundByConnection(name: string): Promise<number[]> {
  const monitor = process.env.E2E_NATS_MONITOR_URL;
  if (!monitor) throw new Error('this suite needs the private nats-server the e2e harness starts (monitoring endpoint)');
  const body = (await (await fetch(`${monitor}/connz?limit=1000`)).json()) as { connections: Connection[] };
  return body.connections.filter((c) => c.name === name).map((c) => c.in_msgs);
}

describe('NATS queue group', () => {
  it('spreads authorization checks over both running authorization instances', async () => {
    const token = await login(SUPER_ADMIN.username, SUPER_ADMIN.password);
    const before = await inboundByConnection('authorization');
    expect(before).toHaveLength(2);
    for (let i = 0; i < 40; i++) await api().get('/api/v1/tenants').set(...bearer(token)).expect(200);
    const after = await inboundByConnection('authorization');
    const received = after.map((count, i) => count - before[i]);
    expect(received.every((n) => n > 0)).toBe(true);
    expect(received.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(40);
  });
});
