import { dropTenantRowTriggersSql, TenantScopedTable, tenantRowTriggersSql } from '@gatehouse/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

const TENANT_SCOPED: TenantScopedTable[] = [{ table: 'oauth_clients', tenantKey: 'tenant_key', events: ['INSERT', 'UPDATE'] }];

/**
 * OAuth clients: tenant-scoped (tenant_key, '' = the default tenant), owned by a user or by a service
 * account of the same tenant (deleting the owner deletes its clients, as with API tokens). Only the
 * SHA-256 of a confidential client's secret is kept; a public client never has one. Writes of a retired
 * tenant's rows are refused by the tenant write guard.
 */
export class IdentityOAuthClients1764710000000 implements MigrationInterface {
  name = 'IdentityOAuthClients1764710000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE identity.oauth_clients (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      client_id text NOT NULL UNIQUE,
      tenant_key text NOT NULL,
      name text NOT NULL,
      description text,
      type text NOT NULL CHECK (type IN ('public', 'confidential')),
      owner_type text NOT NULL CHECK (owner_type IN ('USER', 'SERVICE_ACCOUNT')),
      owner_id uuid NOT NULL,
      owner_user_id uuid GENERATED ALWAYS AS (CASE WHEN owner_type = 'USER' THEN owner_id END) STORED
        REFERENCES identity.users (id) ON DELETE CASCADE,
      owner_service_account_id uuid GENERATED ALWAYS AS (CASE WHEN owner_type = 'SERVICE_ACCOUNT' THEN owner_id END) STORED,
      redirect_uris text[] NOT NULL DEFAULT '{}',
      post_logout_redirect_uris text[] NOT NULL DEFAULT '{}',
      grant_types text[] NOT NULL,
      scopes text[] NOT NULL,
      first_party boolean NOT NULL DEFAULT false,
      secret_hash text,
      secret_created_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      created_by text,
      FOREIGN KEY (tenant_key, owner_service_account_id) REFERENCES identity.service_accounts (tenant_key, id) ON DELETE CASCADE,
      CHECK ((type = 'public') = (secret_hash IS NULL)),
      CHECK ((secret_hash IS NULL) = (secret_created_at IS NULL)),
      CHECK (grant_types <@ ARRAY['authorization_code', 'refresh_token', 'client_credentials']),
      CHECK (NOT 'client_credentials' = ANY (grant_types) OR (type = 'confidential' AND owner_type = 'SERVICE_ACCOUNT')),
      CHECK (scopes <@ ARRAY['openid', 'profile', 'email', 'offline_access', 'tenant', 'roles', 'groups'])
    )`);
    await q.query(`CREATE UNIQUE INDEX oauth_clients_name_uq ON identity.oauth_clients (tenant_key, name)`);
    await q.query(`CREATE INDEX oauth_clients_owner_user_idx ON identity.oauth_clients (owner_user_id)`);
    await q.query(`CREATE INDEX oauth_clients_owner_sa_idx ON identity.oauth_clients (tenant_key, owner_service_account_id)`);
    for (const sql of tenantRowTriggersSql('identity', TENANT_SCOPED)) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of dropTenantRowTriggersSql('identity', TENANT_SCOPED)) await q.query(sql);
    await q.query(`DROP TABLE identity.oauth_clients`);
  }
}
