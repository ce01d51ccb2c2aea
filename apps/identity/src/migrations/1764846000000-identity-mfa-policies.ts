import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A tenant's own MFA policy, overriding the instance's (MFA_POLICY): one row per tenant that has one
 * (`tenant_key`: the tenant's id, `default` for the default tenant). No row: the instance's policy.
 */
export class IdentityMfaPolicies1764846000000 implements MigrationInterface {
  name = 'IdentityMfaPolicies1764846000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE identity.mfa_policies (
      tenant_key text PRIMARY KEY,
      policy text NOT NULL CHECK (policy IN ('optional', 'required', 'required-for-admins')),
      updated_at timestamptz NOT NULL DEFAULT now(),
      updated_by uuid
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE identity.mfa_policies`);
  }
}
