import { MigrationInterface, QueryRunner } from 'typeorm';
import { BEARER_MODELS } from '../oidc/postgres-adapter';

/**
 * oidc-provider's refresh tokens, opaque access tokens and authorization codes were stored under their own
 * value (the row's id, and `jti` in the payload): a read of identity.oidc_payloads gave live tokens. The
 * adapter now keys them by the value's SHA-256 (storedBearerId) and drops `jti`; this turns the rows already
 * there into the same form, so every token issued before keeps working and none stays readable. One-way:
 * a hash cannot be turned back, so `down` leaves the rows (the older adapter no longer finds them, which
 * signs out those clients, never lets anyone in).
 */
export class IdentityOidcBearerIds1767100000000 implements MigrationInterface {
  name = 'IdentityOidcBearerIds1767100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE identity.oidc_payloads SET id = encode(sha256(convert_to(id, 'UTF8')), 'hex'), payload = payload - 'jti' WHERE model = ANY($1)`,
      [BEARER_MODELS],
    );
  }

  async down(): Promise<void> {
    // Nothing to undo that can be undone: see above.
  }
}
