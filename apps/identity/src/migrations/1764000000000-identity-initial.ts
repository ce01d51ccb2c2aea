import { outboxTablesSql, dropOutboxTablesSql } from '@gatehouse/durable-events';
import { MigrationInterface, QueryRunner } from 'typeorm';

export class IdentityInitial1764000000000 implements MigrationInterface {
  name = 'IdentityInitial1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE identity.users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      username text NOT NULL,
      email text,
      first_name text,
      last_name text,
      password_hash text,
      super_admin boolean NOT NULL DEFAULT false,
      status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DISABLED')),
      version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX users_username_uq ON identity.users (lower(username))`);
    await q.query(`CREATE UNIQUE INDEX users_email_uq ON identity.users (lower(email))`);
    await q.query(`CREATE TABLE identity.refresh_tokens (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      family_id uuid NOT NULL,
      user_id uuid NOT NULL REFERENCES identity.users(id) ON DELETE CASCADE,
      token_hash text NOT NULL UNIQUE,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX refresh_tokens_family_idx ON identity.refresh_tokens (family_id)`);
    await q.query(`CREATE INDEX refresh_tokens_user_idx ON identity.refresh_tokens (user_id)`);
    await q.query(`CREATE TABLE identity.signing_keys (
      kid text PRIMARY KEY,
      alg text NOT NULL,
      public_jwk jsonb NOT NULL,
      private_jwk jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      sign_until timestamptz NOT NULL,
      publish_until timestamptz NOT NULL
    )`);
    for (const sql of outboxTablesSql('identity')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of dropOutboxTablesSql('identity')) await q.query(sql);
    await q.query('DROP TABLE identity.signing_keys');
    await q.query('DROP TABLE identity.refresh_tokens');
    await q.query('DROP TABLE identity.users');
  }
}
