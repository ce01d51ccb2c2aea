import { createIndexConcurrently, dropIndexConcurrently } from '@gatehouse/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

const PENDING = { schema: 'authorization', name: 'subject_facts_names_pending_idx', definition: `ON "authorization".subject_facts (id) WHERE names_pending` };

/**
 * Users whose names the read model lacks: AuthorizationSubjectNames1766600000000 could copy them only
 * where identity's schema shares the database, so an install with a database per service searched
 * (`tenant-access?q=`) only users changed since. They are marked here and SubjectNamesBackfill asks
 * identity for them at start-up; any newer subject event clears the mark too. Without a transaction (the
 * index is built concurrently); each step may run again after an interruption.
 */
export class AuthorizationSubjectNamesPending1767200000000 implements MigrationInterface {
  name = 'AuthorizationSubjectNamesPending1767200000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "authorization".subject_facts ADD COLUMN IF NOT EXISTS names_pending boolean NOT NULL DEFAULT false`);
    await q.query(`UPDATE "authorization".subject_facts SET names_pending = true WHERE type = 'USER' AND username IS NULL AND NOT names_pending`);
    await createIndexConcurrently(q, PENDING);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropIndexConcurrently(q, PENDING.schema, PENDING.name);
    await q.query(`ALTER TABLE "authorization".subject_facts DROP COLUMN IF EXISTS names_pending`);
  }
}
