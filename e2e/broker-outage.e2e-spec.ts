import {
  failedAttempt, keyedLoadEffects, keyedLoadEnv, seedKeyedLoad, SmtpCatcher, startKeyedLoad, TestDbClient, testDb, TestSystem,
} from '@gatehouse/testing';

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

  beforeAll(async () => {
    smtp = await SmtpCatcher.start();
    system = await TestSystem.start({
      name: 'broker-outage',
      env: keyedLoadEnv(smtp, 'http://outage.e2e.test'),
    });
    db = await testDb(system);
  }, 180_000);
  afterAll(async () => {
    await db?.end();
    await system?.stop();
    await smtp?.stop();
  }, 60_000);

  it('runs every committed request once: one email and one audit entry each, and nothing fails once NATS is back', async () => {
    const { token, tenant, users } = await seedKeyedLoad(system.gatewayUrl, 'outage');

    const load = startKeyedLoad({ gatewayUrl: () => system.gatewayUrl, token, tenant, mailboxes: [...users.keys()], everyMs: ARRIVAL_EVERY_MS, keyPrefix: 'outage' });
    await new Promise((r) => setTimeout(r, 2000));
    const downAt = Date.now();
    await system.nats.restart(() => new Promise((r) => setTimeout(r, OUTAGE_MS)));
    const upAt = Date.now();
    while (!(await system.allReady())) await new Promise((r) => setTimeout(r, 100));
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
