import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Turns `deliveries` into the durable send queue and delivery log: one row per (event, template),
 * a SENDING state with a lease, retry schedule, the stable Message-ID and the data the template needs
 * (erased once the row is SENT or DEAD, because it holds reset and invitation secrets).
 */
export class NotificationDeliveryQueue1764200000000 implements MigrationInterface {
  name = 'NotificationDeliveryQueue1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notification.deliveries DROP CONSTRAINT deliveries_event_id_key`);
    await q.query(`ALTER TABLE notification.deliveries ADD CONSTRAINT deliveries_event_template_key UNIQUE (event_id, template)`);
    await q.query(`ALTER TABLE notification.deliveries DROP CONSTRAINT deliveries_status_check`);
    await q.query(`ALTER TABLE notification.deliveries ADD CONSTRAINT deliveries_status_check
      CHECK (status IN ('PENDING', 'SENDING', 'FAILED', 'SENT', 'DEAD'))`);
    await q.query(`ALTER TABLE notification.deliveries
      ADD COLUMN event_subject text NOT NULL DEFAULT '',
      ADD COLUMN subject text NOT NULL DEFAULT '',
      ADD COLUMN message_id text NOT NULL DEFAULT '',
      ADD COLUMN payload jsonb,
      ADD COLUMN next_attempt_at timestamptz,
      ADD COLUMN lease_until timestamptz,
      ADD COLUMN sent_at timestamptz`);
    await q.query(`ALTER TABLE notification.deliveries
      ALTER COLUMN event_subject DROP DEFAULT, ALTER COLUMN subject DROP DEFAULT, ALTER COLUMN message_id DROP DEFAULT`);
    await q.query(`CREATE INDEX deliveries_due_idx ON notification.deliveries (next_attempt_at) WHERE status IN ('PENDING', 'FAILED')`);
    await q.query(`CREATE INDEX deliveries_lease_idx ON notification.deliveries (lease_until) WHERE status = 'SENDING'`);
    await q.query(`CREATE INDEX deliveries_created_idx ON notification.deliveries (created_at)`);
    await q.query(`CREATE INDEX deliveries_recipient_idx ON notification.deliveries (lower(recipient))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX notification.deliveries_recipient_idx`);
    await q.query(`DROP INDEX notification.deliveries_created_idx`);
    await q.query(`DROP INDEX notification.deliveries_lease_idx`);
    await q.query(`DROP INDEX notification.deliveries_due_idx`);
    await q.query(`ALTER TABLE notification.deliveries
      DROP COLUMN event_subject, DROP COLUMN subject, DROP COLUMN message_id, DROP COLUMN payload,
      DROP COLUMN next_attempt_at, DROP COLUMN lease_until, DROP COLUMN sent_at`);
    await q.query(`ALTER TABLE notification.deliveries DROP CONSTRAINT deliveries_status_check`);
    await q.query(`UPDATE notification.deliveries SET status = 'PENDING' WHERE status = 'SENDING'`);
    await q.query(`ALTER TABLE notification.deliveries ADD CONSTRAINT deliveries_status_check
      CHECK (status IN ('PENDING', 'SENT', 'FAILED', 'DEAD'))`);
    await q.query(`ALTER TABLE notification.deliveries DROP CONSTRAINT deliveries_event_template_key`);
    await q.query(`ALTER TABLE notification.deliveries ADD CONSTRAINT deliveries_event_id_key UNIQUE (event_id)`);
  }
}
