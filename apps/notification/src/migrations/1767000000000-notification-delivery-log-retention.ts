import { createIndexConcurrently, dropIndexConcurrently } from '@gatehouse/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

const INDEXES = [
  { schema: 'notification', name: 'deliveries_finished_idx', definition: `ON notification.deliveries (updated_at) WHERE status IN ('SENT', 'DEAD')` },
  { schema: 'notification', name: 'webhook_deliveries_finished_idx', definition: `ON notification.webhook_deliveries (updated_at) WHERE status IN ('SUCCEEDED', 'DEAD')` },
];

/**
 * Indexes the delivery-log retention job (DeliveryLogRetention) deletes by: the finished entries of each
 * log by their last change, so an hourly prune reads only what it deletes, never the queues. Built
 * concurrently: the logs had grown without bound until then.
 */
export class NotificationDeliveryLogRetention1767000000000 implements MigrationInterface {
  name = 'NotificationDeliveryLogRetention1767000000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    for (const index of INDEXES) await createIndexConcurrently(q, index);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of [...INDEXES].reverse()) await dropIndexConcurrently(q, index.schema, index.name);
  }
}
