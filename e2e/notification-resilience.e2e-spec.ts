import { randomUUID } from 'node:crypto';
import { IdentityNotificationEvents, NotificationRpc } from '@gatehouse/contracts';
import { CaughtMail, readCaughtMail, SmtpCatcher, SUPER_ADMIN, testDb, TestDbClient, TestSystem } from '@gatehouse/testing';
import { connect, JSONCodec } from 'nats';
import request from 'supertest';
import { emitOutboxEvent, eventually } from './notification-support';

/**
 * Delivery guarantees under failure, on a system of its own whose SMTP server the test controls:
 * an SMTP outage delays mail but loses and duplicates none; a notification process killed with
 * SIGKILL in the middle of a burst loses none once another instance runs.
 */
jest.setTimeout(180_000);

const CONCURRENCY = 4;

describe('notification: delivery survives SMTP outages and crashes', () => {
  let smtp: SmtpCatcher;
  let system: TestSystem;
  let client: TestDbClient;

  beforeAll(async () => {
    smtp = await SmtpCatcher.start({ rcptDelayMs: 15 });
    system = await TestSystem.start({
      name: 'notification-resilience',
      env: {
        SMTP_HOST: smtp.host,
        SMTP_PORT: String(smtp.port),
        SMTP_TIMEOUT_MS: '2000',
        PUBLIC_BASE_URL: 'http://resilience.e2e.test',
        DELIVERY_RETRY_BASE_MS: '200',
        DELIVERY_RETRY_MAX_MS: '1000',
        DELIVERY_MAX_ATTEMPTS: '100',
        DELIVERY_LEASE_MS: '7000',
        DELIVERY_POLL_MS: '200',
        DELIVERY_CONCURRENCY: String(CONCURRENCY),
      },
    });
    client = await testDb(system);
  });

  afterAll(async () => {
    await client?.end();
    await system?.stop();
    await smtp?.stop();
  });

  const emitLockouts = async (prefix: string, count: number): Promise<string[]> => {
    const recipients = Array.from({ length: count }, (_, i) => `${prefix}-${i}@gatehouse.test`);
    await client.query('BEGIN');
    for (const email of recipients) {
      await emitOutboxEvent(client, 'identity', IdentityNotificationEvents.accountLocked, {
        userId: randomUUID(), email, username: email, lockedUntil: new Date(Date.now() + 60_000).toISOString(),
      });
    }
    await client.query('COMMIT');
    return recipients;
  };

  const statusCounts = async (prefix: string): Promise<Record<string, number>> => {
    const { rows } = await client.query(
      `SELECT status, count(*)::int AS n FROM notification.deliveries WHERE recipient LIKE $1 GROUP BY status`,
      [`${prefix}-%`],
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  };

  const mailFor = async (prefix: string): Promise<CaughtMail[]> =>
    (await readCaughtMail(smtp.dir)).filter((m) => m.to.some((t) => t.startsWith(`${prefix}-`)));

  /** Every recipient got mail, each delivery (Message-ID) was accepted by SMTP once, and it is the logged one. */
  async function expectDeliveredOnce(prefix: string, recipients: string[]): Promise<{ duplicates: number }> {
    const mails = await mailFor(prefix);
    const byRecipient = new Map<string, Set<string>>();
    for (const m of mails) {
      for (const to of m.to) byRecipient.set(to, (byRecipient.get(to) ?? new Set()).add(m.messageId));
    }
    expect([...byRecipient.keys()].sort()).toEqual([...recipients].sort());
    for (const ids of byRecipient.values()) expect(ids.size).toBe(1);
    const { rows } = await client.query(`SELECT recipient, message_id FROM notification.deliveries WHERE recipient LIKE $1`, [`${prefix}-%`]);
    expect(rows).toHaveLength(recipients.length);
    for (const row of rows) expect([...(byRecipient.get(row.recipient) ?? [])]).toEqual([row.message_id]);
    return { duplicates: mails.length - recipients.length };
  }

  it('keeps retrying while SMTP is down and then delivers every email exactly once', async () => {
    await smtp.stop();
    const recipients = await emitLockouts('outage', 30);

    // attempts fail and are rescheduled with backoff, nothing is lost or given up
    await eventually(async () => {
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM notification.deliveries WHERE recipient LIKE 'outage-%' AND attempts >= 2 AND last_error IS NOT NULL`,
      );
      return rows[0].n === recipients.length;
    }, 30_000, 'every delivery failed at least twice');
    expect(await statusCounts('outage')).not.toHaveProperty('SENT');
    expect(await statusCounts('outage')).not.toHaveProperty('DEAD');
    expect(await mailFor('outage')).toHaveLength(0);

    await smtp.resume();
    await eventually(async () => (await statusCounts('outage')).SENT === recipients.length, 30_000, 'all deliveries SENT');
    await new Promise((r) => setTimeout(r, 1500)); // nothing more may arrive
    const { duplicates } = await expectDeliveredOnce('outage', recipients);
    expect(duplicates).toBe(0);
  });

  it('answers the delivery log itself only to Super Admins, whatever reaches it over NATS', async () => {
    const gateway = request(system.gatewayUrl);
    const setup = await gateway.post('/api/v1/setup').send(SUPER_ADMIN);
    expect([setup.status, setup.body]).toEqual([201, expect.anything()]);
    const root = (await gateway.post('/api/v1/login').send(SUPER_ADMIN).expect(200)).body.accessToken as string;
    const plain = await gateway.post('/api/v1/users').set('authorization', `Bearer ${root}`)
      .send({ username: 'plain@gatehouse.test', password: 'Plain-User-Pass-1' }).expect(201);
    const rootId = (await gateway.get('/api/v1/me').set('authorization', `Bearer ${root}`).expect(200)).body.id as string;

    const nc = await connect({ servers: system.nats.url });
    const codec = JSONCodec();
    const ask = async (caller: object | null): Promise<{ response?: { total: number }; err?: { status: number } }> => {
      const payload = { pattern: NotificationRpc.listDeliveries.subject, id: randomUUID(), data: { caller, data: {} } };
      return codec.decode((await nc.request(NotificationRpc.listDeliveries.subject, codec.encode(payload), { timeout: 5000 })).data) as never;
    };
    try {
      expect((await ask({ type: 'USER', id: plain.body.id, via: 'jwt' })).err?.status).toBe(403);
      expect((await ask({ type: 'SERVICE_ACCOUNT', id: randomUUID(), via: 'api-token' })).err?.status).toBe(403);
      expect((await ask(null)).err?.status).toBe(401);
      expect(typeof (await ask({ type: 'USER', id: rootId, via: 'jwt' })).response?.total).toBe('number');
    } finally {
      await nc.close();
    }
  });

  it('delivers all 200 emails of a burst once when the notification service is SIGKILLed mid-burst', async () => {
    const recipients = await emitLockouts('burst', 200);
    await eventually(async () => (await mailFor('burst')).length >= 30, 30_000, '30 emails received');
    const [victim] = system.instancesOf('notification');
    victim.process.kill('SIGKILL');
    await new Promise((r) => victim.process.once('exit', r));
    const deliveredBeforeKill = (await mailFor('burst')).length;
    expect(deliveredBeforeKill).toBeLessThan(200);

    await system.addInstance('notification');
    await eventually(async () => (await statusCounts('burst')).SENT === 200, 90_000, 'all 200 deliveries SENT');
    await new Promise((r) => setTimeout(r, 1500));

    const { duplicates } = await expectDeliveredOnce('burst', recipients);
    // SMTP has no idempotency: a send SMTP accepted in the instant before the kill could not be recorded
    // and is sent again, recognisable by its unchanged Message-ID. At most the sends in flight.
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY);
    if (duplicates > 0) process.stdout.write(`notification SIGKILL burst: ${duplicates} duplicate(s) with the same Message-ID\n`);
  });
});
