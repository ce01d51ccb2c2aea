import { entityPage, likePattern } from '@gatehouse/database';
import { randomUUID } from 'node:crypto';
import {
  Caller, CreateServiceAccountRequest, IdentityEvents, ListServiceAccountsRequest, Page, resolvePage, ServiceAccountView,
  UpdateServiceAccountRequest,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { AuditRecorder, auditDiff, Outbox } from '@gatehouse/durable-events';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { tenantIdOf, tenantKeyOf } from '../common/tenant-key';
import { Revocations } from '../revocation/revocations';
import { ServiceAccountEntity } from './service-account.entity';
import { toServiceAccountFacts, toServiceAccountView } from './service-account.mapper';

const SORTABLE = ['name', 'createdAt', 'updatedAt'] as const;

/** Tenant-scoped: every query carries the tenant key, so another tenant's id answers 404. */
@Injectable()
export class ServiceAccountsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly audit: AuditRecorder,
    private readonly revocations: Revocations,
  ) {}

  async create(caller: Caller | null, tenantId: string | null | undefined, request: CreateServiceAccountRequest): Promise<ServiceAccountView> {
    const tenantKey = tenantKeyOf(tenantId);
    const account = await this.dataSource.transaction(async (manager) => {
      await this.assertNameFree(manager, tenantKey, request.name);
      const repo = manager.getRepository(ServiceAccountEntity);
      const saved = await repo.save(repo.create({ tenantKey, id: randomUUID(), name: request.name, description: request.description ?? null }));
      await this.outbox.add(manager, IdentityEvents.subjectChanged, toServiceAccountFacts(saved));
      await this.audit.record(manager, caller, {
        tenantId: tenantIdOf(tenantKey),
        type: 'CREATE',
        resourceType: 'SERVICE_ACCOUNT',
        resourceId: saved.id,
        ...auditDiff(null, { ...toServiceAccountView(saved) }),
      });
      return saved;
    });
    void this.outbox.flush();
    return toServiceAccountView(account);
  }

  async list(tenantId: string | null | undefined, query: ListServiceAccountsRequest): Promise<Page<ServiceAccountView>> {
    const tenantKey = tenantKeyOf(tenantId);
    const page = resolvePage(query, SORTABLE, 'name');
    const qb = this.dataSource.getRepository(ServiceAccountEntity).createQueryBuilder('s').where('s.tenantKey = :tenantKey', { tenantKey });
    if (query.q) {
      qb.andWhere('(s.name ILIKE :q OR s.description ILIKE :q)', { q: likePattern(query.q) });
    }
    return entityPage(qb, page, toServiceAccountView);
  }

  async get(tenantId: string | null | undefined, id: string): Promise<ServiceAccountView> {
    return toServiceAccountView(await this.findOrFail(this.dataSource.manager, tenantKeyOf(tenantId), id));
  }

  async update(caller: Caller | null, tenantId: string | null | undefined, request: UpdateServiceAccountRequest): Promise<ServiceAccountView> {
    const tenantKey = tenantKeyOf(tenantId);
    const account = await this.dataSource.transaction(async (manager) => {
      const account = await this.findOrFail(manager, tenantKey, request.id, true);
      const before = toServiceAccountView(account);
      if (request.name !== undefined && request.name !== account.name) {
        await this.assertNameFree(manager, tenantKey, request.name);
        account.name = request.name;
      }
      if (request.description !== undefined) account.description = request.description;
      const saved = await manager.getRepository(ServiceAccountEntity).save(account);
      await this.audit.record(manager, caller, {
        tenantId: tenantIdOf(tenantKey),
        type: 'UPDATE',
        resourceType: 'SERVICE_ACCOUNT',
        resourceId: saved.id,
        ...auditDiff({ ...before, updatedAt: null }, { ...toServiceAccountView(saved), updatedAt: null }),
      });
      return saved;
    });
    void this.outbox.flush();
    return toServiceAccountView(account);
  }

  async delete(caller: Caller | null, tenantId: string | null | undefined, id: string): Promise<void> {
    const tenantKey = tenantKeyOf(tenantId);
    const revoked = await this.dataSource.transaction(async (manager) => {
      const account = await this.findOrFail(manager, tenantKey, id, true);
      const revoked = await this.revocations.endEverything(manager, { type: 'SERVICE_ACCOUNT', id });
      await manager.getRepository(ServiceAccountEntity).delete({ tenantKey, id });
      await this.outbox.add(manager, IdentityEvents.subjectChanged, toServiceAccountFacts(account, true));
      await this.audit.record(manager, caller, {
        tenantId: tenantIdOf(tenantKey),
        type: 'DELETE',
        resourceType: 'SERVICE_ACCOUNT',
        resourceId: id,
        ...auditDiff({ ...toServiceAccountView(account) }, null),
      });
      return revoked;
    });
    void this.outbox.flush();
    await this.revocations.publish(revoked);
  }

  async findOrFail(manager: EntityManager, tenantKey: string, id: string, lock = false): Promise<ServiceAccountEntity> {
    const qb = manager
      .getRepository(ServiceAccountEntity)
      .createQueryBuilder('s')
      .where('s.tenantKey = :tenantKey AND s.id = :id', { tenantKey, id });
    if (lock) qb.setLock('pessimistic_write');
    const account = await qb.getOne();
    if (!account) throw ProblemException.notFound(`Service account ${id} does not exist in this tenant`);
    return account;
  }

  /** Service accounts per tenant id, for tenant searches (tenants without any are 0). */
  async countByTenant(tenantIds: string[]): Promise<Record<string, number>> {
    const rows: Array<{ tenant_key: string; n: string }> = await this.dataSource.query(
      `SELECT tenant_key, count(*) AS n FROM identity.service_accounts WHERE tenant_key = ANY($1) GROUP BY tenant_key`,
      [tenantIds.map((id) => tenantKeyOf(id))],
    );
    const counts = Object.fromEntries(tenantIds.map((id) => [id, 0]));
    for (const row of rows) counts[tenantIdOf(row.tenant_key) ?? ''] = Number(row.n);
    return counts;
  }

  private async assertNameFree(manager: EntityManager, tenantKey: string, name: string): Promise<void> {
    const clash = await manager.getRepository(ServiceAccountEntity).findOneBy({ tenantKey, name });
    if (clash) throw ProblemException.conflict(`A service account named "${name}" already exists in this tenant`);
  }
}
