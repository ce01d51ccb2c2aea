import { MigrationInterface, QueryRunner } from 'typeorm';

export class TenancyAuditAndDeletion1764100000000 implements MigrationInterface {
  name = 'TenancyAuditAndDeletion1764100000000';

  async up(q: QueryRunner): Promise<void> {
    // Deleted tenants stay as tombstones: their id is never reused, so a late deletion event can never
    // remove the data of a new tenant with the same id.
    await q.query(`ALTER TABLE tenancy.tenants DROP CONSTRAINT IF EXISTS tenants_status_check`);
    await q.query(`ALTER TABLE tenancy.tenants ADD CONSTRAINT tenants_status_check CHECK (status IN ('PROVISIONING', 'ACTIVE', 'DELETED'))`);
    await q.query(`ALTER TABLE tenancy.tenants ADD COLUMN deleted_at timestamptz`);
    await q.query(`CREATE TABLE tenancy.audit_logs (
      id uuid PRIMARY KEY,
      source text NOT NULL,
      scope text NOT NULL CHECK (scope IN ('INSTANCE', 'TENANT')),
      tenant_id text,
      type text NOT NULL,
      resource_type text NOT NULL,
      resource_id text,
      actor_type text NOT NULL,
      actor_id text,
      actor_username text,
      ip text,
      at timestamptz NOT NULL,
      before jsonb,
      after jsonb,
      details jsonb,
      recorded_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX audit_logs_tenant_at_idx ON tenancy.audit_logs (scope, tenant_id, at DESC)`);
    await q.query(`CREATE INDEX audit_logs_actor_idx ON tenancy.audit_logs (actor_id)`);
    await q.query(`CREATE INDEX audit_logs_resource_idx ON tenancy.audit_logs (resource_type, resource_id)`);
    await q.query(`CREATE FUNCTION tenancy.audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'tenancy.audit_logs is append-only'; END $$`);
    await q.query(`CREATE TRIGGER audit_logs_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON tenancy.audit_logs
      FOR EACH STATEMENT EXECUTE FUNCTION tenancy.audit_logs_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE tenancy.audit_logs');
    await q.query('DROP FUNCTION tenancy.audit_logs_append_only()');
    await q.query(`DELETE FROM tenancy.tenants WHERE status = 'DELETED'`);
    await q.query('ALTER TABLE tenancy.tenants DROP COLUMN deleted_at');
    await q.query(`ALTER TABLE tenancy.tenants DROP CONSTRAINT tenants_status_check`);
    await q.query(`ALTER TABLE tenancy.tenants ADD CONSTRAINT tenants_status_check CHECK (status IN ('PROVISIONING', 'ACTIVE'))`);
  }
}
