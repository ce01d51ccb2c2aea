import { BACKEND_SERVICES, ServiceName, TestSystem } from '@gatehouse/testing';

/**
 * SIGTERM is how an orchestrator stops an instance (rolling update, scale-in). With two instances of
 * every backend service under a steady stream of reads and writes through the gateway, one instance of
 * each is sent SIGTERM in turn: it leaves its NATS queue group, finishes what it holds, and exits. No
 * request may fail, and no write may be lost or slowed past a NATS timeout (writes are sent once, without
 * retry or Idempotency-Key, so a dropped in-flight write would show as a 504).
 */
const GATEWAY_SHUTDOWN_DELAY_MS = 3000;

describe('graceful shutdown: SIGTERM drains in-flight requests before exit', () => {
  let system: TestSystem;
  const owner = { username: 'drain@gatehouse.test', password: 'Drain-Pass-2024' };

  beforeAll(async () => {
    system = await TestSystem.start({
      name: 'graceful',
      env: { MULTI_TENANCY_ENABLED: 'true', RATE_LIMIT_PER_IP_PER_MINUTE: '0', RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0', SHUTDOWN_DELAY_MS: String(GATEWAY_SHUTDOWN_DELAY_MS) },
      replicas: { identity: 2, tenancy: 2, authorization: 2, notification: 2 },
    });
  }, 180_000);
  afterAll(() => system?.stop(), 60_000);

  /** One attempt, no retry: any error is a failed request. */
  async function call(method: string, path: string, init: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown; ms: number }> {
    const started = Date.now();
    try {
      const response = await fetch(`${system.gatewayUrl}${path}`, {
        method,
        headers: {
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...(init.body ? { 'content-type': 'application/json' } : {}),
        },
        body: init.body ? JSON.stringify(init.body) : undefined,
        signal: AbortSignal.timeout(15_000),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined, ms: Date.now() - started };
    } catch (error) {
      return { status: 0, body: String(error), ms: Date.now() - started };
    }
  }

  it('readiness checks what each process depends on: Postgres and NATS for services, NATS only for the gateway', async () => {
    for (const service of BACKEND_SERVICES) {
      const response = await fetch(system.instancesOf(service)[0].healthUrl);
      expect({ service, status: response.status }).toEqual({ service, status: 200 });
      const body = (await response.json()) as { info: Record<string, { status: string }> };
      expect(body.info).toEqual({ shutdown: { status: 'up' }, nats: { status: 'up' }, postgres: { status: 'up' } });
    }
    const gateway = await fetch(system.instancesOf('gateway')[0].healthUrl);
    expect(gateway.status).toBe(200);
    expect(((await gateway.json()) as { info: unknown }).info).toEqual({ shutdown: { status: 'up' }, nats: { status: 'up' } });
  });

  it('loses no request when one instance of each service gets SIGTERM in turn', async () => {
    expect((await call('POST', '/api/v1/setup', { body: owner })).status).toBe(201);
    const token = ((await call('POST', '/api/v1/login', { body: owner })).body as { accessToken: string }).accessToken;
    const tenant = 'drain-home';
    expect((await call('POST', '/api/v1/tenants', { token, body: { id: tenant, name: 'Home' } })).status).toBe(201);

    const failed: Array<{ what: string; status: number; body: unknown }> = [];
    let done = 0;
    let slowest = 0;
    const created: string[] = [];
    let running = true;
    const worker = async (n: number) => {
      for (let i = 0; running; i++) {
        let what: string;
        let result: { status: number; body: unknown; ms: number };
        let expected = 200;
        if (i % 3 === 2) {
          const name = `drain-${n}-${i}`;
          what = `POST group ${name}`;
          expected = 201;
          result = await call('POST', `/api/v1/${tenant}/groups`, { token, body: { name } });
          if (result.status === 201) created.push(name);
        } else {
          what = i % 2 ? 'GET /me' : `GET /${tenant}/groups`;
          result = await call('GET', i % 2 ? '/api/v1/me' : `/api/v1/${tenant}/groups?size=5`, { token });
        }
        done++;
        slowest = Math.max(slowest, result.ms);
        if (result.status !== expected) failed.push({ what, status: result.status, body: result.body });
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, (_, n) => worker(n)));

    const exits: Array<{ service: ServiceName; ms: number; signal: string | null; code: number | null }> = [];
    for (const service of BACKEND_SERVICES) {
      await new Promise((r) => setTimeout(r, 1500));
      const [victim] = system.instancesOf(service);
      const sent = Date.now();
      await system.kill(victim, 'SIGTERM');
      exits.push({ service, ms: Date.now() - sent, signal: victim.process.signalCode, code: victim.process.exitCode });
      await system.addInstance(service);
    }
    await new Promise((r) => setTimeout(r, 1500));
    running = false;
    await load;

    expect(done).toBeGreaterThan(100);
    expect(failed).toEqual([]);
    // a write held by a stopping instance and dropped would have waited for the 5 s NATS timeout
    expect(slowest).toBeLessThan(5000);
    // each victim exited by itself after draining (Nest re-raises SIGTERM once closed), well before a SIGKILL would be due
    for (const exit of exits) {
      expect(exit.signal === 'SIGTERM' || exit.code === 0).toBe(true);
      expect(exit.ms).toBeLessThan(10_000);
    }
    const names: string[] = [];
    for (let page = 1; ; page++) {
      const listed = await call('GET', `/api/v1/${tenant}/groups?q=drain-&size=500&page=${page}`, { token });
      expect(listed.status).toBe(200);
      const results = (listed.body as { results: Array<{ name: string }> }).results;
      names.push(...results.map((g) => g.name));
      if (results.length < 500) break;
    }
    expect(names.sort()).toEqual([...created].sort());
  }, 240_000);

  it('the gateway turns not ready at SIGTERM and keeps answering for SHUTDOWN_DELAY_MS before it closes', async () => {
    const [gateway] = system.instancesOf('gateway');
    const readiness = async () => {
      const response = await fetch(gateway.healthUrl);
      return { status: response.status, body: (await response.json()) as { error?: Record<string, { status: string }> } };
    };
    expect((await readiness()).status).toBe(200);
    const exited = new Promise<number>((resolve) => gateway.process.once('exit', () => resolve(Date.now())));
    const signalled = Date.now();
    gateway.process.kill('SIGTERM');
    let answer = await readiness();
    for (let i = 0; i < 20 && answer.status === 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      answer = await readiness();
    }
    expect(answer).toEqual({ status: 503, body: expect.objectContaining({ error: { shutdown: { status: 'down', message: 'shutting down' } } }) });
    // Still serving the API (a new connection, as a load balancer's late request would be) while not ready.
    const login = await fetch(`${system.gatewayUrl}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ username: 'nobody@gatehouse.test', password: 'Not-The-Password-1' }),
    });
    expect(login.status).toBe(401);
    expect(Date.now() - signalled).toBeLessThan(GATEWAY_SHUTDOWN_DELAY_MS);
    expect((await exited) - signalled).toBeGreaterThanOrEqual(GATEWAY_SHUTDOWN_DELAY_MS - 100);
  }, 30_000);
});
