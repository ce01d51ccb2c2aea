import { dropTenantRowTriggersSql, TenantScopedTable, tenantRowTriggersSql } from '@gatehouse/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

const TENANT_SCOPED: TenantScopedTable[] = [
  { table: 'integrations', tenantKey: 'tenant_key', events: ['INSERT'] },
  { table: 'scim_users', tenantKey: 'tenant_key', events: ['INSERT', 'UPDATE'] },
];

/**
 * Provisioning (docs/scim.md): a tenant's integrations (only the SHA-256 of the bearer secret is kept;
 * deleting the admin who created one deletes it) and the users a directory provisioned into a tenant over
 * SCIM (their SCIM attributes beyond identity's own columns, externalId, the tenant's active flag, whether
 * provisioning created the account or linked an existing one).
 * Using a secret updates its row (last use), so only new integrations pass the tenant write guard.
 */
export class IdentityProvisioning1764870000000 implements MigrationInterface {
  name = 'IdentityProvisioning1764870000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE identity.integrations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_key text NOT NULL,
      name text NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      owner_id uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
      secret_hash text NOT NULL UNIQUE,
      secret_prefix text NOT NULL,
      secret_created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX integrations_name_uq ON identity.integrations (tenant_key, name)`);
    await q.query(`CREATE INDEX integrations_owner_idx ON identity.integrations (owner_id)`);
    await q.query(`CREATE TABLE identity.scim_users (
      tenant_key text NOT NULL,
      user_id uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
      integration_id uuid REFERENCES identity.integrations (id) ON DELETE SET NULL,
      external_id text,
      active boolean NOT NULL DEFAULT true,
      resource jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_account boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_key, user_id)
    )`);
    await q.query(`CREATE INDEX scim_users_external_idx ON identity.scim_users (tenant_key, external_id)`);
    await q.query(`CREATE INDEX scim_users_user_idx ON identity.scim_users (user_id)`);
    for (const sql of tenantRowTriggersSql('identity', TENANT_SCOPED)) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of dropTenantRowTriggersSql('identity', TENANT_SCOPED)) await q.query(sql);
    await q.query(`DROP TABLE identity.scim_users`);
    await q.query(`DROP TABLE identity.integrations`);
  }
}
