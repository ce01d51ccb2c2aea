import { CaughtMail, readCaughtMail, SmtpCatcher, TestDbClient, testDb, TestSystem, tokenFromLink } from '@gatehouse/testing';

const ARRIVAL_EVERY_MS = 100;
const OUTAGE_MS = 3000;

interface Attempt {
  startedAt: number;
  status: number;
  replayed: boolean;
  type?: string;
}

interface Logical {
  kind: 'forgotten' | 'group';
  target: string;
  attempts: Attempt[];
}

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

  async function call(method: string, path: string, init: { token?: string; body?: unknown; key?: string } = {}) {
    try {
      const response = await fetch(`${system.gatewayUrl}${path}`, {
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
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> | undefined, replayed: response.headers.get('idempotent-replayed') === 'true' };
    } catch {
      return { status: 0, body: undefined, replayed: false };
    }
  }

  const allReady = async () => {
    const states = await Promise.all(
      system.instances.map((i) => fetch(i.healthUrl, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false)),
    );
    return states.every(Boolean);
  };

  it('runs every committed request once: one email and one audit entry each, and nothing fails once NATS is back', async () => {
    expect((await call('POST', '/api/v1/setup', { body: owner })).status).toBe(201);
    const token = (await call('POST', '/api/v1/login', { body: owner })).body?.accessToken as string;
    const tenant = 'outage-home';
    expect((await call('POST', '/api/v1/tenants', { token, body: { id: tenant, name: 'Home' } })).status).toBe(201);
    const mailboxes = ['a', 'b', 'c', 'd'].map((x) => `outage-mail-${x}@gatehouse.test`);
    const userIds = new Map<string, string>();
    for (const email of mailboxes) {
      const created = await call('POST', '/api/v1/users', { token, body: { username: email, password: 'Outage-User-Pass-1', emailVerified: true } });
      expect(created.status).toBe(201);
      userIds.set(email, created.body?.id as string);
    }

    const requests: Logical[] = [];
    /** A client with a retry policy: the same key until a final answer (not 5xx, not "in progress"). */
    const send = async (logical: Logical, key: string) => {
      const path = logical.kind === 'forgotten' ? '/api/v1/forgotten-password' : `/api/v1/${tenant}/groups`;
      const body = logical.kind === 'forgotten' ? { email: logical.target } : { name: logical.target };
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        const startedAt = Date.now();
        const result = await call('POST', path, { token: logical.kind === 'group' ? token : undefined, body, key });
        const type = typeof result.body?.type === 'string' ? result.body.type.split('/').pop() : undefined;
        logical.attempts.push({ startedAt, status: result.status, replayed: result.replayed, type });
        if (result.status > 0 && result.status < 500 && type !== 'idempotency-key-in-progress') return;
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    let running = true;
    const inFlight: Array<Promise<void>> = [];
    const generator = (async () => {
      for (let n = 0; running; n++) {
        const logical: Logical =
          n % 2 === 0 ? { kind: 'forgotten', target: mailboxes[(n / 2) % mailboxes.length], attempts: [] } : { kind: 'group', target: `outage-group-${n}`, attempts: [] };
        requests.push(logical);
        inFlight.push(send(logical, `outage-${n}`));
        await new Promise((r) => setTimeout(r, ARRIVAL_EVERY_MS));
      }
    })();

    await new Promise((r) => setTimeout(r, 2000));
    const downAt = Date.now();
    await system.nats.restart(() => new Promise((r) => setTimeout(r, OUTAGE_MS)));
    const upAt = Date.now();
    while (!(await allReady())) await new Promise((r) => setTimeout(r, 100));
    const recoveredAt = Date.now();
    await new Promise((r) => setTimeout(r, 5000));
    running = false;
    await generator;
    await Promise.all(inFlight);

    const attempts = requests.flatMap((r) => r.attempts);
    const failed = (a: Attempt) => a.status === 0 || a.status >= 500;
    const afterRecovery = attempts.filter((a) => a.startedAt >= recoveredAt);
    process.stdout.write(
      `broker outage: ${requests.length} requests (${attempts.length} attempts) at one per ${ARRIVAL_EVERY_MS} ms; NATS down ${upAt - downAt} ms, ` +
        `every instance ready ${recoveredAt - upAt} ms after; failed attempts: ${attempts.filter((a) => a.startedAt < downAt && failed(a)).length} started before the outage, ` +
        `${attempts.filter((a) => a.startedAt >= downAt && a.startedAt < recoveredAt && failed(a)).length} during the outage, ${afterRecovery.filter(failed).length} after recovery; ` +
        `${attempts.filter((a) => a.replayed).length} answers replayed, ${afterRecovery.filter((a) => a.type === 'idempotency-key-in-progress').length} "in progress" after recovery\n`,
    );
    expect(requests.length).toBeGreaterThan(60);
    // the outage did hit requests: some attempt failed while NATS was away
    expect(attempts.some((a) => a.startedAt >= downAt && a.startedAt < upAt && failed(a))).toBe(true);
    expect(afterRecovery.length).toBeGreaterThan(20);
    expect(afterRecovery.filter(failed)).toEqual([]);
    // every request ends applied: 204 (forgotten password) or 201 (group), first time or replayed
    expect(requests.filter((r) => r.attempts.at(-1)?.status !== (r.kind === 'forgotten' ? 204 : 201))).toEqual([]);

    // groups: each exactly once, with exactly one audit entry
    const groups = requests.filter((r) => r.kind === 'group');
    const stored = await db.query(`SELECT name, id FROM "authorization".groups WHERE tenant_id = $1 AND name LIKE 'outage-group-%'`, [tenant]);
    expect(stored.rows.map((g) => g.name).sort()).toEqual(groups.map((g) => g.target).sort());
    // audit entries reach tenancy through the event stream: wait until the counts settle
    const settled = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
      const deadline = Date.now() + 30_000;
      let value = await read();
      while (!done(value) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        value = await read();
      }
      return value;
    };
    const groupAudits = await settled(
      async () =>
        (await db.query(
          `SELECT resource_id, count(*)::int AS n FROM tenancy.audit_logs WHERE resource_type = 'GROUP' AND type = 'CREATE' AND tenant_id = $1 GROUP BY resource_id`,
          [tenant],
        )).rows as Array<{ resource_id: string; n: number }>,
      (rows) => rows.length >= groups.length,
    );
    expect(groupAudits.map((row) => row.resource_id).sort()).toEqual(stored.rows.map((g) => g.id).sort());
    expect(groupAudits.filter((row) => row.n !== 1)).toEqual([]);

    // forgotten passwords: per mailbox, as many audit entries and distinct emails as requests
    const forgotten = requests.filter((r) => r.kind === 'forgotten');
    const perMailbox = (list: string[]) => Object.fromEntries(mailboxes.map((m) => [m, list.filter((x) => x === m).length]));
    const expected = perMailbox(forgotten.map((r) => r.target));
    const emailOf = new Map([...userIds].map(([email, id]) => [id, email]));
    const auditCounts = await settled(
      async () =>
        perMailbox(
          (await db.query(`SELECT resource_id FROM tenancy.audit_logs WHERE resource_type = 'USER' AND details->>'action' = 'forgotten-password'`)).rows.map(
            (row) => emailOf.get(row.resource_id) as string,
          ),
        ),
      (counts) => Object.values(counts).reduce((x, y) => x + y, 0) >= forgotten.length,
    );
    expect(auditCounts).toEqual(expected);

    const resetMails = async () => (await readCaughtMail(smtp.dir)).filter((m) => m.headers['x-gatehouse-template'] === 'forgotten-password');
    const distinct = (mails: CaughtMail[]) => [...new Map(mails.map((m) => [m.messageId, m])).values()];
    const mailDeadline = Date.now() + 60_000;
    while (distinct(await resetMails()).length < forgotten.length && Date.now() < mailDeadline) await new Promise((r) => setTimeout(r, 250));
    await new Promise((r) => setTimeout(r, 2000)); // a second email for a request would arrive by now
    const emails = distinct(await resetMails());
    expect(perMailbox(emails.flatMap((m) => m.to))).toEqual(expected);
    expect(new Set(emails.map((m) => tokenFromLink(m, '/ui/reset-password'))).size).toBe(emails.length);
  }, 300_000);
});
