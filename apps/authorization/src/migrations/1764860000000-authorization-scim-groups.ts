import { MigrationInterface, QueryRunner } from 'typeorm';

/** A group's externalId: the identifier a provisioning directory gave it (SCIM, docs/scim.md). */
export class AuthorizationScimGroups1764860000000 implements MigrationInterface {
  name = 'AuthorizationScimGroups1764860000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "authorization".groups ADD COLUMN external_id text`);
    await q.query(`CREATE INDEX groups_external_id_idx ON "authorization".groups (tenant_id, external_id) WHERE external_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "authorization".groups_external_id_idx`);
    await q.query(`ALTER TABLE "authorization".groups DROP COLUMN external_id`);
  }
}
