import { MigrationInterface, QueryRunner } from 'typeorm';

/** OpenID Connect back-channel logout: the URI where the provider POSTs a client's logout tokens (null: none). */
export class IdentityOAuthClientBackchannelLogout1764845000000 implements MigrationInterface {
  name = 'IdentityOAuthClientBackchannelLogout1764845000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity.oauth_clients ADD COLUMN backchannel_logout_uri text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity.oauth_clients DROP COLUMN backchannel_logout_uri`);
  }
}
