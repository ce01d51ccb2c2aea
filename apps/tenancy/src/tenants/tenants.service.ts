import { entityPage, likePattern } from '@gatehouse/database';
import {
  AuthorizationRpc, Caller, CreateTenantRequest, IdentityRpc, ListTenantsRequest, Page, RESERVED_TENANT_IDS,
  resolvePage, SubjectRef, TenancyEvents, TenantView, UpdateTenantRequest,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { AuditRecorder, auditDiff, Outbox } from '@gatehouse/durable-events';
import { RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan } from 'typeorm';
import { TenancyEnv } from '../tenancy.env';
import { TenantEntity } from './tenant.entity';
import { toTenantView } from './tenant.mapper';
import { SERVICE } from '../service-name';

const SORTABLE = ['id', 'name', 'createdAt'] as const;
const RETRY_EVERY_MS = 5000;
/**
 * A creation left half-way is finished in the background only after this long, so that a client
 * retrying its create (same Idempotency-Key) completes it itself and gets its 201.
 */
const ABANDONED_AFTER_MS = 60_000;

/**
 * Tenant lifecycle. Creation is a small saga: store PROVISIONING → authorization creates the managed
 * roles and the Admin binding (idempotent) → ACTIVE. A failed step is retried in the background and on a
 * repeated create; a PROVISIONING tenant is never listed or readable.
 */
@Injectable()
export class TenantsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Tenants');
  private retryTimer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rpc: RpcClient,
    private readonly outbox: Outbox,
    private readonly audit: AuditRecorder,
    private readonly env: TenancyEnv,
  ) {}

  onApplicationBootstrap(): void {
    this.retryTimer = setInterval(() => void this.resumeStuckProvisioning(), RETRY_EVERY_MS);
    this.retryTimer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.retryTimer);
  }

  async create(caller: Caller | null, request: CreateTenantRequest): Promise<TenantView> {
    if (!this.env.MULTI_TENANCY_ENABLED) {
      throw ProblemException.conflict('Multi-tenancy is disabled on this instance (MULTI_TENANCY_ENABLED=false); tenants cannot be created');
    }
    if ((RESERVED_TENANT_IDS as readonly string[]).includes(request.id)) {
      throw ProblemException.validation([{ field: 'id', message: `"${request.id}" is reserved` }]);
    }
    const admin = await this.resolveAdmin(caller, request.adminUser);
    const repo = this.dataSource.getRepository(TenantEntity);
    const existing = await repo.findOneBy({ id: request.id });
    if (existing?.status === 'ACTIVE') throw ProblemException.conflict(`Tenant "${request.id}" already exists`);
    if (existing?.status === 'DELETED') {
      throw ProblemException.conflict(`Tenant id "${request.id}" belonged to a deleted tenant; ids are never reused`);
    }
    if (!existing) {
      await repo.insert({
        id: request.id,
        name: request.name,
        workerGroup: request.workerGroup ?? null,
        status: 'PROVISIONING',
        adminSubjectId: admin?.id ?? null,
        adminSubjectType: admin?.type ?? null,
      });
    }
    return this.completeProvisioning(caller, request.id);
  }

  async update(caller: Caller | null, request: UpdateTenantRequest): Promise<TenantView> {
    const updated = await this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(TenantEntity);
      const tenant = await repo
        .createQueryBuilder('t')
        .setLock('pessimistic_write')
        .where(`t.id = :id AND t.status = 'ACTIVE'`, { id: request.id })
        .getOne();
      if (!tenant) throw ProblemException.notFound(`Tenant "${request.id}" does not exist`);
      const before = toTenantView(tenant);
      if (request.name !== undefined) tenant.name = request.name;
      if (request.workerGroup !== undefined) tenant.workerGroup = request.workerGroup;
      const saved = await repo.save(tenant);
      const after = toTenantView(saved);
      await this.audit.record(manager, caller, {
        type: 'UPDATE',
        resourceType: 'TENANT',
        resourceId: tenant.id,
        ...auditDiff({ name: before.name, workerGroup: before.workerGroup }, { name: after.name, workerGroup: after.workerGroup }),
      });
      return after;
    });
    void this.outbox.flush();
    return updated;
  }

  /**
   * Deletes a tenant: it disappears at once here, and a durable `tenant.deleted` event makes every
   * service remove its data for that tenant. Users and the audit trail stay. The id is never reused.
   * Before answering, the services holding tenant data retire it (a committed fact each checks in every
   * write's transaction), so no write there is accepted once the deletion has answered. Should one of
   * them not confirm, the deletion stands (the event retires it too) and the error is the answer.
   */
  async delete(caller: Caller | null, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(TenantEntity);
      const tenant = await repo
        .createQueryBuilder('t')
        .setLock('pessimistic_write')
        .where(`t.id = :id AND t.status <> 'DELETED'`, { id })
        .getOne();
      if (!tenant) throw ProblemException.notFound(`Tenant "${id}" does not exist`);
      await repo.update({ id }, { status: 'DELETED', deletedAt: new Date() });
      await this.outbox.add(manager, TenancyEvents.tenantDeleted, { tenantId: id, deletedBy: caller?.id ?? null });
      await this.audit.record(manager, caller, {
        type: 'DELETE',
        resourceType: 'TENANT',
        resourceId: id,
        before: { name: tenant.name, workerGroup: tenant.workerGroup },
        after: null,
      });
    });
    void this.outbox.flush();
    await Promise.all([
      this.rpc.internal(SERVICE, AuthorizationRpc.retireTenant, { tenantId: id }, undefined, RETRY_SAFE),
      this.rpc.internal(SERVICE, IdentityRpc.retireTenant, { tenantId: id }, undefined, RETRY_SAFE),
    ]);
  }

  async get(id: string): Promise<TenantView> {
    const tenant = await this.dataSource.getRepository(TenantEntity).findOneBy({ id, status: 'ACTIVE' });
    if (!tenant) throw ProblemException.notFound(`Tenant "${id}" does not exist`);
    return (await this.withCounts([toTenantView(tenant)]))[0];
  }

  async list(query: ListTenantsRequest): Promise<Page<TenantView>> {
    const page = resolvePage(query, SORTABLE, 'id');
    const qb = this.dataSource.getRepository(TenantEntity).createQueryBuilder('t').where(`t.status = 'ACTIVE'`);
    if (query.q) qb.andWhere('(t.id ILIKE :q OR t.name ILIKE :q)', { q: likePattern(query.q) });
    const found = await entityPage(qb, page, toTenantView);
    return { ...found, results: await this.withCounts(found.results) };
  }

  /**
   * Adds how many users, groups and service accounts each tenant has, asked of the services that own
   * them. Best effort: while one of them is unavailable the tenants are served without counts.
   */
  private async withCounts(tenants: TenantView[]): Promise<TenantView[]> {
    if (tenants.length === 0) return tenants;
    const tenantIds = tenants.map((t) => t.id);
    try {
      const [members, accounts] = await Promise.all([
        this.rpc.internal(SERVICE, AuthorizationRpc.countTenantMembers, { tenantIds }, undefined, RETRY_SAFE),
        this.rpc.internal(SERVICE, IdentityRpc.countServiceAccounts, { tenantIds }, undefined, RETRY_SAFE),
      ]);
      return tenants.map((t) => ({
        ...t,
        counts: {
          users: members[t.id]?.users ?? 0, ...(members[t.id]?.usersCapped ? { usersCapped: true as const } : {}),
          groups: members[t.id]?.groups ?? 0, serviceAccounts: accounts[t.id] ?? 0,
        },
      }));
    } catch (error) {
      this.logger.warn({ err: error }, 'Tenant counts unavailable; serving tenants without them');
      return tenants;
    }
  }

  private async completeProvisioning(caller: Caller | null, id: string): Promise<TenantView> {
    const tenant = await this.dataSource.getRepository(TenantEntity).findOneByOrFail({ id });
    const admin: SubjectRef | undefined =
      tenant.adminSubjectId && tenant.adminSubjectType ? { id: tenant.adminSubjectId, type: tenant.adminSubjectType } : undefined;
    await this.rpc.internal(SERVICE, AuthorizationRpc.provisionTenant, { tenantId: id, admin }, undefined, RETRY_SAFE);
    const active = await this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(TenantEntity);
      const locked = await repo.createQueryBuilder('t').setLock('pessimistic_write').where('t.id = :id', { id }).getOneOrFail();
      if (locked.status === 'ACTIVE') return locked;
      if (locked.status === 'DELETED') throw ProblemException.notFound(`Tenant "${id}" was deleted while it was being created`);
      locked.status = 'ACTIVE';
      const saved = await repo.save(locked);
      await this.outbox.add(manager, TenancyEvents.tenantCreated, { tenant: toTenantView(saved) });
      await this.audit.record(manager, caller, {
        type: 'CREATE',
        resourceType: 'TENANT',
        resourceId: id,
        after: { name: saved.name, workerGroup: saved.workerGroup, admin: saved.adminSubjectId },
      });
      return saved;
    });
    void this.outbox.flush();
    return toTenantView(active);
  }

  private async resumeStuckProvisioning(): Promise<void> {
    const stuck = await this.dataSource
      .getRepository(TenantEntity)
      .find({ where: { status: 'PROVISIONING', createdAt: LessThan(new Date(Date.now() - ABANDONED_AFTER_MS)) }, take: 20 })
      .catch(() => []);
    for (const tenant of stuck) {
      await this.completeProvisioning({ type: 'SERVICE', id: SERVICE, via: 'internal' }, tenant.id).catch((error: unknown) =>
        this.logger.warn({ err: error, tenant: tenant.id }, 'Tenant provisioning still failing; will retry'),
      );
    }
  }

  private async resolveAdmin(caller: Caller | null, adminUser: string | undefined): Promise<SubjectRef | undefined> {
    if (adminUser) {
      try {
        const user = await this.rpc.internal(SERVICE, IdentityRpc.findUserByUsername, { username: adminUser }, undefined, RETRY_SAFE);
        return { type: 'USER', id: user.id };
      } catch (error) {
        if (error instanceof ProblemException && error.problem.status === 404) {
          throw ProblemException.validation([{ field: 'adminUser', message: `no user "${adminUser}" exists` }]);
        }
        throw error;
      }
    }
    if (caller && (caller.type === 'USER' || caller.type === 'SERVICE_ACCOUNT')) return { type: caller.type, id: caller.id };
    return undefined;
  }
}
