import {
  API_TOKEN_PREFIX, ApiTokenView, Caller, CreateApiTokenRequest, CreatedApiToken, ListApiTokensRequest, Page, resolvePage,
  ResolvedCredential,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { AuditRecorder, auditDiff, Outbox } from '@gatehouse/durable-events';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import { ANYWHERE, GrantGuardClient } from '../common/grant-guard.client';
import { durationSeconds } from '../common/iso-duration';
import { returning } from '../common/sql';
import { tenantIdOf, tenantKeyOf } from '../common/tenant-key';
import { NOTHING_REVOKED, Revocations } from '../revocation/revocations';
import { ServiceAccountsService } from '../service-accounts/service-accounts.service';
import { entityPage, hashToken, likePattern, newOpaqueToken } from '@gatehouse/database';
import { UserEntity } from '../users/user.entity';
import { ApiTokenEntity } from './api-token.entity';

const SORTABLE = ['name', 'createdAt', 'expiresAt', 'lastUsedAt'] as const;
/** Characters of the secret (after `gh_`) kept in clear as the token's recognisable prefix. */
const PREFIX_CHARS = 8;
const INVALID_TOKEN = 'The API token is invalid, revoked or expired';
/**
 * The longest maxAge: the contract's pattern admits up to a million years, past what a date holds (the
 * insert failed with a 500, and an extended token's expiry could overflow on use). Longer = omit maxAge.
 */
const MAX_AGE_SECONDS = 100 * 365 * 24 * 3600;

type Owner = { kind: 'USER'; userId: string } | { kind: 'SERVICE_ACCOUNT'; tenantKey: string; serviceAccountId: string };

export function toApiTokenView(token: ApiTokenEntity): ApiTokenView {
  return {
    id: token.id,
    name: token.name,
    description: token.description,
    prefix: token.prefix,
    maxAge: token.maxAge,
    extended: token.extended,
    expiresAt: token.expiresAt?.toISOString() ?? null,
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    createdAt: token.createdAt.toISOString(),
  };
}

@Injectable()
export class ApiTokensService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly serviceAccounts: ServiceAccountsService,
    private readonly outbox: Outbox,
    private readonly audit: AuditRecorder,
    private readonly revocations: Revocations,
    private readonly grantGuard: GrantGuardClient,
  ) {}

  createOwn(caller: Caller, request: CreateApiTokenRequest): Promise<CreatedApiToken> {
    return this.create(caller, { kind: 'USER', userId: caller.id }, request);
  }

  async createForServiceAccount(
    caller: Caller | null,
    tenantId: string | null | undefined,
    serviceAccountId: string,
    request: CreateApiTokenRequest,
  ): Promise<CreatedApiToken> {
    const tenantKey = tenantKeyOf(tenantId);
    await this.serviceAccounts.findOrFail(this.dataSource.manager, tenantKey, serviceAccountId);
    await this.grantGuard.assertMayActFor(caller, serviceAccountId, 'API_TOKEN', tenantId, ANYWHERE);
    return this.create(caller, { kind: 'SERVICE_ACCOUNT', tenantKey, serviceAccountId }, request);
  }

  /** An admin creates a token for a user: it must hold everything the user holds (and, in a tenant, the user is there). */
  async createForUser(caller: Caller | null, tenantId: string | null | undefined, userId: string, request: CreateApiTokenRequest): Promise<CreatedApiToken> {
    await this.assertMayManageUser(caller, tenantId, userId);
    return this.create(caller, { kind: 'USER', userId }, request);
  }

  async listForUser(caller: Caller | null, tenantId: string | null | undefined, userId: string, query: ListApiTokensRequest): Promise<Page<ApiTokenView>> {
    await this.assertMayManageUser(caller, tenantId, userId);
    return this.list({ kind: 'USER', userId }, query);
  }

  async deleteForUser(caller: Caller | null, tenantId: string | null | undefined, userId: string, tokenId: string): Promise<void> {
    await this.assertMayManageUser(caller, tenantId, userId);
    return this.delete(caller, { kind: 'USER', userId }, tokenId);
  }

  private async assertMayManageUser(caller: Caller | null, tenantId: string | null | undefined, userId: string): Promise<void> {
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id: userId });
    if (!user) throw ProblemException.notFound(`User ${userId} does not exist`);
    await this.grantGuard.assertMayActFor(caller, userId, 'API_TOKEN', tenantId);
  }

  listOwn(caller: Caller, query: ListApiTokensRequest): Promise<Page<ApiTokenView>> {
    return this.list({ kind: 'USER', userId: caller.id }, query);
  }

  async listForServiceAccount(tenantId: string | null | undefined, serviceAccountId: string, query: ListApiTokensRequest): Promise<Page<ApiTokenView>> {
    const tenantKey = tenantKeyOf(tenantId);
    await this.serviceAccounts.findOrFail(this.dataSource.manager, tenantKey, serviceAccountId);
    return this.list({ kind: 'SERVICE_ACCOUNT', tenantKey, serviceAccountId }, query);
  }

  deleteOwn(caller: Caller, tokenId: string): Promise<void> {
    return this.delete(caller, { kind: 'USER', userId: caller.id }, tokenId);
  }

  deleteForServiceAccount(caller: Caller | null, tenantId: string | null | undefined, serviceAccountId: string, tokenId: string): Promise<void> {
    return this.delete(caller, { kind: 'SERVICE_ACCOUNT', tenantKey: tenantKeyOf(tenantId), serviceAccountId }, tokenId);
  }

  /** The gateway's look-up of `Authorization: Bearer gh_...`; an extended token's expiry moves on each use. */
  async resolve(secret: string): Promise<ResolvedCredential> {
    if (!secret.startsWith(API_TOKEN_PREFIX)) throw ProblemException.unauthorized(INVALID_TOKEN);
    const [row] = await returning<{
      id: string; user_id: string | null; service_account_id: string | null; expires_at: Date | null;
    }>(
      this.dataSource.manager,
      `UPDATE identity.api_tokens t SET last_used_at = now(),
         expires_at = CASE WHEN t.extended AND t.max_age_seconds IS NOT NULL THEN now() + make_interval(secs => t.max_age_seconds) ELSE t.expires_at END
       WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
         AND (t.user_id IS NULL OR EXISTS (SELECT 1 FROM identity.users u WHERE u.id = t.user_id AND u.status = 'ACTIVE'))
       RETURNING t.id, t.user_id, t.service_account_id, t.expires_at`,
      [hashToken(secret)],
    );
    if (!row) throw ProblemException.unauthorized(INVALID_TOKEN);
    return {
      type: row.user_id ? 'USER' : 'SERVICE_ACCOUNT',
      id: (row.user_id ?? row.service_account_id) as string,
      tokenId: row.id,
      expiresAt: row.expires_at ? new Date(row.expires_at).toISOString() : null,
    };
  }

  private async create(caller: Caller | null, owner: Owner, request: CreateApiTokenRequest): Promise<CreatedApiToken> {
    let maxAgeSeconds: number | null = null;
    if (request.maxAge !== undefined) {
      maxAgeSeconds = durationSeconds(request.maxAge);
      if (!maxAgeSeconds || maxAgeSeconds <= 0) {
        throw ProblemException.validation([{ field: 'maxAge', message: 'maxAge must be a positive ISO-8601 duration' }]);
      }
      if (maxAgeSeconds > MAX_AGE_SECONDS) {
        throw ProblemException.validation([
          { field: 'maxAge', message: 'maxAge must be at most 100 years (P100Y); omit it for a token that never expires' },
        ]);
      }
    }
    if (request.extended && maxAgeSeconds === null) {
      throw ProblemException.validation([{ field: 'extended', message: 'extended needs a maxAge' }]);
    }
    const secret = `${API_TOKEN_PREFIX}${newOpaqueToken()}`;
    const token = await this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(ApiTokenEntity);
      const saved = await repo.save(
        repo.create({
          ...this.ownerColumns(owner),
          name: request.name,
          description: request.description ?? null,
          prefix: secret.slice(0, API_TOKEN_PREFIX.length + PREFIX_CHARS),
          tokenHash: hashToken(secret),
          maxAge: request.maxAge ?? null,
          maxAgeSeconds,
          extended: request.extended ?? false,
          expiresAt: maxAgeSeconds === null ? null : new Date(Date.now() + maxAgeSeconds * 1000),
        }),
      );
      await this.audit.record(manager, caller, {
        tenantId: this.auditTenant(owner),
        type: 'CREATE',
        resourceType: 'API_TOKEN',
        resourceId: saved.id,
        ...auditDiff(null, { ...toApiTokenView(saved) }),
        details: this.ownerDetails(owner),
      });
      return saved;
    });
    void this.outbox.flush();
    return { ...toApiTokenView(token), token: secret };
  }

  private async list(owner: Owner, query: ListApiTokensRequest): Promise<Page<ApiTokenView>> {
    const page = resolvePage(query, SORTABLE, 'createdAt:desc');
    const qb = this.dataSource.getRepository(ApiTokenEntity).createQueryBuilder('t').where('t.revokedAt IS NULL');
    this.whereOwner(qb, owner);
    if (query.q) {
      qb.andWhere('(t.name ILIKE :q OR t.description ILIKE :q OR t.prefix ILIKE :q)', { q: likePattern(query.q) });
    }
    return entityPage(qb, page, toApiTokenView);
  }

  private async delete(caller: Caller | null, owner: Owner, tokenId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const qb = manager.getRepository(ApiTokenEntity).createQueryBuilder('t').where('t.id = :tokenId AND t.revokedAt IS NULL', { tokenId });
      this.whereOwner(qb, owner);
      const token = await qb.getOne();
      if (!token) throw ProblemException.notFound(`API token ${tokenId} does not exist`);
      await manager.getRepository(ApiTokenEntity).delete({ id: token.id });
      await this.audit.record(manager, caller, {
        tenantId: this.auditTenant(owner),
        type: 'DELETE',
        resourceType: 'API_TOKEN',
        resourceId: token.id,
        ...auditDiff({ ...toApiTokenView(token) }, null),
        details: this.ownerDetails(owner),
      });
    });
    void this.outbox.flush();
    await this.revocations.publish({ ...NOTHING_REVOKED, tokenIds: [tokenId] });
  }

  private whereOwner(qb: SelectQueryBuilder<ApiTokenEntity>, owner: Owner): void {
    if (owner.kind === 'USER') qb.andWhere('t.userId = :userId', { userId: owner.userId });
    else qb.andWhere('t.saTenantKey = :tenantKey AND t.serviceAccountId = :serviceAccountId', owner);
  }

  private ownerColumns(owner: Owner): Partial<ApiTokenEntity> {
    return owner.kind === 'USER'
      ? { userId: owner.userId, saTenantKey: null, serviceAccountId: null }
      : { userId: null, saTenantKey: owner.tenantKey, serviceAccountId: owner.serviceAccountId };
  }

  private auditTenant(owner: Owner): string | null | undefined {
    return owner.kind === 'USER' ? undefined : tenantIdOf(owner.tenantKey);
  }

  private ownerDetails(owner: Owner): Record<string, unknown> {
    return owner.kind === 'USER' ? { ownerType: 'USER', ownerId: owner.userId } : { ownerType: 'SERVICE_ACCOUNT', ownerId: owner.serviceAccountId };
  }
}
