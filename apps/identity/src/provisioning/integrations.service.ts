import {
  Caller, CreateIntegrationRequest, DEFAULT_TENANT_SEGMENT, INTEGRATION_SECRET_PREFIX, IntegrationView, IntegrationWithSecret, ListIntegrationsRequest,
  Page, ResolvedIntegration, resolvePage, UpdateIntegrationRequest,
} from '@gatehouse/contracts';
import { entityPage, hashToken, likePattern, newOpaqueToken } from '@gatehouse/database';
import { AuditRecorder, auditDiff, Outbox } from '@gatehouse/durable-events';
import { isUniqueViolation, ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { requireUserCaller } from '../common/callers';
import { returning } from '../common/sql';
import { tenantIdOf, tenantKeyOf } from '../common/tenant-key';
import { NOTHING_REVOKED, Revocations } from '../revocation/revocations';
import { IntegrationEntity } from './integration.entity';

const SORTABLE = ['name', 'createdAt', 'updatedAt', 'lastUsedAt'] as const;
/** Characters of the secret (after the prefix) kept in clear to recognise it. */
const PREFIX_CHARS = 8;
const INVALID_SECRET = 'The integration secret is invalid, rotated, or its integration is disabled';

export function scimPathOf(tenantKey: string, id: string): string {
  return `/api/v1/${tenantKey === '' ? DEFAULT_TENANT_SEGMENT : tenantKey}/integrations/${id}/scim/v2`;
}

function toView(entity: IntegrationEntity): IntegrationView {
  return {
    id: entity.id,
    tenantId: tenantIdOf(entity.tenantKey),
    name: entity.name,
    enabled: entity.enabled,
    ownerId: entity.ownerId,
    secretPrefix: entity.secretPrefix,
    secretCreatedAt: entity.secretCreatedAt.toISOString(),
    lastUsedAt: entity.lastUsedAt?.toISOString() ?? null,
    scimPath: scimPathOf(entity.tenantKey, entity.id),
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
  };
}

/** What the audit trail shows of an integration (never the secret or its hash). */
function audited(entity: IntegrationEntity): Record<string, unknown> {
  return { name: entity.name, enabled: entity.enabled, ownerId: entity.ownerId, secretPrefix: entity.secretPrefix };
}

/**
 * A tenant's provisioning integrations: a name, enabled, and a long random bearer secret shown once and
 * stored hashed. The integration acts with the permissions of its owner, the admin who created it (or last
 * rotated its secret): the gateway checks the owner's permission on every SCIM request and authorization's
 * grant guard judges every change against the owner, so it stops when the owner loses them.
 */
@Injectable()
export class IntegrationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditRecorder,
    private readonly outbox: Outbox,
    private readonly revocations: Revocations,
  ) {}

  async create(caller: Caller | null, tenantId: string | null | undefined, request: CreateIntegrationRequest): Promise<IntegrationWithSecret> {
    const tenantKey = tenantKeyOf(tenantId);
    const owner = this.ownerOf(caller);
    const secret = newSecret();
    const created = await this.write(request.name, async (manager) => {
      const repo = manager.getRepository(IntegrationEntity);
      const saved = await repo.save(
        repo.create({
          tenantKey, name: request.name, enabled: request.enabled ?? true, ownerId: owner.id,
          secretHash: hashToken(secret), secretPrefix: prefixOf(secret), secretCreatedAt: new Date(), lastUsedAt: null,
        }),
      );
      await this.audit.record(manager, caller, {
        tenantId: tenantIdOf(tenantKey), type: 'CREATE', resourceType: 'INTEGRATION', resourceId: saved.id, ...auditDiff(null, audited(saved)),
      });
      return saved;
    });
    void this.outbox.flush();
    return { ...toView(created), secret };
  }

  async list(tenantId: string | null | undefined, query: ListIntegrationsRequest): Promise<Page<IntegrationView>> {
    const page = resolvePage(query, SORTABLE, 'name');
    const qb = this.dataSource.getRepository(IntegrationEntity).createQueryBuilder('i').where('i.tenantKey = :tenantKey', { tenantKey: tenantKeyOf(tenantId) });
    if (query.q) qb.andWhere('i.name ILIKE :q', { q: likePattern(query.q) });
    return entityPage(qb, page, toView);
  }

  async get(tenantId: string | null | undefined, id: string): Promise<IntegrationView> {
    return toView(await this.findOrFail(this.dataSource.manager, tenantKeyOf(tenantId), id));
  }

  async update(caller: Caller | null, tenantId: string | null | undefined, request: UpdateIntegrationRequest): Promise<IntegrationView> {
    const tenantKey = tenantKeyOf(tenantId);
    const saved = await this.write(request.name ?? '', async (manager) => {
      const entity = await this.findOrFail(manager, tenantKey, request.id, true);
      const before = audited(entity);
      if (request.name !== undefined) entity.name = request.name;
      if (request.enabled !== undefined) entity.enabled = request.enabled;
      const saved = await manager.getRepository(IntegrationEntity).save(entity);
      const diff = auditDiff(before, audited(saved));
      if (Object.keys(diff.after ?? {}).length > 0) {
        await this.audit.record(manager, caller, { tenantId: tenantIdOf(tenantKey), type: 'UPDATE', resourceType: 'INTEGRATION', resourceId: entity.id, ...diff });
      }
      return saved;
    });
    void this.outbox.flush();
    // A disabled integration's secret is refused at once by every gateway, not when its cache entry ends.
    if (request.enabled === false) await this.revocations.publish({ ...NOTHING_REVOKED, tokenIds: [saved.id] });
    return toView(saved);
  }

  async delete(caller: Caller | null, tenantId: string | null | undefined, id: string): Promise<void> {
    const tenantKey = tenantKeyOf(tenantId);
    await this.dataSource.transaction(async (manager) => {
      const entity = await this.findOrFail(manager, tenantKey, id, true);
      await manager.getRepository(IntegrationEntity).delete({ id: entity.id });
      await this.audit.record(manager, caller, {
        tenantId: tenantIdOf(tenantKey), type: 'DELETE', resourceType: 'INTEGRATION', resourceId: entity.id, ...auditDiff(audited(entity), null),
      });
    });
    void this.outbox.flush();
    await this.revocations.publish({ ...NOTHING_REVOKED, tokenIds: [id] });
  }

  /** A new secret (shown once); the old one stops at once. Whoever rotates it becomes the owner the integration acts as. */
  async rotateSecret(caller: Caller | null, tenantId: string | null | undefined, id: string): Promise<IntegrationWithSecret> {
    const tenantKey = tenantKeyOf(tenantId);
    const owner = this.ownerOf(caller);
    const secret = newSecret();
    const saved = await this.dataSource.transaction(async (manager) => {
      const entity = await this.findOrFail(manager, tenantKey, id, true);
      const before = audited(entity);
      entity.secretHash = hashToken(secret);
      entity.secretPrefix = prefixOf(secret);
      entity.secretCreatedAt = new Date();
      entity.ownerId = owner.id;
      const saved = await manager.getRepository(IntegrationEntity).save(entity);
      await this.audit.record(manager, caller, {
        tenantId: tenantIdOf(tenantKey), type: 'UPDATE', resourceType: 'INTEGRATION', resourceId: id, ...auditDiff(before, audited(saved)), details: { secretRotated: true },
      });
      return saved;
    });
    void this.outbox.flush();
    await this.revocations.publish({ ...NOTHING_REVOKED, tokenIds: [id] });
    return { ...toView(saved), secret };
  }

  /** The gateway's look-up of `Authorization: Bearer ghscim_...`: an enabled integration whose owner is active. */
  async resolve(secret: string): Promise<ResolvedIntegration> {
    if (!secret.startsWith(INTEGRATION_SECRET_PREFIX)) throw ProblemException.unauthorized(INVALID_SECRET);
    const [row] = await returning<{ id: string; tenant_key: string; owner_id: string }>(
      this.dataSource.manager,
      `UPDATE identity.integrations i SET last_used_at = now()
        WHERE i.secret_hash = $1 AND i.enabled
          AND EXISTS (SELECT 1 FROM identity.users u WHERE u.id = i.owner_id AND u.status = 'ACTIVE')
        RETURNING i.id, i.tenant_key, i.owner_id`,
      [hashToken(secret)],
    );
    if (!row) throw ProblemException.unauthorized(INVALID_SECRET);
    return { integrationId: row.id, tenantId: tenantIdOf(row.tenant_key), ownerId: row.owner_id };
  }

  async findOrFail(manager: EntityManager, tenantKey: string, id: string, lock = false): Promise<IntegrationEntity> {
    const qb = manager.getRepository(IntegrationEntity).createQueryBuilder('i').where('i.id = :id AND i.tenantKey = :tenantKey', { id, tenantKey });
    if (lock) qb.setLock('pessimistic_write');
    const entity = await qb.getOne();
    if (!entity) throw ProblemException.notFound(`Integration ${id} does not exist in this tenant`);
    return entity;
  }

  /** An integration acts as a signed-in user of its own (not a service account, not while impersonating, not another integration). */
  private ownerOf(caller: Caller | null): Caller {
    const user = requireUserCaller(caller);
    if (user.impersonator) throw ProblemException.forbidden('An integration cannot be created or rotated while acting as another user');
    if (user.integration) throw ProblemException.forbidden('An integration cannot manage integrations');
    return user;
  }

  private async write(name: string, work: (manager: EntityManager) => Promise<IntegrationEntity>): Promise<IntegrationEntity> {
    try {
      return await this.dataSource.transaction(work);
    } catch (error) {
      if (isUniqueViolation(error)) throw ProblemException.conflict(`An integration named "${name}" already exists in this tenant`);
      throw error;
    }
  }
}

function newSecret(): string {
  return `${INTEGRATION_SECRET_PREFIX}${newOpaqueToken()}${newOpaqueToken()}`;
}

function prefixOf(secret: string): string {
  return secret.slice(0, INTEGRATION_SECRET_PREFIX.length + PREFIX_CHARS);
}
