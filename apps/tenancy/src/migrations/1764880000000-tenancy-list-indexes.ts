import { TRIGRAM_EXTENSION_SQL, trigramIndexSql } from '@gatehouse/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

const SEARCHED = ['resource_id', 'actor_username', 'resource_type'];

/**
 * The audit search flat in the number of entries (docs/scale.md): (scope, tenant_id, at, id) gives a
 * tenant's or the instance's entries newest first and serves the cursor (it replaces (scope, tenant_id,
 * at DESC), which could not); substring search reads trigram indexes.
 */
export class TenancyListIndexes1764880000000 implements MigrationInterface {
  name = 'TenancyListIndexes1764880000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of TRIGRAM_EXTENSION_SQL) await q.query(sql);
    await q.query(`CREATE INDEX IF NOT EXISTS audit_logs_scope_tenant_at_id_idx ON tenancy.audit_logs (scope, tenant_id, at, id)`);
    await q.query(`DROP INDEX IF EXISTS tenancy.audit_logs_tenant_at_idx`);
    for (const column of SEARCHED) await q.query(trigramIndexSql('tenancy', 'audit_logs', column));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const column of SEARCHED) await q.query(`DROP INDEX IF EXISTS tenancy.audit_logs_${column}_trgm`);
    await q.query(`CREATE INDEX IF NOT EXISTS audit_logs_tenant_at_idx ON tenancy.audit_logs (scope, tenant_id, at DESC)`);
    await q.query(`DROP INDEX IF EXISTS tenancy.audit_logs_scope_tenant_at_id_idx`);
  }
}
