import { cappedCount, decodeCursor, encodeCursor, Keyset, keysetCondition, likePattern, pageTotal } from '@gatehouse/database';
import {
  AUDIT_SOURCES, AuditEntry, auditEvent, AuditLogView, AuditSearchRequest, EventEnvelope, IdentityRpc, Page, resolvePage,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { EventConsumers } from '@gatehouse/durable-events';
import { RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { SERVICE } from '../service-name';
import { AuditLogEntity } from './audit-log.entity';

const SORTABLE = ['at', 'type', 'resourceType'] as const;
const SORT_COLUMNS: Record<string, string> = { at: 'at', type: 'type', resourceType: 'resource_type' };

/**
 * The audit trail: every service's audit events, consumed durably and stored once (by event id), then
 * searchable per tenant (AUDITLOG READ) and at instance level (Super Admins).
 */
@Injectable()
export class AuditTrailService implements OnModuleInit {
  private readonly logger = new Logger('AuditTrail');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly consumers: EventConsumers,
    private readonly rpc: RpcClient,
  ) {}

  onModuleInit(): void {
    for (const source of AUDIT_SOURCES) {
      // One insert keyed by the event's id (ON CONFLICT DO NOTHING): a redelivery stores nothing twice.
      this.consumers.on(auditEvent(source), `audit-${source}`, async (entry, manager, event) => {
        await this.store(manager, entry, event);
      }, { selfIdempotent: true });
    }
  }

  searchTenant(tenantId: string | null, query: AuditSearchRequest): Promise<Page<AuditLogView>> {
    return this.search({ scope: 'TENANT', tenantId }, query);
  }

  searchInstance(query: AuditSearchRequest): Promise<Page<AuditLogView>> {
    return this.search({ scope: 'INSTANCE', tenantId: null }, query);
  }

  private async store(manager: EntityManager, entry: AuditEntry, event: EventEnvelope<AuditEntry>): Promise<void> {
    await manager.query(
      `INSERT INTO tenancy.audit_logs (id, source, scope, tenant_id, type, resource_type, resource_id, actor_type,
         actor_id, actor_username, ip, at, before, after, details, impersonator_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT (id) DO NOTHING`,
      [
        event.id,
        event.source,
        entry.tenantId === undefined ? 'INSTANCE' : 'TENANT',
        entry.tenantId ?? null,
        entry.type,
        entry.resourceType,
        entry.resourceId,
        entry.actor.type,
        entry.actor.id,
        entry.actor.username ?? null,
        entry.ip,
        entry.at,
        jsonOrNull(entry.before),
        jsonOrNull(entry.after),
        jsonOrNull(entry.details),
        entry.impersonator?.id ?? null,
      ],
    );
  }

  private async search(where: { scope: 'INSTANCE' | 'TENANT'; tenantId: string | null }, query: AuditSearchRequest): Promise<Page<AuditLogView>> {
    if (query.from && query.to && new Date(query.from) >= new Date(query.to)) {
      throw ProblemException.validation([{ field: 'to', message: 'to must be after from' }]);
    }
    const page = resolvePage(query, SORTABLE, 'at:desc');
    const keyset: Keyset = { columns: [`a.${SORT_COLUMNS[page.sortField]}`, 'a.id'], dir: page.sortDir, sort: `${page.sortField}:${page.sortDir}` };
    // Instance entries have no tenant: saying so lets the (scope, tenant_id, at, id) index give their order.
    const qb = this.dataSource.getRepository(AuditLogEntity).createQueryBuilder('a').where('a.scope = :scope', { scope: where.scope });
    qb.andWhere(where.tenantId === null ? 'a.tenant_id IS NULL' : 'a.tenant_id = :tenantId', { tenantId: where.tenantId });
    // An actor's entries include what it did as someone else (impersonation).
    if (query.actor) qb.andWhere('(a.actor_id = :actor OR a.impersonator_id = :actor)', { actor: query.actor });
    if (query.type) qb.andWhere('a.type = :type', { type: query.type });
    if (query.resourceType) qb.andWhere('a.resource_type = :resourceType', { resourceType: query.resourceType });
    if (query.resourceId) qb.andWhere('a.resource_id = :resourceId', { resourceId: query.resourceId });
    if (query.from) qb.andWhere('a.at >= :from', { from: query.from });
    if (query.to) qb.andWhere('a.at < :to', { to: query.to });
    if (query.q) {
      qb.andWhere('(a.resource_id ILIKE :q OR a.actor_username ILIKE :q OR a.resource_type ILIKE :q)', {
        q: likePattern(query.q),
      });
    }
    const counting = qb.clone().select('1').getQueryAndParameters();
    if (query.cursor) {
      const [k0, k1] = decodeCursor(keyset, query.cursor);
      qb.andWhere(keysetCondition(keyset, [':k0', ':k1']), { k0, k1 });
    }
    const rows = await qb
      .orderBy(keyset.columns[0], page.sortDir)
      .addOrderBy('a.id', page.sortDir)
      .limit(page.size + 1)
      .offset(query.cursor ? 0 : page.offset)
      .getMany();
    const shown = rows.slice(0, page.size);
    const last = shown.at(-1);
    const key = (row: AuditLogEntity) => (page.sortField === 'at' ? row.at.toISOString() : page.sortField === 'type' ? row.type : row.resourceType);
    const [results, total] = await Promise.all([
      this.withActorNames(shown.map(toView)),
      pageTotal(page, rows.length, !!query.cursor, () => cappedCount(this.dataSource.manager, ...counting)),
    ]);
    return {
      results,
      ...total,
      page: page.page,
      size: page.size,
      ...(rows.length > page.size && last ? { next: encodeCursor(keyset, [key(last), last.id]) } : {}),
    };
  }

  /**
   * Entries whose producer did not record the acting user's name get it from identity, one call per
   * page, so the log reads as names wherever the actor comes from (a Super Admin acting in a tenant
   * included). Identity unreachable: the page is answered with the ids it has.
   */
  private async withActorNames(entries: AuditLogView[]): Promise<AuditLogView[]> {
    const ids = [
      ...new Set([
        ...entries.filter((e) => e.actor.type === 'USER' && e.actor.id && !e.actor.username).map((e) => e.actor.id as string),
        ...entries.flatMap((e) => (e.impersonator ? [e.impersonator.id] : [])),
      ]),
    ];
    if (ids.length === 0) return entries;
    try {
      const users = await this.rpc.internal(SERVICE, IdentityRpc.getUsersByIds, { ids }, undefined, RETRY_SAFE);
      const names = new Map(users.map((u) => [u.id, u.username]));
      return entries.map((e) => {
        const named = e.actor.id && names.has(e.actor.id) && !e.actor.username ? { ...e, actor: { ...e.actor, username: names.get(e.actor.id) } } : e;
        return named.impersonator ? { ...named, impersonator: { ...named.impersonator, username: names.get(named.impersonator.id) ?? null } } : named;
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'Actor names unavailable: audit page answered with ids');
      return entries;
    }
  }
}

function toView(row: AuditLogEntity): AuditLogView {
  return {
    id: row.id,
    source: row.source,
    ...(row.scope === 'TENANT' ? { tenantId: row.tenantId } : {}),
    type: row.type,
    resourceType: row.resourceType,
    resourceId: row.resourceId,
    actor: { type: row.actorType as AuditLogView['actor']['type'], id: row.actorId, username: row.actorUsername },
    ...(row.impersonatorId ? { impersonator: { type: 'USER' as const, id: row.impersonatorId } } : {}),
    ip: row.ip,
    at: row.at.toISOString(),
    before: row.before,
    after: row.after,
    ...(row.details ? { details: row.details } : {}),
  };
}

const jsonOrNull = (value: unknown): string | null => (value === undefined || value === null ? null : JSON.stringify(value));
