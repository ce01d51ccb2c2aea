import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lockout and must-change state on users, login failures (per-IP throttling), reset tokens, service
 * accounts, API tokens and per-tenant user settings. Tenant-scoped rows carry `tenant_key` ('' = the
 * default tenant) in their primary key, and every query filters on it.
 */
export class IdentityAccounts1764100000000 implements MigrationInterface {
  name = 'IdentityAccounts1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity.users
      ADD COLUMN must_change_password boolean NOT NULL DEFAULT false,
      ADD COLUMN failed_login_count integer NOT NULL DEFAULT 0,
      ADD COLUMN failed_login_window_start timestamptz,
      ADD COLUMN locked_until timestamptz`);
    await q.query(`CREATE TABLE identity.login_failures (
      id bigserial PRIMARY KEY,
      user_id uuid,
      ip text,
      at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX login_failures_ip_idx ON identity.login_failures (ip, at)`);
    await q.query(`CREATE INDEX login_failures_at_idx ON identity.login_failures (at)`);
    await q.query(`CREATE INDEX refresh_tokens_revoked_idx ON identity.refresh_tokens (revoked_at) WHERE revoked_at IS NOT NULL`);
    await q.query(`CREATE TABLE identity.password_reset_tokens (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES identity.users(id) ON DELETE CASCADE,
      token_hash text NOT NULL UNIQUE,
      reason text NOT NULL CHECK (reason IN ('FORGOT_PASSWORD', 'ADMIN_REQUEST')),
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX password_reset_tokens_user_idx ON identity.password_reset_tokens (user_id)`);
    await q.query(`CREATE TABLE identity.service_accounts (
      tenant_key text NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      name text NOT NULL,
      description text,
      version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_key, id)
    )`);
    await q.query(`CREATE UNIQUE INDEX service_accounts_name_uq ON identity.service_accounts (tenant_key, name)`);
    // Subject ids are global (bindings and decisions know a subject by id alone).
    await q.query(`CREATE UNIQUE INDEX service_accounts_id_uq ON identity.service_accounts (id)`);
    await q.query(`CREATE TABLE identity.api_tokens (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid REFERENCES identity.users(id) ON DELETE CASCADE,
      sa_tenant_key text,
      service_account_id uuid,
      name text NOT NULL,
      description text,
      prefix text NOT NULL,
      token_hash text NOT NULL UNIQUE,
      max_age text,
      max_age_seconds bigint,
      extended boolean NOT NULL DEFAULT false,
      expires_at timestamptz,
      last_used_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (sa_tenant_key, service_account_id) REFERENCES identity.service_accounts (tenant_key, id) ON DELETE CASCADE,
      CHECK ((user_id IS NULL) <> (service_account_id IS NULL)),
      CHECK ((service_account_id IS NULL) = (sa_tenant_key IS NULL))
    )`);
    await q.query(`CREATE INDEX api_tokens_user_idx ON identity.api_tokens (user_id)`);
    await q.query(`CREATE INDEX api_tokens_sa_idx ON identity.api_tokens (sa_tenant_key, service_account_id)`);
    await q.query(`CREATE TABLE identity.user_settings (
      user_id uuid NOT NULL REFERENCES identity.users(id) ON DELETE CASCADE,
      tenant_key text NOT NULL,
      settings jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, tenant_key)
    )`);
    await q.query(`CREATE INDEX user_settings_tenant_idx ON identity.user_settings (tenant_key)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE identity.user_settings');
    await q.query('DROP TABLE identity.api_tokens');
    await q.query('DROP TABLE identity.service_accounts');
    await q.query('DROP TABLE identity.password_reset_tokens');
    await q.query('DROP INDEX identity.refresh_tokens_revoked_idx');
    await q.query('DROP TABLE identity.login_failures');
    await q.query(`ALTER TABLE identity.users DROP COLUMN must_change_password, DROP COLUMN failed_login_count,
      DROP COLUMN failed_login_window_start, DROP COLUMN locked_until`);
  }
}
