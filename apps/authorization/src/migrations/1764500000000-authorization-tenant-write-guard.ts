import { dropTenantWriteGuardSql, TenantScopedTable, tenantNotLiveSql, tenantWriteGuardSql } from '@gatehouse/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

const TENANT_SCOPED: TenantScopedTable[] = [
  { table: 'roles', tenantKey: `CASE WHEN scope = 'TENANT' THEN coalesce(tenant_id, '') END`, events: ['INSERT', 'UPDATE'] },
  { table: 'bindings', tenantKey: `CASE WHEN scope = 'TENANT' THEN coalesce(tenant_id, '') END`, events: ['INSERT', 'UPDATE'] },
  { table: 'groups', tenantKey: `coalesce(tenant_id, '')`, events: ['INSERT', 'UPDATE'] },
  {
    table: 'group_members',
    tenantKey: `(SELECT coalesce(g.tenant_id, '') FROM "authorization".groups g WHERE g.id = group_id)`,
    events: ['INSERT', 'UPDATE'],
  },
  { table: 'invitations', tenantKey: `coalesce(tenant_id, '')`, events: ['INSERT', 'UPDATE'] },
];

/**
 * Rows of a tenant are written only while live_tenants says it is live, checked by Postgres in the
 * writing transaction (not against one instance's in-memory set, which learns of a deletion a moment
 * later). FOR SHARE holds the tenant's live row until commit, so retiring it (LiveTenants.mark) waits for
 * writes in flight, and every write after the retirement is refused.
 */
export class AuthorizationTenantWriteGuard1764500000000 implements MigrationInterface {
  name = 'AuthorizationTenantWriteGuard1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION "authorization".assert_tenants_writable(tenant_keys text[]) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        key text;
      BEGIN
        FOREACH key IN ARRAY tenant_keys LOOP
          PERFORM 1 FROM "authorization".live_tenants WHERE tenant_key = key AND live FOR SHARE;
          IF NOT FOUND THEN
            ${tenantNotLiveSql};
          END IF;
        END LOOP;
      END $$`);
    for (const sql of tenantWriteGuardSql('authorization', TENANT_SCOPED)) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of dropTenantWriteGuardSql('authorization', TENANT_SCOPED)) await q.query(sql);
    await q.query(`DROP FUNCTION "authorization".assert_tenants_writable(text[])`);
  }
}
