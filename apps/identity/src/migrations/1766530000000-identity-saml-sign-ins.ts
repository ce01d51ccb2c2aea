import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SAML sign-ins (docs/federation.md) share the started sign-ins with OpenID Connect: the AuthnRequest's id (what
 * the response's InResponseTo must name, once) and the checked assertion, kept from the ACS until the browser that
 * started it finishes with its binding. A SAML sign-in has no PKCE verifier or nonce.
 */
export class IdentitySamlSignIns1766530000000 implements MigrationInterface {
  name = 'IdentitySamlSignIns1766530000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity.federation_sign_ins
      ALTER COLUMN code_verifier DROP NOT NULL,
      ALTER COLUMN nonce DROP NOT NULL,
      ADD COLUMN request_id text UNIQUE,
      ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
      ADD COLUMN saml_answer jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM identity.federation_sign_ins WHERE request_id IS NOT NULL`);
    await q.query(`ALTER TABLE identity.federation_sign_ins DROP COLUMN saml_answer, DROP COLUMN created_at, DROP COLUMN request_id,
      ALTER COLUMN nonce SET NOT NULL, ALTER COLUMN code_verifier SET NOT NULL`);
  }
}
