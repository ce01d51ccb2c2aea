import { TENANT_NOT_LIVE_SQLSTATE } from '@gatehouse/errors';

/** A tenant-scoped table and how to read the tenant key ('' = default tenant) of one of its rows. */
export interface TenantScopedTable {
  table: string;
  /** SQL expression over the row's columns giving its tenant key; NULL for a row that is not tenant data. */
  tenantKey: string;
  events: Array<'INSERT' | 'UPDATE'>;
}

/**
 * A tenant's rows can be written only while the tenant is live, whatever code path, instance or
 * service writes them: after each statement on a tenant-scoped table, a trigger hands the tenant keys
 * the statement wrote to `<schema>.assert_tenants_writable(text[])`, which the service defines from what
 * it knows of tenants. That function must raise TENANT_NOT_LIVE_SQLSTATE (`tenantNotLiveSql`) for a
 * tenant that is not live, and hold a lock until commit that the tenant's retirement must wait for,
 * so that no row of a tenant is committed after its retirement has been. The error answers 404.
 */
export function tenantWriteGuardSql(schema: string, tables: TenantScopedTable[]): string[] {
  const guard = `"${schema}".guard_tenant_rows`;
  return [
    `CREATE FUNCTION ${guard}() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       EXECUTE format(
         'SELECT "${schema}".assert_tenants_writable(array(SELECT DISTINCT k FROM (SELECT %s AS k FROM new_rows) r WHERE k IS NOT NULL ORDER BY k))',
         TG_ARGV[0]);
       RETURN NULL;
     END $$`,
    ...tenantRowTriggersSql(schema, tables),
  ];
}

/**
 * The guard's triggers alone, for a tenant-scoped table added after `tenantWriteGuardSql` ran in the
 * schema (its `guard_tenant_rows` function exists already).
 */
export function tenantRowTriggersSql(schema: string, tables: TenantScopedTable[]): string[] {
  const guard = `"${schema}".guard_tenant_rows`;
  return tables.flatMap(({ table, tenantKey, events }) =>
    events.map(
      (event) => `CREATE TRIGGER ${table}_tenant_live_${event.toLowerCase()} AFTER ${event} ON "${schema}".${table}
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${guard}('${tenantKey.replace(/'/g, "''")}')`,
    ),
  );
}

export function dropTenantRowTriggersSql(schema: string, tables: TenantScopedTable[]): string[] {
  return tables.flatMap(({ table, events }) => events.map((event) => `DROP TRIGGER ${table}_tenant_live_${event.toLowerCase()} ON "${schema}".${table}`));
}

export function dropTenantWriteGuardSql(schema: string, tables: TenantScopedTable[]): string[] {
  return [
    ...dropTenantRowTriggersSql(schema, tables),
    `DROP FUNCTION "${schema}".guard_tenant_rows()`,
  ];
}

/** The plpgsql statement an `assert_tenants_writable` runs for a tenant key (variable `key`) that is not live. */
export const tenantNotLiveSql = `RAISE EXCEPTION 'tenant "%" does not exist', key USING ERRCODE = '${TENANT_NOT_LIVE_SQLSTATE}'`;
