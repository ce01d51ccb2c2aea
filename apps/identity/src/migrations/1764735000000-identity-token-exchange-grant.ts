import { MigrationInterface, QueryRunner } from 'typeorm';

const GRANTS = `ARRAY['authorization_code', 'refresh_token', 'client_credentials']`;

/** OAuth clients may list the RFC 8693 token exchange grant (impersonation), confidential clients only. */
export class IdentityTokenExchangeGrant1764735000000 implements MigrationInterface {
  name = 'IdentityTokenExchangeGrant1764735000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity.oauth_clients DROP CONSTRAINT oauth_clients_grant_types_check`);
    await q.query(`ALTER TABLE identity.oauth_clients ADD CONSTRAINT oauth_clients_grant_types_check
      CHECK (grant_types <@ (${GRANTS} || 'urn:ietf:params:oauth:grant-type:token-exchange'::text))`);
    await q.query(`ALTER TABLE identity.oauth_clients ADD CONSTRAINT oauth_clients_token_exchange_check
      CHECK (NOT 'urn:ietf:params:oauth:grant-type:token-exchange' = ANY (grant_types) OR type = 'confidential')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE identity.oauth_clients SET grant_types = array_remove(grant_types, 'urn:ietf:params:oauth:grant-type:token-exchange')`);
    await q.query(`ALTER TABLE identity.oauth_clients DROP CONSTRAINT oauth_clients_token_exchange_check`);
    await q.query(`ALTER TABLE identity.oauth_clients DROP CONSTRAINT oauth_clients_grant_types_check`);
    await q.query(`ALTER TABLE identity.oauth_clients ADD CONSTRAINT oauth_clients_grant_types_check CHECK (grant_types <@ ${GRANTS})`);
  }
}
