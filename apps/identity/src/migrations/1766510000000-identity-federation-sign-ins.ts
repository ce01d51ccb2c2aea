import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-ins started at an upstream OpenID Connect provider (docs/federation.md): the state (its own key), the
 * hash of the binding the starting browser keeps, the PKCE verifier and nonce, the OpenID provider's interaction
 * it is for; single use, expiring after 10 minutes (pruned at each start).
 */
export class IdentityFederationSignIns1766510000000 implements MigrationInterface {
  name = 'IdentityFederationSignIns1766510000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE identity.federation_sign_ins (
      state text PRIMARY KEY,
      binding_hash text NOT NULL,
      provider_id uuid NOT NULL REFERENCES identity.identity_providers (id) ON DELETE CASCADE,
      code_verifier text NOT NULL,
      nonce text NOT NULL,
      interaction_uid text,
      expires_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX federation_sign_ins_expiry_idx ON identity.federation_sign_ins (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE identity.federation_sign_ins`);
  }
}
