import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Second factors (factors/): one TOTP per user (its secret AES-256-GCM encrypted, with the id of the
 * key; `last_time_step` refuses a code used twice), recovery codes (SHA-256 of the user id and the code;
 * `generation` groups a set, a new set replaces the old), and the challenges of a sign-in's second step
 * (`mfa_token_hash` only; attempts counted). Sessions remember how they were authenticated (`amr`, for
 * the access tokens a refresh issues).
 */
export class IdentityFactors1764820000000 implements MigrationInterface {
  name = 'IdentityFactors1764820000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE identity.totp_factors (
      user_id uuid PRIMARY KEY REFERENCES identity.users (id) ON DELETE CASCADE,
      secret_ciphertext text NOT NULL,
      key_id text NOT NULL,
      confirmed_at timestamptz,
      last_time_step bigint,
      last_used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE identity.recovery_codes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
      code_hash text NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (user_id, code_hash)
    )`);
    await q.query(`CREATE TABLE identity.mfa_challenges (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      purpose text NOT NULL CHECK (purpose IN ('login')),
      user_id uuid REFERENCES identity.users (id) ON DELETE CASCADE,
      token_hash text NOT NULL UNIQUE,
      methods text[] NOT NULL DEFAULT '{}',
      attempts integer NOT NULL DEFAULT 0,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX mfa_challenges_expires_idx ON identity.mfa_challenges (expires_at)`);
    await q.query(`ALTER TABLE identity.refresh_tokens ADD COLUMN amr text[]`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity.refresh_tokens DROP COLUMN amr`);
    await q.query(`DROP TABLE identity.mfa_challenges`);
    await q.query(`DROP TABLE identity.recovery_codes`);
    await q.query(`DROP TABLE identity.totp_factors`);
  }
}
