import { BACKEND_SERVICES, TestSystem } from '@gatehouse/testing';

/**
 * Two instances of every service and two gateways under steady load; one instance of each is killed
 * with SIGKILL in turn and restarted. Reads must never fail; writes (with an Idempotency-Key, retried by
 * the client like any HTTP client would) must end applied exactly once or cleanly refused.
 */
describe('fault tolerance: SIGKILL one replica of each service in turn under load', () => {
  let system: TestSystem;
  const owner = { username: 'faults@gatehouse.test', password: 'Faults-Pass-2024' };

  beforeAll(async () => {
    system = await TestSystem.start({
      name: 'faults',
      env: { MULTI_TENANCY_ENABLED: 'true', RATE_LIMIT_PER_IP_PER_MINUTE: '0', RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0' },
      replicas: { identity: 2, tenancy: 2, authorization: 2, notification: 2 },
      gateways: 2,
    });
  }, 180_000);
  afterAll(() => system?.stop(), 60_000);

  /** An HTTP client behind a load balancer: a connection refused by one gateway goes to the other. */
  const gateways = () => [...system.gatewayUrls];
  let next = 0;
  async function call(method: string, path: string, init: { token?: string; body?: unknown; key?: string } = {}): Promise<{ status: number; body: unknown }> {
    const urls = gateways();
    for (let attempt = 0; attempt < 20; attempt++) {
      const url = urls[next++ % urls.length];
      try {
        const response = await fetch(`${url}${path}`, {
          method,
          headers: {
            ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
            ...(init.body ? { 'content-type': 'application/json' } : {}),
            ...(init.key ? { 'idempotency-key': init.key } : {}),
          },
          body: init.body ? JSON.stringify(init.body) : undefined,
          signal: AbortSignal.timeout(15_000),
        });
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : undefined };
      } catch {
        // connection refused or reset: like a load balancer, try the next gateway after a short pause
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return { status: 0, body: 'no gateway reachable' };
  }

  it('loses no read and applies every write once', async () => {
    expect((await call('POST', '/api/v1/setup', { body: owner })).status).toBe(201);
    const token = ((await call('POST', '/api/v1/login', { body: owner })).body as { accessToken: string }).accessToken;
    const tenant = 'faults-home';
    expect((await call('POST', '/api/v1/tenants', { token, body: { id: tenant, name: 'Home' } })).status).toBe(201);

    const failedReads: Array<{ path: string; status: number; body: unknown }> = [];
    let reads = 0;
    const writes: Array<{ id: string; statuses: number[] }> = [];
    let running = true;

    const reader = async () => {
      const paths = ['/api/v1/me', `/api/v1/tenants?q=faults`, `/api/v1/${tenant}/auditlogs/search`, `/api/v1/tenants/${tenant}`];
      while (running) {
        const path = paths[reads % paths.length];
        const result = await call('GET', path, { token });
        reads++;
        if (result.status !== 200) failedReads.push({ path, ...result });
      }
    };
    const writer = async (worker: number) => {
      for (let n = 0; running; n++) {
        const id = `faults-${worker}-${n}`;
        const record = { id, statuses: [] as number[] };
        writes.push(record);
        for (let attempt = 0; attempt < 60; attempt++) {
          const result = await call('POST', '/api/v1/tenants', { token, body: { id, name: `Load ${id}` }, key: `create-${id}` });
          record.statuses.push(result.status);
          if (result.status > 0 && result.status < 500 && result.status !== 409) break;
          if (result.status === 409 && !String((result.body as { detail?: string })?.detail).includes('in progress')) break;
          await new Promise((r) => setTimeout(r, 300));
        }
      }
    };
    const load = Promise.all([reader(), reader(), reader(), writer(1), writer(2)]);

    for (const service of [...BACKEND_SERVICES, 'gateway' as const]) {
      await new Promise((r) => setTimeout(r, 1500));
      const [victim] = system.instancesOf(service);
      await system.kill(victim);
      await new Promise((r) => setTimeout(r, 1500));
      await system.addInstance(service);
    }
    await new Promise((r) => setTimeout(r, 1500));
    running = false;
    await load;

    expect(reads).toBeGreaterThan(100);
    expect(failedReads).toEqual([]);
    expect(writes.filter((w) => w.statuses.at(-1) !== 201)).toEqual([]);
    const listed = (await call('GET', '/api/v1/tenants?q=faults-&size=500', { token })).body as { total: number; results: Array<{ id: string }> };
    const ids = listed.results.map((t) => t.id).filter((id) => id !== tenant);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(writes.map((w) => w.id).sort());
  }, 240_000);
});
