import { dropTenantRowTriggersSql, TenantScopedTable, tenantRowTriggersSql } from '@gatehouse/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

const TENANT_SCOPED: TenantScopedTable[] = [{ table: 'mfa_policies', tenantKey: 'tenant_key', events: ['INSERT', 'UPDATE'] }];

/**
 * A tenant's MFA policy goes with the tenant (tenant-cleanup purges it) and, like the tenant's other rows,
 * cannot be written once the tenant is retired: a policy set while the deletion runs does not outlive it.
 * Policies of tenants deleted before this migration are removed here.
 */
export class IdentityMfaPolicyTenantGuard1764860000000 implements MigrationInterface {
  name = 'IdentityMfaPolicyTenantGuard1764860000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM identity.mfa_policies p USING identity.retired_tenants r WHERE r.tenant_key = p.tenant_key`);
    for (const sql of tenantRowTriggersSql('identity', TENANT_SCOPED)) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of dropTenantRowTriggersSql('identity', TENANT_SCOPED)) await q.query(sql);
  }
}
