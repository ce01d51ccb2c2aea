import { MigrationInterface, QueryRunner } from 'typeorm';

/** Audit entries record who acted through an impersonation (AuditEntry.impersonator). */
export class TenancyAuditImpersonator1764735000000 implements MigrationInterface {
  name = 'TenancyAuditImpersonator1764735000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenancy.audit_logs ADD COLUMN impersonator_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenancy.audit_logs DROP COLUMN impersonator_id`);
  }
}
