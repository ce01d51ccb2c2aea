import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Verified email addresses (docs/accounts.md): `email_verified`, a `pending_email` waiting for its
 * confirmation, and the single-use links (SHA-256 of the secret) that verify an address or apply a change.
 *
 * Existing users start unverified, except those shown to receive mail at their address: whoever
 * completed a password reset by an emailed link (a used row in password_reset_tokens; only a completed
 * reset marks them used). Invitations live in authorization's schema, which identity does not read: a
 * user who joined by invitation is verified at their next accepted invitation, or by confirming.
 */
export class IdentityEmailVerification1764810000000 implements MigrationInterface {
  name = 'IdentityEmailVerification1764810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity.users ADD COLUMN email_verified boolean NOT NULL DEFAULT false, ADD COLUMN pending_email text`);
    await q.query(`CREATE TABLE identity.email_verification_tokens (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES identity.users(id) ON DELETE CASCADE,
      email text NOT NULL,
      purpose text NOT NULL CHECK (purpose IN ('VERIFY', 'CHANGE')),
      token_hash text NOT NULL UNIQUE,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX email_verification_tokens_user_idx ON identity.email_verification_tokens (user_id, created_at)`);
    await q.query(`UPDATE identity.users u SET email_verified = true
      WHERE EXISTS (SELECT 1 FROM identity.password_reset_tokens t WHERE t.user_id = u.id AND t.used_at IS NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE identity.email_verification_tokens');
    await q.query(`ALTER TABLE identity.users DROP COLUMN email_verified, DROP COLUMN pending_email`);
  }
}
