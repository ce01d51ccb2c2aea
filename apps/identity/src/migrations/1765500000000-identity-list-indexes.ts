import { TRIGRAM_EXTENSION_SQL, trigramIndexSql } from '@gatehouse/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

const SEARCHED = ['username', 'email', 'first_name', 'last_name'];
const SORTED = ['username', 'email', 'created_at', 'status'];

/**
 * The users list flat in the number of users (docs/scale.md): each sort has a (column, id) index, which
 * gives a page in order and serves the cursor; substring search reads trigram indexes of the searched columns.
 */
export class IdentityListIndexes1765500000000 implements MigrationInterface {
  name = 'IdentityListIndexes1765500000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of TRIGRAM_EXTENSION_SQL) await q.query(sql);
    for (const column of SORTED) await q.query(`CREATE INDEX IF NOT EXISTS users_${column}_id_idx ON identity.users (${column}, id)`);
    for (const column of SEARCHED) await q.query(trigramIndexSql('identity', 'users', column));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const column of SEARCHED) await q.query(`DROP INDEX IF EXISTS identity.users_${column}_trgm`);
    for (const column of SORTED) await q.query(`DROP INDEX IF EXISTS identity.users_${column}_id_idx`);
  }
}
