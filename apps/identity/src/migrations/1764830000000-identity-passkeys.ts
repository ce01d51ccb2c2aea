import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Passkeys (WebAuthn credentials): the public key, the signature counter (a counter that goes back
 * means a cloned authenticator) and the backup state, several per user with a name each. The challenges
 * of registrations and passkey sign-ins live beside the sign-in's second steps (`challenge`: the
 * WebAuthn challenge, single-use and expiring like them; a passkey sign-in names no user).
 */
export class IdentityPasskeys1764830000000 implements MigrationInterface {
  name = 'IdentityPasskeys1764830000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE identity.passkeys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
      credential_id text NOT NULL UNIQUE,
      public_key bytea NOT NULL,
      counter bigint NOT NULL DEFAULT 0,
      transports text[] NOT NULL DEFAULT '{}',
      device_type text NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
      backed_up boolean NOT NULL DEFAULT false,
      aaguid text,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz
    )`);
    await q.query(`CREATE INDEX passkeys_user_idx ON identity.passkeys (user_id)`);
    await q.query(`ALTER TABLE identity.mfa_challenges DROP CONSTRAINT mfa_challenges_purpose_check`);
    await q.query(`ALTER TABLE identity.mfa_challenges ADD CONSTRAINT mfa_challenges_purpose_check
      CHECK (purpose IN ('login', 'passkey-registration', 'passkey-login'))`);
    await q.query(`ALTER TABLE identity.mfa_challenges ADD COLUMN challenge text`);
    await q.query(`ALTER TABLE identity.mfa_challenges ALTER COLUMN token_hash DROP NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX mfa_challenges_challenge_uq ON identity.mfa_challenges (challenge) WHERE challenge IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM identity.mfa_challenges WHERE purpose <> 'login' OR token_hash IS NULL`);
    await q.query(`DROP INDEX identity.mfa_challenges_challenge_uq`);
    await q.query(`ALTER TABLE identity.mfa_challenges ALTER COLUMN token_hash SET NOT NULL`);
    await q.query(`ALTER TABLE identity.mfa_challenges DROP COLUMN challenge`);
    await q.query(`ALTER TABLE identity.mfa_challenges DROP CONSTRAINT mfa_challenges_purpose_check`);
    await q.query(`ALTER TABLE identity.mfa_challenges ADD CONSTRAINT mfa_challenges_purpose_check CHECK (purpose IN ('login'))`);
    await q.query(`DROP TABLE identity.passkeys`);
  }
}
