import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sessions a user can see: each refresh token records the client (User-Agent, address) of the sign-in
 * or refresh that issued it, so a session (a token family) shows where it was last used from. Tokens
 * issued before this migration show neither. An index for a user's live tokens serves the list.
 */
export class IdentitySessionDevices1764800000000 implements MigrationInterface {
  name = 'IdentitySessionDevices1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity.refresh_tokens ADD COLUMN user_agent varchar(512), ADD COLUMN ip varchar(64)`);
    await q.query(`CREATE INDEX refresh_tokens_live_idx ON identity.refresh_tokens (user_id, family_id)
      WHERE revoked_at IS NULL AND used_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX identity.refresh_tokens_live_idx');
    await q.query(`ALTER TABLE identity.refresh_tokens DROP COLUMN user_agent, DROP COLUMN ip`);
  }
}
