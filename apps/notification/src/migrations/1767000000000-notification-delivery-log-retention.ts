import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes the delivery-log retention job (DeliveryLogRetention) deletes by: the finished entries of each
 * log by their last change, so an hourly prune reads only what it deletes, never the queues.
 */
export class NotificationDeliveryLogRetention1767000000000 implements MigrationInterface {
  name = 'NotificationDeliveryLogRetention1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX deliveries_finished_idx ON notification.deliveries (updated_at) WHERE status IN ('SENT', 'DEAD')`);
    await q.query(`CREATE INDEX webhook_deliveries_finished_idx ON notification.webhook_deliveries (updated_at)
      WHERE status IN ('SUCCEEDED', 'DEAD')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX notification.webhook_deliveries_finished_idx`);
    await q.query(`DROP INDEX notification.deliveries_finished_idx`);
  }
}
