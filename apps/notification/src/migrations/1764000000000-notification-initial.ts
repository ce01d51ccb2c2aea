import { dropOutboxTablesSql, outboxTablesSql } from '@gatehouse/durable-events';
import { MigrationInterface, QueryRunner } from 'typeorm';

export class NotificationInitial1764000000000 implements MigrationInterface {
  name = 'NotificationInitial1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE notification.deliveries (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      event_id uuid NOT NULL UNIQUE,
      recipient text NOT NULL,
      template text NOT NULL,
      status text NOT NULL CHECK (status IN ('PENDING', 'SENT', 'FAILED', 'DEAD')),
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    for (const sql of outboxTablesSql('notification')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of dropOutboxTablesSql('notification')) await q.query(sql);
    await q.query('DROP TABLE notification.deliveries');
  }
}
