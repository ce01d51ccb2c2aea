import { dropOutboxTablesSql, outboxTablesSql } from '@gatehouse/durable-events';
import { MigrationInterface, QueryRunner } from 'typeorm';

export class TenancyInitial1764000000000 implements MigrationInterface {
  name = 'TenancyInitial1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE tenancy.tenants (
      id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
      name text NOT NULL,
      worker_group text,
      status text NOT NULL CHECK (status IN ('PROVISIONING', 'ACTIVE')),
      admin_subject_id uuid,
      admin_subject_type text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    for (const sql of outboxTablesSql('tenancy')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of dropOutboxTablesSql('tenancy')) await q.query(sql);
    await q.query('DROP TABLE tenancy.tenants');
  }
}
