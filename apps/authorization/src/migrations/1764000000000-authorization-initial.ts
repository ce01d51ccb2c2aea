import { dropOutboxTablesSql, outboxTablesSql } from '@gatehouse/durable-events';
import { MigrationInterface, QueryRunner } from 'typeorm';

export class AuthorizationInitial1764000000000 implements MigrationInterface {
  name = 'AuthorizationInitial1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "authorization".roles (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      scope text NOT NULL CHECK (scope IN ('TENANT', 'INSTANCE')),
      tenant_id text,
      name text NOT NULL,
      description text,
      permissions jsonb NOT NULL,
      managed boolean NOT NULL DEFAULT false,
      is_default boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX roles_name_uq ON "authorization".roles (scope, tenant_id, lower(name)) NULLS NOT DISTINCT`);
    await q.query(`CREATE TABLE "authorization".groups (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id text,
      name text NOT NULL,
      description text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX groups_name_uq ON "authorization".groups (tenant_id, lower(name)) NULLS NOT DISTINCT`);
    await q.query(`CREATE TABLE "authorization".group_members (
      group_id uuid NOT NULL REFERENCES "authorization".groups(id) ON DELETE CASCADE,
      member_type text NOT NULL CHECK (member_type IN ('USER', 'SERVICE_ACCOUNT')),
      member_id uuid NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (group_id, member_id)
    )`);
    await q.query(`CREATE INDEX group_members_member_idx ON "authorization".group_members (member_id)`);
    await q.query(`CREATE TABLE "authorization".bindings (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      scope text NOT NULL CHECK (scope IN ('TENANT', 'INSTANCE')),
      tenant_id text,
      role_id uuid NOT NULL REFERENCES "authorization".roles(id) ON DELETE CASCADE,
      subject_type text NOT NULL CHECK (subject_type IN ('USER', 'SERVICE_ACCOUNT', 'GROUP')),
      subject_id uuid NOT NULL,
      namespaces text[],
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX bindings_subject_idx ON "authorization".bindings (subject_id)`);
    await q.query(`CREATE INDEX bindings_tenant_idx ON "authorization".bindings (tenant_id)`);
    await q.query(`CREATE UNIQUE INDEX bindings_uq ON "authorization".bindings
      (scope, tenant_id, role_id, subject_id, coalesce(namespaces, '{}')) NULLS NOT DISTINCT`);
    await q.query(`CREATE TABLE "authorization".subject_facts (
      id uuid PRIMARY KEY,
      type text NOT NULL,
      super_admin boolean NOT NULL,
      disabled boolean NOT NULL,
      version integer NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    for (const sql of outboxTablesSql('authorization')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of dropOutboxTablesSql('authorization')) await q.query(sql);
    for (const t of ['subject_facts', 'bindings', 'group_members', 'groups', 'roles']) await q.query(`DROP TABLE "authorization".${t}`);
  }
}
