import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One name per concept: the reset reason of a forgotten-password link is FORGOTTEN_PASSWORD (it was
 * FORGOT_PASSWORD). Rewrites the stored reset tokens and their CHECK constraint.
 */
export class IdentityForgottenPasswordReason1764600000000 implements MigrationInterface {
  name = 'IdentityForgottenPasswordReason1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity.password_reset_tokens DROP CONSTRAINT password_reset_tokens_reason_check`);
    await q.query(`UPDATE identity.password_reset_tokens SET reason = 'FORGOTTEN_PASSWORD' WHERE reason = 'FORGOT_PASSWORD'`);
    await q.query(`ALTER TABLE identity.password_reset_tokens ADD CONSTRAINT password_reset_tokens_reason_check
      CHECK (reason IN ('FORGOTTEN_PASSWORD', 'ADMIN_REQUEST'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity.password_reset_tokens DROP CONSTRAINT password_reset_tokens_reason_check`);
    await q.query(`UPDATE identity.password_reset_tokens SET reason = 'FORGOT_PASSWORD' WHERE reason = 'FORGOTTEN_PASSWORD'`);
    await q.query(`ALTER TABLE identity.password_reset_tokens ADD CONSTRAINT password_reset_tokens_reason_check
      CHECK (reason IN ('FORGOT_PASSWORD', 'ADMIN_REQUEST'))`);
  }
}
