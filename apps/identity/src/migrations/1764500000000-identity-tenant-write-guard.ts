import { dropTenantWriteGuardSql, TenantScopedTable, tenantNotLiveSql, tenantWriteGuardSql } from '@gatehouse/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

const TENANT_SCOPED: TenantScopedTable[] = [
  { table: 'service_accounts', tenantKey: 'tenant_key', events: ['INSERT', 'UPDATE'] },
  // Only new tokens: using a token updates its row (last use, extended expiry).
  { table: 'api_tokens', tenantKey: 'sa_tenant_key', events: ['INSERT'] },
  { table: 'user_settings', tenantKey: 'tenant_key', events: ['INSERT', 'UPDATE'] },
];

/**
 * Deleted tenants (ids are never reused), recorded by tenancy's deletion saga before it answers and by
 * the `tenant.deleted` event, and refused by Postgres in every write's transaction. A write holds the
 * tenant's advisory lock shared until commit; retiring takes it exclusively, so it waits for the writes
 * in flight and every later one sees the retirement.
 */
export class IdentityTenantWriteGuard1764500000000 implements MigrationInterface {
  name = 'IdentityTenantWriteGuard1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE identity.retired_tenants (
      tenant_key text PRIMARY KEY,
      retired_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE FUNCTION identity.tenant_lock_key(tenant_key text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
      SELECT hashtextextended('identity.tenant:' || tenant_key, 0)
    $$`);
    await q.query(`CREATE FUNCTION identity.assert_tenants_writable(tenant_keys text[]) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        key text;
      BEGIN
        FOREACH key IN ARRAY tenant_keys LOOP
          PERFORM pg_advisory_xact_lock_shared(identity.tenant_lock_key(key));
          IF EXISTS (SELECT 1 FROM identity.retired_tenants WHERE tenant_key = key) THEN
            ${tenantNotLiveSql};
          END IF;
        END LOOP;
      END $$`);
    // Retiring an already retired tenant takes no lock.
    await q.query(`CREATE FUNCTION identity.retire_tenant(key text) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM identity.retired_tenants WHERE tenant_key = key) THEN
          PERFORM pg_advisory_xact_lock(identity.tenant_lock_key(key));
          INSERT INTO identity.retired_tenants (tenant_key) VALUES (key) ON CONFLICT DO NOTHING;
        END IF;
      END $$`);
    for (const sql of tenantWriteGuardSql('identity', TENANT_SCOPED)) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of dropTenantWriteGuardSql('identity', TENANT_SCOPED)) await q.query(sql);
    await q.query(`DROP FUNCTION identity.retire_tenant(text)`);
    await q.query(`DROP FUNCTION identity.assert_tenants_writable(text[])`);
    await q.query(`DROP FUNCTION identity.tenant_lock_key(text)`);
    await q.query(`DROP TABLE identity.retired_tenants`);
  }
}
