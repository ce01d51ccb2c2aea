import { randomUUID } from 'node:crypto';
import { AUTHORIZATION_INVALIDATE_SUBJECT, InvalidateMessage, PermissionGrid, Scope, SubjectFacts } from '@gatehouse/contracts';
import { openServiceWorld, ServiceWorld } from '@gatehouse/service-testing';
import { AUTHORIZATION_CONTEXTS, AUTHORIZATION_SCHEMA } from '../app.module';
import { AuthorizationEnv } from '../authorization.env';
import { ProvisioningService } from '../provisioning/provisioning.service';
import { SERVICE } from '../service-name';
import { SubjectFactsService } from '../subjects/subject-facts.service';

export interface AuthorizationWorld extends ServiceWorld<AuthorizationEnv> {
  /** Rows as the services keep them, written straight to the database: the state a spec starts from. */
  seed: Seed;
  /** The invalidations broadcast so far, oldest first (empty `subjectIds`: everything). */
  invalidations(): InvalidateMessage[];
}

export interface Seed {
  /** A live tenant (null: the default tenant) with its managed roles, provisioned as tenancy's saga does. */
  tenant(tenantId: string | null): Promise<void>;
  /** A user (or service account) as identity's facts describe it; its id. */
  subject(facts?: Partial<SubjectFacts>): Promise<string>;
  /** A custom role with this grid; its id. */
  role(tenantId: string | null, permissions: PermissionGrid, scope?: Scope): Promise<string>;
  /** Binds a role to a subject (tenant-wide unless namespaces); its id. */
  bind(roleId: string, subjectId: string, where: { tenantId: string | null; scope?: Scope; namespaces?: string[]; subjectType?: 'USER' | 'SERVICE_ACCOUNT' | 'GROUP' }): Promise<string>;
  /** A group of the tenant with these user members; its id. */
  group(tenantId: string | null, memberIds: string[]): Promise<string>;
}

let names = 0;

/** An id no tenant has had yet (tenant ids are never reused). */
export const newTenantId = () => `t-${randomUUID().slice(0, 8)}`;

/**
 * Authorization's contexts as the service wires them, on a migrated database of their own, over fakes of
 * NATS (invalidation broadcasts are recorded in `nats`; identity's replies come from `rpc`). The live
 * tenants are not re-read on a timer: they change through the code under test.
 */
export async function openAuthorization(env: Partial<AuthorizationEnv> = {}): Promise<AuthorizationWorld> {
  const world = await openServiceWorld({
    name: SERVICE, envClass: AuthorizationEnv, schema: AUTHORIZATION_SCHEMA, contexts: AUTHORIZATION_CONTEXTS, env: { LIVE_TENANTS_RELOAD_SECONDS: 0, ...env },
  });
  const insert = async (sql: string, params: unknown[]): Promise<string> => {
    const [row] = (await world.db.dataSource.query(`${sql} RETURNING id`, params)) as Array<{ id: string }>;
    return row.id;
  };
  const seed: Seed = {
    tenant: async (tenantId) => void (await world.get(ProvisioningService).provisionTenant(tenantId)),
    subject: async (facts = {}) => {
      const id = facts.id ?? randomUUID();
      await world.get(SubjectFactsService).apply(world.db.dataSource.manager, { type: 'USER', superAdmin: false, disabled: false, version: 1, ...facts, id });
      return id;
    },
    role: (tenantId, permissions, scope = 'TENANT') =>
      insert(`INSERT INTO "authorization".roles (scope, tenant_id, name, permissions) VALUES ($1, $2, $3, $4)`, [
        scope, tenantId, `role ${++names}`, JSON.stringify(permissions),
      ]),
    bind: (roleId, subjectId, { tenantId, scope = 'TENANT', namespaces, subjectType = 'USER' }) =>
      insert(`INSERT INTO "authorization".bindings (scope, tenant_id, role_id, subject_type, subject_id, namespaces) VALUES ($1, $2, $3, $4, $5, $6)`, [
        scope, tenantId, roleId, subjectType, subjectId, namespaces ?? null,
      ]),
    group: async (tenantId, memberIds) => {
      const id = await insert(`INSERT INTO "authorization".groups (tenant_id, name) VALUES ($1, $2)`, [tenantId, `group ${++names}`]);
      for (const member of memberIds) {
        await world.db.dataSource.query(`INSERT INTO "authorization".group_members (group_id, member_type, member_id) VALUES ($1, 'USER', $2)`, [id, member]);
      }
      return id;
    },
  };
  return { ...world, seed, invalidations: () => world.nats.messagesOn<InvalidateMessage>(AUTHORIZATION_INVALIDATE_SUBJECT) };
}
