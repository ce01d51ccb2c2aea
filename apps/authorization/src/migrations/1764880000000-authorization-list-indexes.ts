import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A tenant's lists flat in the size of the instance and of the tenant (docs/scale.md): its bindings in
 * creation order and by subject (the tenant's users page), and the bindings covering a namespace (an
 * overlap with the namespace and its ancestors, answered by a GIN index on the namespaces array).
 */
export class AuthorizationListIndexes1764880000000 implements MigrationInterface {
  name = 'AuthorizationListIndexes1764880000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS bindings_tenant_created_idx ON "authorization".bindings (scope, tenant_id, created_at, id)`);
    await q.query(`CREATE INDEX IF NOT EXISTS bindings_tenant_subject_idx ON "authorization".bindings (scope, tenant_id, subject_id)`);
    await q.query(`CREATE INDEX IF NOT EXISTS bindings_namespaces_gin ON "authorization".bindings USING gin (namespaces)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of ['bindings_namespaces_gin', 'bindings_tenant_subject_idx', 'bindings_tenant_created_idx']) await q.query(`DROP INDEX IF EXISTS "authorization".${index}`);
  }
}
