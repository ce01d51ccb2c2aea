import { failedAttempt, keyedLoadEffects, SmtpCatcher, startKeyedLoad, TestDbClient, testDb, TestSystem } from '@gatehouse/testing';

const ARRIVAL_EVERY_MS = 100;
const OUTAGE_MS = 3000;

/**
 * NATS restarted (a 3 s outage) under an open-loop load (a new request every 100 ms whatever the
 * previous ones do) of keyed writes: forgotten-password requests and group creations, each retried with
 * its Idempotency-Key by the client until it gets a final answer. A request whose change committed while
 * NATS was away is answered from the owning service's record (Postgres, written with the change), never
 * run again: exactly one email and one audit entry per request. Once NATS and every instance are back,
 * no attempt fails (the gateway's cached look-ups served their last good values through the outage).
 */
describe('broker outage: NATS restarted under keyed writes', () => {
  let system: TestSystem;
  let smtp: SmtpCatcher;
  let db: TestDbClient;
  const owner = { username: 'outage@gatehouse.test', password: 'Outage-Pass-2024' };

  beforeAll(async () => {
    smtp = await SmtpCatcher.start();
    system = await TestSystem.start({
      name: 'broker-outage',
      env: {
        MULTI_TENANCY_ENABLED: 'true', RATE_LIMIT_PER_IP_PER_MINUTE: '0', RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0',
        SMTP_HOST: smtp.host, SMTP_PORT: String(smtp.port), PUBLIC_BASE_URL: 'http://outage.e2e.test',
        DELIVERY_POLL_MS: '200', DELIVERY_RETRY_BASE_MS: '200', DELIVERY_RETRY_MAX_MS: '1000',
      },
    });
    db = await testDb(system);
  }, 180_000);
  afterAll(async () => {
    await db?.end();
    await system?.stop();
    await smtp?.stop();
  }, 60_000);

  const post = async (path: string, body: unknown, token?: string) => {
    const response = await fetch(`${system.gatewayUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined };
  };

  const allReady = async () => {
    const states = await Promise.all(
      system.instances.map((i) => fetch(i.healthUrl, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false)),
    );
    return states.every(Boolean);
  };

  it('runs every committed request once: one email and one audit entry each, and nothing fails once NATS is back', async () => {
    expect((await post('/api/v1/setup', owner)).status).toBe(201);
    const token = (await post('/api/v1/login', owner)).body?.accessToken as string;
    const tenant = 'outage-home';
    expect((await post('/api/v1/tenants', { id: tenant, name: 'Home' }, token)).status).toBe(201);
    const users = new Map<string, string>();
    for (const email of ['a', 'b', 'c', 'd'].map((x) => `outage-mail-${x}@gatehouse.test`)) {
      const created = await post('/api/v1/users', { username: email, password: 'Outage-User-Pass-1', emailVerified: true }, token);
      expect(created.status).toBe(201);
      users.set(email, created.body?.id as string);
    }

    const load = startKeyedLoad({ gatewayUrl: () => system.gatewayUrl, token, tenant, mailboxes: [...users.keys()], everyMs: ARRIVAL_EVERY_MS, keyPrefix: 'outage' });
    await new Promise((r) => setTimeout(r, 2000));
    const downAt = Date.now();
    await system.nats.restart(() => new Promise((r) => setTimeout(r, OUTAGE_MS)));
    const upAt = Date.now();
    while (!(await allReady())) await new Promise((r) => setTimeout(r, 100));
    const recoveredAt = Date.now();
    await new Promise((r) => setTimeout(r, 5000));
    const requests = await load.stop();

    const attempts = requests.flatMap((r) => r.attempts);
    const afterRecovery = attempts.filter((a) => a.startedAt >= recoveredAt);
    process.stdout.write(
      `broker outage: ${requests.length} requests (${attempts.length} attempts) at one per ${ARRIVAL_EVERY_MS} ms; NATS down ${upAt - downAt} ms, ` +
        `every instance ready ${recoveredAt - upAt} ms after; failed attempts: ${attempts.filter((a) => a.startedAt < downAt && failedAttempt(a)).length} started before the outage, ` +
        `${attempts.filter((a) => a.startedAt >= downAt && a.startedAt < recoveredAt && failedAttempt(a)).length} during the outage, ${afterRecovery.filter(failedAttempt).length} after recovery; ` +
        `${attempts.filter((a) => a.replayed).length} answers replayed, ${afterRecovery.filter((a) => a.type === 'idempotency-key-in-progress').length} "in progress" after recovery\n`,
    );
    expect(requests.length).toBeGreaterThan(60);
    // the outage did hit requests: some attempt failed while NATS was away
    expect(attempts.some((a) => a.startedAt >= downAt && a.startedAt < upAt && failedAttempt(a))).toBe(true);
    expect(afterRecovery.length).toBeGreaterThan(20);
    expect(afterRecovery.filter(failedAttempt)).toEqual([]);
    // every request ends applied: 204 (forgotten password) or 201 (group), first time or replayed
    expect(requests.filter((r) => r.attempts.at(-1)?.status !== (r.kind === 'forgotten' ? 204 : 201))).toEqual([]);

    const effects = await keyedLoadEffects(db, smtp, tenant, users, requests);
    expect(effects.groupsStored).toEqual(effects.groupsRequested);
    expect(effects.groupsNotAuditedOnce).toEqual([]);
    expect(effects.forgottenAuditsPerMailbox).toEqual(effects.expectedPerMailbox);
    expect(effects.emailsPerMailbox).toEqual(effects.expectedPerMailbox);
    expect(effects.distinctResetLinks).toBe(effects.emails);
  }, 300_000);
});
