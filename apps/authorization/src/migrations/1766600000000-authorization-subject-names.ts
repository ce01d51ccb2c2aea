import { TRIGRAM_EXTENSION_SQL } from '@gatehouse/database';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { subjectSearchSql } from '../subjects/subject-search';

/**
 * A user's searchable names (username, email, display name) in the subject read model, so a tenant's
 * users are searched in SQL here (`tenant-access?q=`) through a trigram index, instead of loading the
 * tenant's subjects and asking identity for each. Kept current by identity's subject events; backfilled
 * from identity's users when both schemas share the database (the default deployment).
 */
export class AuthorizationSubjectNames1766600000000 implements MigrationInterface {
  name = 'AuthorizationSubjectNames1766600000000';

  async up(q: QueryRunner): Promise<void> {
    for (const column of ['username', 'email', 'display_name']) await q.query(`ALTER TABLE "authorization".subject_facts ADD COLUMN IF NOT EXISTS ${column} text`);
    const [{ identity }] = (await q.query(`SELECT to_regclass('identity.users') IS NOT NULL AS identity`)) as Array<{ identity: boolean }>;
    if (identity) {
      await q.query(`
        UPDATE "authorization".subject_facts f
           SET username = u.username, email = u.email, display_name = nullif(concat_ws(' ', nullif(u.first_name, ''), nullif(u.last_name, '')), '')
          FROM identity.users u
         WHERE u.id = f.id AND f.type = 'USER'`);
    }
    for (const sql of TRIGRAM_EXTENSION_SQL) await q.query(sql);
    await q.query(`CREATE INDEX IF NOT EXISTS subject_facts_search_trgm ON "authorization".subject_facts USING gin ((${subjectSearchSql('subject_facts')}) public.gin_trgm_ops)`);
    // A big tenant's users sorted by username or email: the read model walked in that order, each checked for access.
    await q.query(`CREATE INDEX IF NOT EXISTS subject_facts_username_idx ON "authorization".subject_facts (username, id)`);
    await q.query(`CREATE INDEX IF NOT EXISTS subject_facts_email_idx ON "authorization".subject_facts (email, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of ['subject_facts_email_idx', 'subject_facts_username_idx', 'subject_facts_search_trgm']) await q.query(`DROP INDEX IF EXISTS "authorization".${index}`);
    for (const column of ['display_name', 'email', 'username']) await q.query(`ALTER TABLE "authorization".subject_facts DROP COLUMN IF EXISTS ${column}`);
  }
}
