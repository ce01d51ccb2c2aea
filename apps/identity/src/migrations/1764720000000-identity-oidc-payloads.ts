import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The OpenID Connect provider's state (oidc/): sessions, interactions, grants, authorization codes,
 * refresh tokens, opaque access tokens, one row each, keyed by (model, id), as oidc-provider's adapter
 * contract stores them. `grant_id` revokes everything of a grant at once, `uid` finds a session by its
 * cookie's uid, `user_code` is for the device flow; expired rows are pruned by identity (`expires_at`).
 */
export class IdentityOidcPayloads1764720000000 implements MigrationInterface {
  name = 'IdentityOidcPayloads1764720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE identity.oidc_payloads (
      model text NOT NULL,
      id text NOT NULL,
      payload jsonb NOT NULL,
      grant_id text,
      uid text,
      user_code text,
      expires_at timestamptz,
      consumed_at timestamptz,
      PRIMARY KEY (model, id)
    )`);
    await q.query(`CREATE INDEX oidc_payloads_grant_id ON identity.oidc_payloads (grant_id) WHERE grant_id IS NOT NULL`);
    await q.query(`CREATE INDEX oidc_payloads_uid ON identity.oidc_payloads (model, uid) WHERE uid IS NOT NULL`);
    await q.query(`CREATE INDEX oidc_payloads_user_code ON identity.oidc_payloads (model, user_code) WHERE user_code IS NOT NULL`);
    await q.query(`CREATE INDEX oidc_payloads_expires_at ON identity.oidc_payloads (expires_at) WHERE expires_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE identity.oidc_payloads`);
  }
}
