import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks: subscriptions (per tenant, or instance-wide), the deliveries queued for them from the audit
 * events (one per subscription and event, in the subscription's order `seq`) and every attempt's outcome.
 * Emails to several recipients of one event (a disabled webhook's Admins) are keyed by recipient too.
 */
export class NotificationWebhooks1765200000000 implements MigrationInterface {
  name = 'NotificationWebhooks1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE notification.webhook_subscriptions (
      id uuid PRIMARY KEY,
      scope text NOT NULL CHECK (scope IN ('TENANT', 'INSTANCE')),
      tenant_key text NOT NULL,
      url text NOT NULL,
      description text,
      event_types text[] NOT NULL DEFAULT '{}',
      enabled boolean NOT NULL,
      disabled_reason text CHECK (disabled_reason IN ('MANUAL', 'FAILURES', 'OWNER_LOST_ACCESS')),
      disabled_at timestamptz,
      consecutive_failures integer NOT NULL DEFAULT 0,
      last_error text,
      secret_ciphertext text NOT NULL,
      secret_key_id text NOT NULL,
      secret_created_at timestamptz NOT NULL,
      owner_type text NOT NULL,
      owner_id text NOT NULL,
      last_seq bigint NOT NULL DEFAULT 0,
      created_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((scope = 'INSTANCE') = (tenant_key = '*'))
    )`);
    await q.query(`CREATE INDEX webhook_subscriptions_scope_idx ON notification.webhook_subscriptions (tenant_key, created_at)`);
    await q.query(`CREATE TABLE notification.webhook_deliveries (
      id uuid PRIMARY KEY,
      subscription_id uuid NOT NULL REFERENCES notification.webhook_subscriptions(id) ON DELETE CASCADE,
      seq bigint NOT NULL,
      event_id uuid NOT NULL,
      event_type text NOT NULL,
      payload jsonb NOT NULL,
      status text NOT NULL CHECK (status IN ('PENDING', 'SENDING', 'FAILED', 'SUCCEEDED', 'DEAD')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      lease_until timestamptz,
      last_status_code integer,
      last_error text,
      delivered_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (subscription_id, event_id),
      UNIQUE (subscription_id, seq)
    )`);
    await q.query(`CREATE INDEX webhook_deliveries_active_idx ON notification.webhook_deliveries (subscription_id, seq)
      WHERE status IN ('PENDING', 'SENDING', 'FAILED')`);
    await q.query(`CREATE INDEX webhook_deliveries_due_idx ON notification.webhook_deliveries (next_attempt_at)
      WHERE status IN ('PENDING', 'FAILED')`);
    await q.query(`CREATE INDEX webhook_deliveries_lease_idx ON notification.webhook_deliveries (lease_until) WHERE status = 'SENDING'`);
    await q.query(`CREATE INDEX webhook_deliveries_log_idx ON notification.webhook_deliveries (subscription_id, created_at)`);
    await q.query(`CREATE TABLE notification.webhook_attempts (
      id bigserial PRIMARY KEY,
      delivery_id uuid NOT NULL REFERENCES notification.webhook_deliveries(id) ON DELETE CASCADE,
      attempt integer NOT NULL,
      started_at timestamptz NOT NULL,
      duration_ms integer NOT NULL,
      status_code integer,
      error text
    )`);
    await q.query(`CREATE INDEX webhook_attempts_delivery_idx ON notification.webhook_attempts (delivery_id, id)`);
    await q.query(`ALTER TABLE notification.deliveries DROP CONSTRAINT deliveries_event_template_key`);
    await q.query(`ALTER TABLE notification.deliveries ADD CONSTRAINT deliveries_event_template_recipient_key UNIQUE (event_id, template, recipient)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notification.deliveries DROP CONSTRAINT deliveries_event_template_recipient_key`);
    await q.query(`DELETE FROM notification.deliveries a USING notification.deliveries b
      WHERE a.event_id = b.event_id AND a.template = b.template AND a.id > b.id`);
    await q.query(`ALTER TABLE notification.deliveries ADD CONSTRAINT deliveries_event_template_key UNIQUE (event_id, template)`);
    await q.query('DROP TABLE notification.webhook_attempts');
    await q.query('DROP TABLE notification.webhook_deliveries');
    await q.query('DROP TABLE notification.webhook_subscriptions');
  }
}
