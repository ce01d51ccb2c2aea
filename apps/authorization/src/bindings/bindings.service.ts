import { cappedCount, decodeCursor, encodeCursor, Keyset, keysetCondition, keysetOrder, likePattern, nullSafeEquals, pageTotal } from '@gatehouse/database';
import {
  BindingView, BulkCreateBindingsRequest, Caller, CreateBindingRequest, Page, Scope, SearchBindingsRequest,
} from '@gatehouse/contracts';
import { isUniqueViolation, ProblemException } from '@gatehouse/errors';
import { AuditRecorder } from '@gatehouse/durable-events';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { subjectsOfBinding } from '../common/affected-subjects';
import { namespaceAndAncestors, normaliseNamespaces } from '../common/namespaces';
import { pageOf } from '../common/sql';
import { asksStepUp, stepUpRequired } from '../common/step-up';
import { SubjectDirectory } from '../subjects/subject-directory';
import { TenantJoin } from '../tenants/tenant-join';
import { InvalidationBus } from '../invalidation/invalidation-bus';
import { AccessGains } from '../grants/access-gains';
import { GrantGuard } from '../grants/grant-guard';
import { scopeOf, RolesService } from '../roles/roles.service';
import { LiveTenants } from '../tenants/live-tenants';

const SORTABLE = { createdAt: 'b.created_at', roleName: 'r.name', subjectType: 'b.subject_type' };

interface BindingRow {
  id: string;
  scope: Scope;
  tenant_id: string | null;
  role_id: string;
  role_name: string;
  subject_type: BindingView['subjectType'];
  subject_id: string;
  namespaces: string[] | null;
  created_at: Date;
}

const toView = (r: BindingRow): BindingView => ({
  id: r.id,
  scope: r.scope,
  tenantId: r.tenant_id,
  roleId: r.role_id,
  roleName: r.role_name,
  subjectType: r.subject_type,
  subjectId: r.subject_id,
  namespaces: r.namespaces,
  createdAt: new Date(r.created_at).toISOString(),
});

const auditOf = (b: BindingView) => ({ roleId: b.roleId, roleName: b.roleName, subjectType: b.subjectType, subjectId: b.subjectId, namespaces: b.namespaces });

const SELECT = `SELECT b.*, r.name AS role_name FROM "authorization".bindings b JOIN "authorization".roles r ON r.id = b.role_id`;

/**
 * Bindings: role → user | service account | group, tenant-wide or limited to namespace prefixes.
 * Immutable (delete + create). Bulk creation is all-or-nothing. Every grant passes the GrantGuard.
 */
@Injectable()
export class BindingsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditRecorder,
    private readonly invalidation: InvalidationBus,
    private readonly guard: GrantGuard,
    private readonly gains: AccessGains,
    private readonly roles: RolesService,
    private readonly directory: SubjectDirectory,
    private readonly join: TenantJoin,
    private readonly liveTenants: LiveTenants,
  ) {}

  async search(tenantId: string | null | undefined, query: SearchBindingsRequest): Promise<Page<BindingView>> {
    const where = scopeOf(tenantId);
    const page = pageOf(query, SORTABLE, 'createdAt');
    const keyset: Keyset = { columns: [SORTABLE[page.sortField as keyof typeof SORTABLE], 'b.id'], dir: page.sortDir, sort: `${page.sortField}:${page.sortDir}` };
    const params: unknown[] = [where.scope, where.tenantId];
    const conditions = [`b.scope = $1`, nullSafeEquals('b.tenant_id', '$2')];
    const add = (sql: (i: number) => string, value: unknown) => {
      params.push(value);
      conditions.push(sql(params.length));
    };
    if (query.subjectId) add((i) => `b.subject_id = $${i}`, query.subjectId);
    if (query.subjectType) add((i) => `b.subject_type = $${i}`, query.subjectType);
    if (query.roleId) add((i) => `b.role_id = $${i}`, query.roleId);
    // A binding covers the namespace when it names the namespace or one of its ancestors (or none at all):
    // an overlap with that short list, which the GIN index on namespaces answers, instead of a pass per row.
    if (query.namespace) add((i) => `(b.namespaces IS NULL OR b.namespaces && $${i}::text[])`, namespaceAndAncestors(query.namespace));
    if (query.q) add((i) => `r.name ILIKE $${i}`, likePattern(query.q));
    const from = `FROM "authorization".bindings b JOIN "authorization".roles r ON r.id = b.role_id WHERE ${conditions.join(' AND ')}`;
    const countParams = [...params];
    let after = '';
    if (query.cursor) {
      const values = decodeCursor(keyset, query.cursor);
      after = ` AND ${keysetCondition(keyset, values.map((_, i) => `$${params.length + i + 1}`))}`;
      params.push(...values);
    }
    const rows: Array<BindingRow & { sort_key: string }> = await this.dataSource.query(
      `SELECT b.*, r.name AS role_name, ${keyset.columns[0]}::text AS sort_key ${from}${after}
        ORDER BY ${keysetOrder(keyset)} LIMIT ${page.size + 1} OFFSET ${query.cursor ? 0 : page.offset}`,
      params,
    );
    const shown = rows.slice(0, page.size);
    const last = shown.at(-1);
    return {
      results: shown.map(toView),
      ...(await pageTotal(page, rows.length, !!query.cursor, () => cappedCount(this.dataSource.manager, `SELECT 1 ${from}`, countParams))),
      page: page.page,
      size: page.size,
      ...(rows.length > page.size && last ? { next: encodeCursor(keyset, [last.sort_key, last.id]) } : {}),
    };
  }

  async get(tenantId: string | null | undefined, id: string, manager: EntityManager = this.dataSource.manager): Promise<BindingView> {
    const where = scopeOf(tenantId);
    const rows: BindingRow[] = await manager.query(
      `${SELECT} WHERE b.id = $1 AND b.scope = $2 AND ${nullSafeEquals('b.tenant_id', '$3')}`,
      [id, where.scope, where.tenantId],
    );
    if (rows.length === 0) throw ProblemException.notFound(`Binding ${id} does not exist here`);
    return toView(rows[0]);
  }

  async create(caller: Caller | null, tenantId: string | null | undefined, request: CreateBindingRequest): Promise<BindingView> {
    const [created] = await this.createMany(caller, tenantId, { bindings: [request] }, false);
    return created;
  }

  /** All or nothing: any refused or conflicting binding rolls the whole request back. */
  async createMany(caller: Caller | null, tenantId: string | null | undefined, request: BulkCreateBindingsRequest, bulk = true): Promise<BindingView[]> {
    const where = scopeOf(tenantId);
    if (where.scope === 'TENANT' && !this.liveTenants.isLive(where.tenantId)) throw ProblemException.notFound('This tenant does not exist');
    const { views, affected } = await this.dataSource.transaction(async (manager) => {
      const views: BindingView[] = [];
      const affected: string[] = [];
      for (const [i, item] of request.bindings.entries()) {
        try {
          const view = await this.grant(manager, caller, tenantId, item);
          views.push(view);
          affected.push(...(await subjectsOfBinding(manager, view)));
        } catch (error) {
          throw bulk ? this.atIndex(error, i) : error;
        }
      }
      return { views, affected };
    });
    await this.invalidation.publish(affected);
    return views;
  }

  /** One grant inside the caller's transaction (also used by tenant access and invitations). */
  async grant(manager: EntityManager, caller: Caller | null, tenantId: string | null | undefined, item: CreateBindingRequest): Promise<BindingView> {
    const where = scopeOf(tenantId);
    if (where.scope === 'INSTANCE' && item.subjectType === 'GROUP') {
      throw ProblemException.validation([{ field: 'subjectType', message: 'instance-level bindings name a user or a service account' }]);
    }
    const namespaces = where.scope === 'INSTANCE' ? null : normaliseNamespaces(item.namespaces);
    if (where.scope === 'INSTANCE' && item.namespaces?.length) {
      throw ProblemException.validation([{ field: 'namespaces', message: 'instance-level bindings cannot be limited to namespaces' }]);
    }
    const role = await this.roles.find(manager, tenantId, item.roleId);
    // Step-up (docs/mfa.md): granting Admin or Instance Admin needs a recent second factor of a user who has one.
    // Joining a group that holds one asks the same (GroupsService.addMemberIn).
    if (caller?.stepUpRequired && asksStepUp(role)) throw stepUpRequired(role.name);
    await this.directory.assertExists(manager, where.tenantId, item.subjectType, item.subjectId, where.scope === 'INSTANCE');
    const source = `role "${role.name}"`;
    this.guard.assertScopeRule(source, role.permissions, namespaces);
    const recipients = await subjectsOfBinding(manager, item);
    const newcomer = where.scope === 'TENANT' && (await this.join.isNewcomer(manager, where.tenantId, { type: item.subjectType, id: item.subjectId }));
    await this.guard.assertMayChange(caller, {
      scope: where.scope,
      tenantId: where.tenantId,
      requires: [['BINDING', 'CREATE']],
      gains: [
        // A group's binding is a standing grant: it reaches the members it will have too.
        { source, grid: role.permissions, namespaces, recipients, newcomers: item.subjectType === 'GROUP' },
        ...(newcomer && !role.isDefault ? await this.gains.ofDefaultRole(manager, where.tenantId, recipients) : []),
      ],
    }, manager);
    let rows: Array<{ id: string }>;
    // A savepoint keeps the caller's transaction usable after a duplicate (invitations skip those).
    await manager.query('SAVEPOINT binding_insert');
    try {
      rows = await manager.query(
        `INSERT INTO "authorization".bindings (scope, tenant_id, role_id, subject_type, subject_id, namespaces)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [where.scope, where.tenantId, role.id, item.subjectType, item.subjectId, namespaces],
      );
      await manager.query('RELEASE SAVEPOINT binding_insert');
    } catch (error) {
      await manager.query('ROLLBACK TO SAVEPOINT binding_insert');
      if (isUniqueViolation(error)) throw ProblemException.conflict(`${item.subjectId} already has role "${role.name}" ${namespaces ? `on ${namespaces.join(', ')}` : 'tenant-wide'}`);
      throw error;
    }
    const view = await this.get(tenantId, rows[0].id, manager);
    await this.audit.record(manager, caller, {
      tenantId: where.scope === 'TENANT' ? where.tenantId : undefined,
      type: 'CREATE', resourceType: 'BINDING', resourceId: view.id, before: null, after: auditOf(view),
    });
    if (newcomer && !role.isDefault) await this.join.welcome(manager, caller, where.tenantId, item.subjectId);
    return view;
  }

  async delete(caller: Caller | null, tenantId: string | null | undefined, id: string): Promise<void> {
    const where = scopeOf(tenantId);
    const affected = await this.dataSource.transaction(async (manager) => {
      const view = await this.get(tenantId, id, manager);
      await this.guard.assertPathPermission(caller, where.scope, where.tenantId, 'BINDING', 'DELETE', manager);
      const subjects = await subjectsOfBinding(manager, view);
      await manager.query(`DELETE FROM "authorization".bindings WHERE id = $1`, [id]);
      await this.audit.record(manager, caller, {
        tenantId: where.scope === 'TENANT' ? where.tenantId : undefined,
        type: 'DELETE', resourceType: 'BINDING', resourceId: id, before: auditOf(view), after: null,
      });
      return subjects;
    });
    await this.invalidation.publish(affected);
  }

  private atIndex(error: unknown, i: number): unknown {
    if (!(error instanceof ProblemException)) return error;
    const problem = error.problem;
    const errors = (problem.errors as Array<{ field: string; message: string }> | undefined)?.map((e) => ({ ...e, field: `bindings[${i}].${e.field}` }));
    const copy = ProblemException.fromProblem({ ...problem, detail: `bindings[${i}]: ${problem.detail ?? problem.title}`, ...(errors ? { errors } : {}) });
    return copy;
  }
}
