import { MigrationInterface, QueryRunner } from 'typeorm';

/** Live tenants read model, invitations, one default role per tenant, and indexes for the admin API. */
export class AuthorizationAccess1764100000000 implements MigrationInterface {
  name = 'AuthorizationAccess1764100000000';

  async up(q: QueryRunner): Promise<void> {
    // tenant_key: the tenant id, '' for the default (null) tenant.
    await q.query(`CREATE TABLE "authorization".live_tenants (
      tenant_key text PRIMARY KEY,
      live boolean NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`INSERT INTO "authorization".live_tenants (tenant_key, live)
      SELECT DISTINCT coalesce(tenant_id, ''), true FROM "authorization".roles WHERE scope = 'TENANT'
      ON CONFLICT DO NOTHING`);
    await q.query(`CREATE TABLE "authorization".invitations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id text,
      email text NOT NULL,
      token_hash text NOT NULL UNIQUE,
      roles jsonb NOT NULL DEFAULT '[]',
      group_ids uuid[] NOT NULL DEFAULT '{}',
      status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'ACCEPTED')),
      expires_at timestamptz NOT NULL,
      invited_by uuid,
      accepted_by uuid,
      accepted_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX invitations_tenant_idx ON "authorization".invitations (tenant_id, created_at)`);
    await q.query(`CREATE UNIQUE INDEX roles_default_uq ON "authorization".roles (tenant_id) NULLS NOT DISTINCT
      WHERE is_default AND scope = 'TENANT'`);
    await q.query(`CREATE INDEX bindings_role_idx ON "authorization".bindings (role_id)`);
    await q.query(`CREATE INDEX groups_tenant_idx ON "authorization".groups (tenant_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "authorization".groups_tenant_idx`);
    await q.query(`DROP INDEX "authorization".bindings_role_idx`);
    await q.query(`DROP INDEX "authorization".roles_default_uq`);
    await q.query(`DROP TABLE "authorization".invitations`);
    await q.query(`DROP TABLE "authorization".live_tenants`);
  }
}
