import { randomUUID } from 'node:crypto';
import { validateEnv } from '@gatehouse/config';
import { dataSourceOptions } from '@gatehouse/database';
import { createServiceDatabase, ServiceDatabase } from '@gatehouse/testing';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NOTIFICATION_MIGRATIONS } from '../../migrations';
import { NotificationEnv } from '../../notification.env';
import { DeliveryLogRetention, EMAIL_LOG, oldFinishedEntries, WEBHOOK_LOG } from '../delivery-log-retention';

const EMAIL_STATUSES = ['PENDING', 'SENDING', 'FAILED', 'SENT', 'DEAD'];
const WEBHOOK_STATUSES = ['PENDING', 'SENDING', 'FAILED', 'SUCCEEDED', 'DEAD'];
const env = validateEnv(NotificationEnv, {}); // DELIVERY_LOG_RETENTION_DAYS 30

describe('DeliveryLogRetention (real Postgres)', () => {
  let db: ServiceDatabase;
  let subscriptionId: string;
  let seq = 0;

  beforeAll(async () => {
    Logger.overrideLogger(['fatal']);
    db = await createServiceDatabase({ schema: 'notification', entities: [], migrations: NOTIFICATION_MIGRATIONS });
    subscriptionId = randomUUID();
    await db.dataSource.query(
      `INSERT INTO notification.webhook_subscriptions (id, scope, tenant_key, url, enabled, secret_ciphertext, secret_key_id, secret_created_at,
         owner_type, owner_id) VALUES ($1, 'INSTANCE', '*', 'https://receiver.example/hook', true, 'c', 'k', now(), 'USER', 'u')`,
      [subscriptionId],
    );
  }, 60_000);

  afterAll(async () => {
    await db?.drop();
  });

  /** An email of `status`, created `createdDaysAgo` and last changed `changedDaysAgo` (backdated in SQL). */
  const email = (label: string, status: string, createdDaysAgo: number, changedDaysAgo: number) =>
    db.dataSource.query(
      `INSERT INTO notification.deliveries (event_id, event_subject, recipient, template, subject, status, message_id, created_at, updated_at)
       VALUES (gen_random_uuid(), 'events.test', $1, 'invitation', 's', $2, 'm', now() - make_interval(days => $3), now() - make_interval(days => $4))`,
      [label, status, createdDaysAgo, changedDaysAgo],
    );

  /** A webhook delivery of `status` with two attempts. */
  const webhook = async (label: string, status: string, createdDaysAgo: number, changedDaysAgo: number) => {
    const id = randomUUID();
    await db.dataSource.query(
      `INSERT INTO notification.webhook_deliveries (id, subscription_id, seq, event_id, event_type, payload, status, created_at, updated_at)
       VALUES ($1, $2, $3, gen_random_uuid(), $4, '{}', $5, now() - make_interval(days => $6), now() - make_interval(days => $7))`,
      [id, subscriptionId, ++seq, label, status, createdDaysAgo, changedDaysAgo],
    );
    await db.dataSource.query(
      `INSERT INTO notification.webhook_attempts (delivery_id, attempt, started_at, duration_ms) VALUES ($1, 1, now(), 5), ($1, 2, now(), 5)`,
      [id],
    );
  };

  it('deletes exactly the finished entries last changed before the retention (webhook attempts with them), and nothing else', async () => {
    for (const status of EMAIL_STATUSES) {
      await email(`${status}-old`, status, 31, 31);
      await email(`${status}-recent`, status, 29, 29);
    }
    await email('SENT-created-long-ago-changed-lately', 'SENT', 400, 1);
    for (const status of WEBHOOK_STATUSES) {
      await webhook(`${status}-old`, status, 31, 31);
      await webhook(`${status}-recent`, status, 29, 29);
    }
    await webhook('SUCCEEDED-redelivered-lately', 'SUCCEEDED', 400, 1);
    const retention = new DeliveryLogRetention(db.dataSource, env);

    expect(await retention.prune()).toEqual({ emails: 2, webhooks: 2 });

    const emails = await db.dataSource.query(`SELECT recipient FROM notification.deliveries ORDER BY recipient`);
    expect(emails.map((r: { recipient: string }) => r.recipient)).toEqual([
      'DEAD-recent', 'FAILED-old', 'FAILED-recent', 'PENDING-old', 'PENDING-recent', 'SENDING-old', 'SENDING-recent',
      'SENT-created-long-ago-changed-lately', 'SENT-recent',
    ]);
    const webhooks = await db.dataSource.query(
      `SELECT d.event_type, count(a.id)::int AS attempts FROM notification.webhook_deliveries d
       LEFT JOIN notification.webhook_attempts a ON a.delivery_id = d.id GROUP BY d.event_type ORDER BY d.event_type`,
    );
    expect(webhooks).toEqual(
      [
        'DEAD-recent', 'FAILED-old', 'FAILED-recent', 'PENDING-old', 'PENDING-recent', 'SENDING-old', 'SENDING-recent',
        'SUCCEEDED-recent', 'SUCCEEDED-redelivered-lately',
      ].map((event_type) => ({ event_type, attempts: 2 })),
    );
    expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM notification.webhook_attempts`)).toEqual([{ n: 18 }]);
    expect(await retention.prune()).toEqual({ emails: 0, webhooks: 0 });
  });

  it('keeps entries longer with a longer DELIVERY_LOG_RETENTION_DAYS', async () => {
    await email('DEAD-45-days', 'DEAD', 45, 45);
    await webhook('DEAD-45-days', 'DEAD', 45, 45);
    expect(await new DeliveryLogRetention(db.dataSource, validateEnv(NotificationEnv, { DELIVERY_LOG_RETENTION_DAYS: '60' })).prune())
      .toEqual({ emails: 0, webhooks: 0 });
    expect(await new DeliveryLogRetention(db.dataSource, env).prune()).toEqual({ emails: 1, webhooks: 1 });
  });

  it('deletes by the partial indexes on the finished entries, not by scanning the queues', async () => {
    const runner = db.dataSource.createQueryRunner();
    try {
      await runner.query('SET enable_seqscan = off');
      const plan = async (log: typeof EMAIL_LOG) => JSON.stringify(await runner.query(`EXPLAIN SELECT id FROM ${log.table} WHERE ${oldFinishedEntries(log)}`, [30]));
      expect(await plan(EMAIL_LOG)).toContain('Index Scan using deliveries_finished_idx');
      expect(await plan(WEBHOOK_LOG)).toContain('Index Scan using webhook_deliveries_finished_idx');
    } finally {
      await runner.query('RESET enable_seqscan');
      await runner.release();
    }
  });

  it('skips, without waiting, a finished entry a redelivery holds, which then stays queued', async () => {
    await webhook('DEAD-being-redelivered', 'DEAD', 50, 50);
    await webhook('DEAD-old-too', 'DEAD', 50, 50);
    const redelivery = db.dataSource.createQueryRunner();
    await redelivery.startTransaction();
    try {
      const [held] = await redelivery.query(
        `SELECT id FROM notification.webhook_deliveries WHERE event_type = 'DEAD-being-redelivered' FOR UPDATE`,
      );
      await redelivery.query(`UPDATE notification.webhook_deliveries SET status = 'PENDING', updated_at = now() WHERE id = $1`, [held.id]);
      const waited = new Promise((resolve) => setTimeout(() => resolve('waited for the redelivery'), 3000).unref());
      expect(await Promise.race([new DeliveryLogRetention(db.dataSource, env).prune(), waited])).toEqual({ emails: 0, webhooks: 1 });
      await redelivery.commitTransaction();
    } finally {
      if (redelivery.isTransactionActive) await redelivery.rollbackTransaction();
      await redelivery.release();
    }
    expect(await db.dataSource.query(`SELECT event_type, status FROM notification.webhook_deliveries WHERE event_type LIKE 'DEAD-%' ORDER BY 1`))
      .toEqual([{ event_type: 'DEAD-being-redelivered', status: 'PENDING' }, { event_type: 'DEAD-recent', status: 'DEAD' }]);
  });

  it('two instances pruning at once both succeed and together delete each old entry once, over several batches', async () => {
    await db.dataSource.query(
      `INSERT INTO notification.deliveries (event_id, event_subject, recipient, template, subject, status, message_id, updated_at)
       SELECT gen_random_uuid(), 'events.test', 'bulk', 'invitation', 's', CASE WHEN i % 2 = 0 THEN 'SENT' ELSE 'DEAD' END, 'm', now() - interval '40 days'
       FROM generate_series(1, 12000) i`,
    );
    await db.dataSource.query(
      `WITH d AS (
         INSERT INTO notification.webhook_deliveries (id, subscription_id, seq, event_id, event_type, payload, status, updated_at)
         SELECT gen_random_uuid(), $1, 1000 + i, gen_random_uuid(), 'bulk', '{}', CASE WHEN i % 2 = 0 THEN 'SUCCEEDED' ELSE 'DEAD' END,
                now() - interval '40 days'
         FROM generate_series(1, 12000) i RETURNING id)
       INSERT INTO notification.webhook_attempts (delivery_id, attempt, started_at, duration_ms) SELECT id, 1, now(), 5 FROM d`,
      [subscriptionId],
    );
    const other = await new DataSource(dataSourceOptions(db.options)).initialize();
    try {
      const results = await Promise.all([new DeliveryLogRetention(db.dataSource, env).prune(), new DeliveryLogRetention(other, env).prune()]);
      expect(results.reduce((sum, r) => ({ emails: sum.emails + r.emails, webhooks: sum.webhooks + r.webhooks }))).toEqual({ emails: 12000, webhooks: 12000 });
    } finally {
      await other.destroy();
    }
    expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM notification.deliveries WHERE recipient = 'bulk'`)).toEqual([{ n: 0 }]);
    expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM notification.webhook_deliveries WHERE event_type = 'bulk'`)).toEqual([{ n: 0 }]);
    expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM notification.webhook_attempts`)).toEqual([{ n: 20 }]);
    expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM notification.deliveries`)).toEqual([{ n: 9 }]);
  });
});
