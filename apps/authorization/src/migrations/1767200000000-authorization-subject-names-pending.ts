import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users whose names the read model lacks: AuthorizationSubjectNames1766600000000 could copy them only
 * where identity's schema shares the database, so an install with a database per service searched
 * (`tenant-access?q=`) only users changed since. They are marked here and SubjectNamesBackfill asks
 * identity for them at start-up; any newer subject event clears the mark too.
 */
export class AuthorizationSubjectNamesPending1767200000000 implements MigrationInterface {
  name = 'AuthorizationSubjectNamesPending1767200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "authorization".subject_facts ADD COLUMN IF NOT EXISTS names_pending boolean NOT NULL DEFAULT false`);
    await q.query(`UPDATE "authorization".subject_facts SET names_pending = true WHERE type = 'USER' AND username IS NULL`);
    await q.query(`CREATE INDEX IF NOT EXISTS subject_facts_names_pending_idx ON "authorization".subject_facts (id) WHERE names_pending`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS "authorization".subject_facts_names_pending_idx`);
    await q.query(`ALTER TABLE "authorization".subject_facts DROP COLUMN IF EXISTS names_pending`);
  }
}
