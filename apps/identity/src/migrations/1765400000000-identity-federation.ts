import { dropTenantRowTriggersSql, TenantScopedTable, tenantRowTriggersSql } from '@gatehouse/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

const TENANT_SCOPED: TenantScopedTable[] = [{ table: 'identity_providers', tenantKey: 'tenant_key', events: ['INSERT'] }];

/**
 * Federation (docs/federation.md): identity providers, instance-wide (tenant_key NULL) or a tenant's own, their
 * settings (the secret sealed apart: bind password, client secret) and group mappings; the links between users and
 * their accounts at a provider; whether a user may sign in with a Gatehouse password (seed 003's authentication
 * method). Deleting the admin who configured a provider leaves it without an owner, which stops its group
 * mappings and email links until another admin saves it.
 */
export class IdentityFederation1765400000000 implements MigrationInterface {
  name = 'IdentityFederation1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE identity.identity_providers (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_key text,
      type text NOT NULL,
      name text NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      jit_provisioning boolean NOT NULL DEFAULT false,
      domains text[] NOT NULL DEFAULT '{}',
      group_mappings jsonb NOT NULL DEFAULT '[]'::jsonb,
      settings jsonb NOT NULL DEFAULT '{}'::jsonb,
      secret_ciphertext text,
      secret_key_id text,
      owner_id uuid REFERENCES identity.users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX identity_providers_name_uq ON identity.identity_providers (coalesce(tenant_key, '*'), lower(name))`);
    await q.query(`CREATE INDEX identity_providers_domains_idx ON identity.identity_providers USING gin (domains)`);
    await q.query(`CREATE TABLE identity.identity_links (
      provider_id uuid NOT NULL REFERENCES identity.identity_providers (id) ON DELETE CASCADE,
      external_id text NOT NULL,
      user_id uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
      linked_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_sign_in_at timestamptz,
      PRIMARY KEY (provider_id, external_id),
      UNIQUE (provider_id, user_id)
    )`);
    await q.query(`CREATE INDEX identity_links_user_idx ON identity.identity_links (user_id)`);
    await q.query(`ALTER TABLE identity.users ADD COLUMN password_sign_in boolean NOT NULL DEFAULT true`);
    for (const sql of tenantRowTriggersSql('identity', TENANT_SCOPED)) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of dropTenantRowTriggersSql('identity', TENANT_SCOPED)) await q.query(sql);
    await q.query(`ALTER TABLE identity.users DROP COLUMN password_sign_in`);
    await q.query(`DROP TABLE identity.identity_links`);
    await q.query(`DROP TABLE identity.identity_providers`);
  }
}
