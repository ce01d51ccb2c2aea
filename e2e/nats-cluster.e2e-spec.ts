import { EVENTS_STREAM } from '@gatehouse/contracts';
import { IDEMPOTENCY_BUCKET } from '@gatehouse/messaging';
import {
  failedAttempt, keyedLoadEffects, keyedLoadEnv, postJson, seedKeyedLoad, SmtpCatcher, startKeyedLoad, TestDbClient, testDb, TestSystem,
} from '@gatehouse/testing';
import { connect, NatsConnection } from 'nats';

const ARRIVAL_EVERY_MS = 100;
/** Failed attempts must all have started within this long after the node was killed. */
const FAILURE_WINDOW_BOUND_MS = 20_000;

/**
 * Three nats-server processes with routes between them; the services get all three URLs and create the
 * events stream and the idempotency bucket with 3 replicas (JETSTREAM_REPLICAS). Under an open-loop load of
 * keyed writes, the node leading the events stream is SIGKILLed: no audit entry or email is lost or
 * doubled, failures stay within a bounded window after the kill (reported), and every service carries on
 * without being restarted.
 */
describe('NATS cluster: the node leading the event stream is killed under write load', () => {
  let system: TestSystem;
  let smtp: SmtpCatcher;
  let db: TestDbClient;
  let nc: NatsConnection;

  beforeAll(async () => {
    smtp = await SmtpCatcher.start();
    system = await TestSystem.start({
      name: 'nats-cluster',
      natsClusterSize: 3,
      env: keyedLoadEnv(smtp, 'http://cluster.e2e.test'),
    });
    db = await testDb(system);
    nc = await connect({ servers: system.nats.url.split(',') });
  }, 180_000);
  afterAll(async () => {
    await nc?.close();
    await db?.end();
    await system?.stop();
    await smtp?.stop();
  }, 60_000);

  const post = (path: string, body: unknown, token?: string) => postJson(system.gatewayUrl, path, body, token);
  const streamInfo = async (name: string) => (await nc.jetstreamManager()).streams.info(name);

  it('loses and doubles nothing, fails only briefly, and needs no restart', async () => {
    const { token, tenant, users } = await seedKeyedLoad(system.gatewayUrl, 'cluster');
    // the services made the events stream with a replica on every node
    const events = await streamInfo(EVENTS_STREAM);
    expect(events.config.num_replicas).toBe(3);
    const leader = system.natsCluster?.nodes.find((n) => n.name === events.cluster?.leader);
    expect(leader).toBeDefined();
    const pids = system.instances.map((i) => i.process.pid);

    const load = startKeyedLoad({ gatewayUrl: () => system.gatewayUrl, token, tenant, mailboxes: [...users.keys()], everyMs: ARRIVAL_EVERY_MS, keyPrefix: 'cluster' });
    await new Promise((r) => setTimeout(r, 2000));
    const killedAt = Date.now();
    await leader?.kill();
    await new Promise((r) => setTimeout(r, 10_000));
    const requests = await load.stop();

    const attempts = requests.flatMap((r) => r.attempts);
    const failed = attempts.filter(failedAttempt);
    const window = failed.length ? `${failed[0].startedAt - killedAt} ms to ${Math.max(...failed.map((a) => a.startedAt)) - killedAt} ms after the kill` : 'none';
    const newLeader = (await streamInfo(EVENTS_STREAM)).cluster?.leader;
    process.stdout.write(
      `nats cluster: killed ${leader?.name} (events stream leader; new leader ${newLeader}); ${requests.length} requests (${attempts.length} attempts) at one per ` +
        `${ARRIVAL_EVERY_MS} ms; ${failed.length} failed attempts (${[...new Set(failed.map((a) => a.status))].join(', ') || '-'}), window: ${window}; ` +
        `${attempts.filter((a) => a.replayed).length} answers replayed\n`,
    );
    // the idempotency bucket, made by the first keyed request, too
    expect((await streamInfo(`KV_${IDEMPOTENCY_BUCKET}`)).config.num_replicas).toBe(3);
    expect(newLeader).toBeDefined();
    expect(newLeader).not.toBe(leader?.name);
    expect(failed.filter((a) => a.startedAt < killedAt - 1000 || a.startedAt > killedAt + FAILURE_WINDOW_BOUND_MS)).toEqual([]);
    expect(requests.filter((r) => r.attempts.at(-1)?.status !== (r.kind === 'forgotten' ? 204 : 201))).toEqual([]);

    const effects = await keyedLoadEffects(db, smtp, tenant, users, requests);
    expect(effects.groupsStored).toEqual(effects.groupsRequested);
    expect(effects.groupsNotAuditedOnce).toEqual([]);
    expect(effects.forgottenAuditsPerMailbox).toEqual(effects.expectedPerMailbox);
    expect(effects.emailsPerMailbox).toEqual(effects.expectedPerMailbox);
    expect(effects.distinctResetLinks).toBe(effects.emails);

    // every service carried on: the same processes, all ready, and a new write goes through
    expect(system.instances.map((i) => i.process.pid)).toEqual(pids);
    expect(system.instances.filter((i) => i.process.exitCode !== null)).toEqual([]);
    for (const instance of system.instances) expect((await fetch(instance.healthUrl)).status).toBe(200);
    expect((await post(`/api/v1/${tenant}/groups`, { name: 'after-the-kill' }, token)).status).toBe(201);
  }, 300_000);
});
