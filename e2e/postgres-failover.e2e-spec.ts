import {
  failedAttempt, KeyedRequest, keyedLoadEffects, keyedLoadEnv, PostgresHa, seedKeyedLoad, SmtpCatcher, startKeyedLoad, startPostgresHa, TestSystem,
  withTestDb,
} from '@gatehouse/testing';

const ARRIVAL_EVERY_MS = 100;
/** How long the primary stays dead before it is replaced: an operator's (or CloudNativePG's) reaction time. */
const DETECTION_MS = 3000;
/** Writes must be accepted again within this long after the promotion. */
const RECOVERY_BOUND_MS = 10_000;

/**
 * Postgres primary + synchronous streaming standby behind HAProxy (deploy/postgres-ha/haproxy.cfg): the
 * services only know HAProxy's address. Under an open-loop load of keyed writes (forgotten-password
 * requests and group creations, each retried with its Idempotency-Key until it has a final answer), the
 * primary is SIGKILLed and, a few seconds later, the standby is promoted with `pg_ctl promote`. HAProxy's
 * check moves the address to it; the services' pools drop their dead connections and open new ones there.
 * Every acknowledged write is present afterwards, nothing is applied twice, writes succeed again within
 * 10 s of the promotion, and no service process was restarted.
 */
describe('Postgres high availability: one address (HAProxy) in front of a primary and a synchronous standby', () => {
  let ha: PostgresHa;
  let system: TestSystem;
  let smtp: SmtpCatcher;
  let seeded: Awaited<ReturnType<typeof seedKeyedLoad>>;
  let pids: Array<number | undefined>;
  /** Every request of every load so far: each test checks the effects of all of them. */
  const sent: KeyedRequest[] = [];

  beforeAll(async () => {
    ha = await startPostgresHa();
    smtp = await SmtpCatcher.start();
    system = await TestSystem.start({
      name: 'postgres-failover',
      postgresUrl: ha.url,
      env: keyedLoadEnv(smtp, 'http://failover.e2e.test'),
    });
    seeded = await seedKeyedLoad(system.gatewayUrl, 'failover');
    pids = system.instances.map((i) => i.process.pid);
  }, 240_000);
  afterAll(async () => {
    await system?.stop();
    await smtp?.stop();
    await ha?.stop();
  }, 60_000);

  const load = (keyPrefix: string) =>
    startKeyedLoad({ gatewayUrl: () => system.gatewayUrl, token: seeded.token, tenant: seeded.tenant, mailboxes: [...seeded.users.keys()], everyMs: ARRIVAL_EVERY_MS, keyPrefix });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const checks = (stats: Record<string, Record<string, string>>) =>
    Object.entries(stats).map(([name, row]) => `${name} ${row.status} (${row.chkfail} failed checks, last ${row.check_status} in ${row.check_duration} ms)`).join(', ');
  const finalOf = (r: KeyedRequest) => r.attempts.at(-1);
  /** 204 (forgotten password) or 201 (group), first time or replayed. */
  const applied = (r: KeyedRequest) => finalOf(r)?.status === (r.kind === 'forgotten' ? 204 : 201);

  /** Every request of every load applied once: its group stored and audited once, one audit entry and one email per forgotten password. */
  const expectEachAppliedOnce = async () => {
    // a client of its own each time: one left open would die with the primary
    const effects = await withTestDb((db) => keyedLoadEffects(db, smtp, seeded.tenant, seeded.users, sent), system);
    // every group whose creation was acknowledged is there (and every other one, retried with its key), once
    const acknowledgedGroups = sent.filter((r) => r.kind === 'group' && r.attempts.some((a) => a.status === 201)).map((r) => r.target);
    expect(acknowledgedGroups.filter((g) => !effects.groupsStored.includes(g))).toEqual([]);
    expect(effects.groupsStored).toEqual(effects.groupsRequested);
    expect(effects.groupsNotAuditedOnce).toEqual([]);
    expect(effects.forgottenAuditsPerMailbox).toEqual(effects.expectedPerMailbox);
    expect(effects.emailsPerMailbox).toEqual(effects.expectedPerMailbox);
    expect(effects.distinctResetLinks).toBe(effects.emails);
  };

  it('HAProxy restarted: every session is cut, writes that land on the standby before its check marks it down are 503s, and the services reconnect', async () => {
    const running = load('restart');
    await sleep(2000);
    const restartedAt = Date.now();
    await ha.restartHaproxy();
    // HAProxy starts with both nodes up: until the standby fails its checks, new connections may reach it
    while ((await ha.haproxyStates())['pg-b']?.startsWith('DOWN') !== true) await sleep(100);
    const standbyDownAt = Date.now();
    await sleep(3000);
    const requests = await running.stop();
    sent.push(...requests);

    const attempts = requests.flatMap((r) => r.attempts);
    const failed = attempts.filter(failedAttempt);
    const refusedOnStandby = ha.logOf(ha.standby).match(/read-only transaction/g)?.length ?? 0;
    process.stdout.write(
      `haproxy restart: ${requests.length} requests (${attempts.length} attempts) at one per ${ARRIVAL_EVERY_MS} ms; standby marked down ${standbyDownAt - restartedAt} ms ` +
        `after the restart; ${refusedOnStandby} writes refused by the standby; ${failed.length} failed attempts (${[...new Set(failed.map((a) => a.status))].join(', ') || '-'})\n`,
    );
    // writes did reach the standby; each did not happen and was answered as retryable, never as a 500
    expect(refusedOnStandby).toBeGreaterThan(0);
    expect(failed.filter((a) => a.status !== 503)).toEqual([]);
    expect(requests.filter((r) => !applied(r))).toEqual([]);
    expect(attempts.filter((a) => a.startedAt > standbyDownAt && failedAttempt(a))).toEqual([]);
    expect(system.instances.map((i) => i.process.pid)).toEqual(pids);
    await expectEachAppliedOnce();
  }, 180_000);

  it('primary killed and standby promoted: every acknowledged write kept, none applied twice, writes accepted again within 10 s, no restart', async () => {
    expect(await ha.haproxyStates()).toEqual({ 'pg-a': expect.stringMatching(/^UP/), 'pg-b': expect.stringMatching(/^DOWN/) });
    const running = load('failover');
    await sleep(3000);
    const killedAt = Date.now();
    ha.killPrimary();
    await sleep(DETECTION_MS);
    const promotingAt = Date.now();
    ha.promoteStandby();
    const promotedAt = Date.now();
    // long enough past the bound to see that writes succeed there
    await sleep(RECOVERY_BOUND_MS + 5000);
    const requests = await running.stop();
    sent.push(...requests);

    const attempts = requests.flatMap((r) => r.attempts).sort((a, b) => a.startedAt - b.startedAt);
    const failed = attempts.filter(failedAttempt);
    // the first write answered 2xx after the promotion (one sent during the outage may have waited in HAProxy's queue)
    const firstGoodAfter = attempts.filter((a) => a.finishedAt >= promotedAt && a.status >= 200 && a.status < 300).sort((a, b) => a.finishedAt - b.finishedAt)[0];
    const lastFailed = failed.at(-1);
    const outcomeUnknown = requests.filter((r) => finalOf(r)?.type === 'idempotency-outcome-unknown').length;
    process.stdout.write(
      `postgres failover: ${requests.length} requests (${attempts.length} attempts) at one per ${ARRIVAL_EVERY_MS} ms; primary killed, standby promoted ` +
        `${promotingAt - killedAt} ms later (pg_ctl promote took ${promotedAt - promotingAt} ms); ${failed.length} failed attempts ` +
        `(${[...new Set(failed.map((a) => a.status))].join(', ') || '-'}), from ${failed.length ? failed[0].startedAt - killedAt : '-'} ms to ` +
        `${lastFailed ? lastFailed.startedAt - killedAt : '-'} ms after the kill; first write accepted ${firstGoodAfter ? firstGoodAfter.finishedAt - promotedAt : '-'} ms ` +
        `after the promotion; last failed attempt started ${lastFailed ? lastFailed.startedAt - promotedAt : '-'} ms after it; ` +
        `${attempts.filter((a) => a.replayed).length} answers replayed, ${outcomeUnknown} "outcome unknown"; HAProxy: ${checks(await ha.haproxyStats())}\n`,
    );

    // the kill did hit requests, and they failed as retryable
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.filter((a) => a.status !== 503)).toEqual([]);
    // writes accepted again within the bound: none failed that started past it, and some succeeded
    expect(firstGoodAfter).toBeDefined();
    expect(failed.filter((a) => a.startedAt > promotedAt + RECOVERY_BOUND_MS)).toEqual([]);
    expect(attempts.filter((a) => a.startedAt > promotedAt + RECOVERY_BOUND_MS).length).toBeGreaterThan(20);
    // every request ends applied, or, for one whose change committed just as the primary died before its
    // answer could be stored, 409 "outcome unknown" (the change is there; it is never run again)
    expect(requests.filter((r) => !applied(r) && finalOf(r)?.type !== 'idempotency-outcome-unknown')).toEqual([]);

    // the same processes throughout, every one ready again
    expect(system.instances.map((i) => i.process.pid)).toEqual(pids);
    expect(system.instances.filter((i) => i.process.exitCode !== null || i.process.signalCode !== null)).toEqual([]);
    expect(await system.allReady()).toBe(true);

    // read through HAProxy: the promoted standby
    const serving = await withTestDb(async (db) => (await db.query('SELECT pg_is_in_recovery() AS r, inet_server_port() AS port')).rows[0], system);
    expect(serving).toEqual({ r: false, port: ha.standby.port });
    await expectEachAppliedOnce();
  }, 300_000);
});
