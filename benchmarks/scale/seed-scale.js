#!/usr/bin/env node
/**
 * Seeds a database at scale for `npm run bench:scale` (docs/scale.md): every service's schema migrated as
 * the services do, then rows written in bulk SQL in the shapes the code writes, read models included
 * (authorization's subject facts, with the users' names, and live tenants).
 *
 *   npm run build && npm run bench:seed-scale [-- --database gatehouse_scale --tenants 10000 --users 1000000
 *     --big-tenant-users 100000 --group-size 10000 --bindings 1020000 --audit 1000000]
 *
 * Defaults: 10,000 tenants; 1,000,000 users; 1,020,000 bindings, 110,000 of them in `tenant-00001` (its
 * 100,000 users bound Viewer, 10 groups of 10,000 members bound Launcher, 9,990 namespace-limited Editor
 * bindings), the rest spread over the other tenants but `tenant-10000`, which stays empty (its managed
 * roles only); 1,000,000 audit entries (2/3 instance-level). Every user's password is
 * `Scale-Bench-Pass-1`; `root@scale.test` is Super Admin and `admin@scale.test` Admin of tenant-00001,
 * tenant-00002 and tenant-10000. Takes a few minutes and ~2 GB; drop it with
 * `psql -c 'DROP DATABASE gatehouse_scale'`.
 */
const root = require('node:path').resolve(__dirname, '../..');
const { Client } = require('pg');
const { hash } = require('@node-rs/argon2');
const { createDatabase, migrateAll } = require('./migrate');
const { ARGON2_OPTIONS } = require(`${root}/dist/apps/identity/src/passwords/password-hasher`);
const { MANAGED_TENANT_ROLES, INSTANCE_ADMIN_ROLE } = require(`${root}/dist/apps/authorization/src/catalogue/managed-roles`);

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  return typeof fallback === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1];
};
const SERVER = process.env.E2E_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = arg('database', 'gatehouse_scale');
const TENANTS = arg('tenants', 10_000);
const USERS = arg('users', 1_000_000);
const BIG_USERS = arg('big-tenant-users', 100_000);
const GROUP_SIZE = arg('group-size', 10_000);
const BINDINGS = arg('bindings', 1_020_000);
const AUDIT = arg('audit', 1_000_000);
const PASSWORD = 'Scale-Bench-Pass-1';

/** Deterministic ids, so the benchmark finds the same rows: `md5(kind || n)` shaped as a version-4 uuid (the API checks ids are). */
const uid = (kind, n) => `overlay(overlay(md5('${kind}' || ${n}) placing '4' from 13) placing '8' from 17)::uuid`;
const tenant = (n) => `'tenant-' || lpad((${n})::text, 5, '0')`;

async function main() {
  const url = await createDatabase(SERVER, DATABASE, { fresh: true });
  await migrateAll(url);
  const db = new Client({ connectionString: url });
  await db.connect();
  const step = async (what, sql, params = []) => {
    const started = Date.now();
    const result = await db.query(sql, params);
    process.stdout.write(`${what}: ${result.rowCount ?? ''} rows, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  };
  // Bulk rows respect what the tenant write guards check (tenants live), so their triggers are skipped.
  await db.query(`SET session_replication_role = replica`);
  await db.query(`SET maintenance_work_mem = '256MB'`);
  const passwordHash = await hash(PASSWORD, ARGON2_OPTIONS);
  // Secondary indexes are dropped during the load and rebuilt from their own definitions after it: one
  // sorted build instead of a million inserts into each (trigram GIN indexes above all).
  const tables = ['identity.users', 'tenancy.audit_logs', '"authorization".bindings', '"authorization".group_members', '"authorization".subject_facts'];
  const { rows: indexes } = await db.query(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i
      WHERE i.indrelid = ANY($1::regclass[]) AND NOT i.indisprimary AND NOT i.indisunique`,
    [tables],
  );
  for (const index of indexes) await db.query(`DROP INDEX ${index.name}`);
  const smallTenants = TENANTS - 2; // tenant-00002 .. tenant-(TENANTS-1); the last one stays empty

  await step('tenants', `INSERT INTO tenancy.tenants (id, name, status, admin_subject_id, admin_subject_type, created_at, updated_at)
    SELECT ${tenant('g')}, 'Tenant ' || g, 'ACTIVE', ${uid('user', 2)}, 'USER', now() - g * interval '1 minute', now() FROM generate_series(1, ${TENANTS}) g`);
  await step('live tenants (authorization read model)', `INSERT INTO "authorization".live_tenants (tenant_key, live)
    SELECT ${tenant('g')}, true FROM generate_series(1, ${TENANTS}) g`);

  await step('users', `INSERT INTO identity.users (id, username, email, first_name, last_name, password_hash, super_admin, status, email_verified, created_at, updated_at)
    SELECT ${uid('user', 'g')},
           CASE g WHEN 1 THEN 'root@scale.test' WHEN 2 THEN 'admin@scale.test' ELSE 'user' || g || '@scale.test' END,
           CASE g WHEN 1 THEN 'root@scale.test' WHEN 2 THEN 'admin@scale.test' ELSE 'user' || g || '@scale.test' END,
           'First' || (g % 5000), 'Last' || g, $1, g = 1, 'ACTIVE', true, now() - g * interval '1 second', now()
      FROM generate_series(1, ${USERS}) g`, [passwordHash]);
  // The users' searchable names too, as identity's subject events carry them (displayName: first and last name).
  await step('subject facts (authorization read model)', `INSERT INTO "authorization".subject_facts (id, type, super_admin, disabled, version, username, email, display_name)
    SELECT id, 'USER', super_admin, false, 1, username, email, concat_ws(' ', first_name, last_name) FROM identity.users`);

  const roles = [...MANAGED_TENANT_ROLES.entries()].map(([i, r]) => ({ ...r, i }));
  await step('managed roles', `INSERT INTO "authorization".roles (scope, tenant_id, name, description, permissions, managed, is_default)
    SELECT 'TENANT', ${tenant('g')}, r.name, r.description, r.permissions, true, false
      FROM generate_series(1, ${TENANTS}) g CROSS JOIN jsonb_to_recordset($1::jsonb) AS r(i int, name text, description text, permissions jsonb)`,
  [JSON.stringify(roles.map((r) => ({ i: r.i, name: r.name, description: r.description, permissions: r.permissions })))]);
  await step('instance admin role', `INSERT INTO "authorization".roles (scope, tenant_id, name, description, permissions, managed)
    VALUES ('INSTANCE', NULL, $1, $2, $3, true)`, [INSTANCE_ADMIN_ROLE.name, INSTANCE_ADMIN_ROLE.description, JSON.stringify(INSTANCE_ADMIN_ROLE.permissions)]);
  const role = (name, tenantExpr) =>
    `(SELECT id FROM "authorization".roles WHERE scope = 'TENANT' AND tenant_id = ${tenantExpr} AND lower(name) = '${name.toLowerCase()}')`;

  // The big tenant: its users bound Viewer, groups of GROUP_SIZE bound Launcher, namespace-limited Editor bindings.
  const groups = Math.ceil(BIG_USERS / GROUP_SIZE);
  await step('big tenant: Viewer bindings', `INSERT INTO "authorization".bindings (scope, tenant_id, role_id, subject_type, subject_id, created_at)
    SELECT 'TENANT', 'tenant-00001', ${role('Viewer', "'tenant-00001'")}, 'USER', ${uid('user', 'g')}, now() - g * interval '1 second'
      FROM generate_series(3, ${BIG_USERS + 2}) g`);
  await step('big tenant: groups', `INSERT INTO "authorization".groups (id, tenant_id, name, description)
    SELECT ${uid('group', 'g')}, 'tenant-00001', 'Team ' || g, 'group of ' || ${GROUP_SIZE} FROM generate_series(1, ${groups}) g`);
  await step('big tenant: group members', `INSERT INTO "authorization".group_members (group_id, member_type, member_id)
    SELECT ${uid('group', `(g - 3) / ${GROUP_SIZE} + 1`)}, 'USER', ${uid('user', 'g')} FROM generate_series(3, ${BIG_USERS + 2}) g`);
  await step('big tenant: group bindings', `INSERT INTO "authorization".bindings (scope, tenant_id, role_id, subject_type, subject_id)
    SELECT 'TENANT', 'tenant-00001', ${role('Launcher', "'tenant-00001'")}, 'GROUP', ${uid('group', 'g')} FROM generate_series(1, ${groups}) g`);
  const admins = 3;
  const bigExtra = Math.max(0, Math.round(BIG_USERS * 0.1) - groups - 1);
  await step('big tenant: namespace-limited Editor bindings', `INSERT INTO "authorization".bindings (scope, tenant_id, role_id, subject_type, subject_id, namespaces)
    SELECT 'TENANT', 'tenant-00001', ${role('Editor', "'tenant-00001'")}, 'USER', ${uid('user', 'g + 2')},
           ARRAY['team' || (g % 100) || '.project' || (g % 7)] FROM generate_series(1, ${bigExtra}) g`);
  await step('tenant admins', `INSERT INTO "authorization".bindings (scope, tenant_id, role_id, subject_type, subject_id)
    SELECT 'TENANT', t, ${role('Admin', 't')}, 'USER', ${uid('user', 2)} FROM unnest(ARRAY['tenant-00001', 'tenant-00002', ${tenant(TENANTS)}]) t`);
  const rest = BINDINGS - BIG_USERS - groups - bigExtra - admins;
  const others = USERS - BIG_USERS - 2;
  await step('other tenants: bindings', `INSERT INTO "authorization".bindings (scope, tenant_id, role_id, subject_type, subject_id, namespaces, created_at)
    SELECT 'TENANT', ${tenant(`(g % ${smallTenants}) + 2`)}, r.id, 'USER', ${uid('user', `${BIG_USERS + 3} + (g % ${others})`)},
           CASE WHEN g % 3 = 0 THEN ARRAY['team' || (g % 50)] END, now() - g * interval '1 second'
      FROM generate_series(0, ${rest - 1}) g
      JOIN "authorization".roles r ON r.scope = 'TENANT' AND r.tenant_id = ${tenant(`(g % ${smallTenants}) + 2`)} AND lower(r.name) = 'viewer'`);

  const instanceShare = Math.round(AUDIT * 0.66);
  await step('audit entries (instance)', `INSERT INTO tenancy.audit_logs (id, source, scope, tenant_id, type, resource_type, resource_id, actor_type, actor_id, actor_username, ip, at)
    SELECT ${uid('audit', 'g')}, 'identity', 'INSTANCE', NULL, (ARRAY['CREATE','UPDATE','DELETE'])[g % 3 + 1], (ARRAY['USER','TENANT','SERVICE_ACCOUNT'])[g % 3 + 1],
           ${uid('user', `(g % ${USERS}) + 1`)}::text, 'USER', ${uid('user', 1)}::text, 'root@scale.test', '10.0.0.1', now() - g * interval '1 second'
      FROM generate_series(1, ${instanceShare}) g`);
  await step('audit entries (tenants)', `INSERT INTO tenancy.audit_logs (id, source, scope, tenant_id, type, resource_type, resource_id, actor_type, actor_id, actor_username, ip, at)
    SELECT ${uid('audit', 'g')}, 'authorization', 'TENANT', CASE WHEN g % 4 = 0 THEN 'tenant-00001' ELSE ${tenant(`(g % ${smallTenants}) + 2`)} END,
           (ARRAY['CREATE','UPDATE','DELETE'])[g % 3 + 1], (ARRAY['BINDING','GROUP','ROLE'])[g % 3 + 1], ${uid('res', 'g')}::text,
           'USER', ${uid('user', 2)}::text, 'admin@scale.test', '10.0.0.2', now() - g * interval '1 second'
      FROM generate_series(${instanceShare + 1}, ${AUDIT}) g`);
  await db.query(`SET session_replication_role = origin`);
  for (const index of indexes) await step(`index ${index.name}`, index.definition);
  for (const table of ['identity.users', 'tenancy.tenants', 'tenancy.audit_logs', '"authorization".bindings', '"authorization".groups', '"authorization".group_members', '"authorization".roles', '"authorization".subject_facts', '"authorization".live_tenants']) {
    await step(`analyze ${table}`, `VACUUM ANALYZE ${table}`);
  }
  const size = await db.query(`SELECT pg_size_pretty(pg_database_size(current_database())) AS size`);
  process.stdout.write(`seeded ${DATABASE}: ${size.rows[0].size}\n`);
  await db.end();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
