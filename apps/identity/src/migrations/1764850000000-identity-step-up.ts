import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Step-up: a session remembers when its user last presented a second factor (`factor_at`, at sign-in or a
 * later step-up), which its access tokens carry as `auth_time`; a step-up's challenge is one of its own.
 */
export class IdentityStepUp1764850000000 implements MigrationInterface {
  name = 'IdentityStepUp1764850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity.refresh_tokens ADD COLUMN factor_at timestamptz`);
    await q.query(`ALTER TABLE identity.mfa_challenges DROP CONSTRAINT mfa_challenges_purpose_check`);
    await q.query(`ALTER TABLE identity.mfa_challenges ADD CONSTRAINT mfa_challenges_purpose_check
      CHECK (purpose IN ('login', 'step-up', 'passkey-registration', 'passkey-login'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM identity.mfa_challenges WHERE purpose = 'step-up'`);
    await q.query(`ALTER TABLE identity.mfa_challenges DROP CONSTRAINT mfa_challenges_purpose_check`);
    await q.query(`ALTER TABLE identity.mfa_challenges ADD CONSTRAINT mfa_challenges_purpose_check
      CHECK (purpose IN ('login', 'passkey-registration', 'passkey-login'))`);
    await q.query(`ALTER TABLE identity.refresh_tokens DROP COLUMN factor_at`);
  }
}
