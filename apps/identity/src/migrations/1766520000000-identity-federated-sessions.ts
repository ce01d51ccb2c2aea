import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Federated sessions (docs/federation.md): each provider's session lifetime; the end a session's refresh tokens
 * keep through rotation; and a second step remembers its first (the methods and provider, and that end), so a
 * factor after an identity provider's sign-in is recorded as such and its session bounded alike.
 */
export class IdentityFederatedSessions1766520000000 implements MigrationInterface {
  name = 'IdentityFederatedSessions1766520000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity.identity_providers ADD COLUMN session_lifetime_seconds integer NOT NULL DEFAULT 36000`);
    await q.query(`ALTER TABLE identity.refresh_tokens ADD COLUMN session_ends_at timestamptz`);
    await q.query(`ALTER TABLE identity.mfa_challenges ADD COLUMN first_methods text[], ADD COLUMN provider_id uuid, ADD COLUMN session_ends_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity.mfa_challenges DROP COLUMN first_methods, DROP COLUMN provider_id, DROP COLUMN session_ends_at`);
    await q.query(`ALTER TABLE identity.refresh_tokens DROP COLUMN session_ends_at`);
    await q.query(`ALTER TABLE identity.identity_providers DROP COLUMN session_lifetime_seconds`);
  }
}
