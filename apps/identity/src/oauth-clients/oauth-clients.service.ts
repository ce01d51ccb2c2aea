import {
  Caller, CreatedOAuthClient, CreateOAuthClientRequest, FieldError, ListOAuthClientsRequest, OAUTH_CLIENT_SECRET_PREFIX, OAuthClientOwnerType,
  OAuthClientType, OAuthClientView, OAuthClientWithSecret, OAuthGrantType, OAuthScope, Page, resolvePage, TOKEN_EXCHANGE_GRANT_TYPE, UpdateOAuthClientRequest,
} from '@gatehouse/contracts';
import { entityPage, hashToken, likePattern, newOpaqueToken } from '@gatehouse/database';
import { AuditRecorder, auditDiff, Outbox } from '@gatehouse/durable-events';
import { ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { ANYWHERE, GrantGuardClient } from '../common/grant-guard.client';
import { tenantIdOf, tenantKeyOf } from '../common/tenant-key';
import { OAuthClientEntity } from './oauth-client.entity';
import { toOAuthClientView } from './oauth-client.mapper';
import { ProviderClientMetadata } from './provider-client-metadata';
import { redirectUriErrors, redirectUriProblem } from './redirect-uris';

const SORTABLE = ['name', 'createdAt', 'updatedAt'] as const;
const DEFAULT_SCOPES: OAuthScope[] = ['openid', 'profile', 'email'];
/** A hash compared when the client is unknown or public, so the answer takes as long either way. */
const NO_HASH = hashToken('');

interface Owner {
  type: OAuthClientOwnerType;
  id: string;
}

interface ClientSettings {
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  grantTypes: OAuthGrantType[];
  scopes: OAuthScope[];
}

/**
 * OAuth clients, tenant-scoped: every query carries the tenant key, so another tenant's client answers
 * 404. Creating a client or rotating its secret mints a credential that acts for the client's owner, so
 * authorization's grant guard must agree first (the caller holds everything the owner holds).
 */
@Injectable()
export class OAuthClientsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly audit: AuditRecorder,
    private readonly grantGuard: GrantGuardClient,
  ) {}

  async create(caller: Caller | null, tenantId: string | null | undefined, request: CreateOAuthClientRequest): Promise<CreatedOAuthClient> {
    const tenantKey = tenantKeyOf(tenantId);
    const owner = this.ownerOf(caller, request);
    const settings: ClientSettings = {
      redirectUris: request.redirectUris ?? [],
      postLogoutRedirectUris: request.postLogoutRedirectUris ?? [],
      backchannelLogoutUri: request.backchannelLogoutUri ?? null,
      grantTypes: request.grantTypes ?? defaultGrantTypes(request.type, owner.type, request.redirectUris ?? []),
      scopes: request.scopes ?? DEFAULT_SCOPES,
    };
    assertValid(request.type, owner.type, settings);
    await this.assertOwnerExists(this.dataSource.manager, tenantKey, owner);
    await this.grantGuard.assertMayActFor(caller, owner.id, 'OAUTH_CLIENT', tenantId, ANYWHERE);

    const secret = request.type === 'confidential' ? newClientSecret() : null;
    const client = await this.dataSource.transaction(async (manager) => {
      await this.assertNameFree(manager, tenantKey, request.name);
      const repo = manager.getRepository(OAuthClientEntity);
      const saved = await repo.save(
        repo.create({
          tenantKey,
          clientId: randomBytes(18).toString('base64url'),
          name: request.name,
          description: request.description ?? null,
          type: request.type,
          ownerType: owner.type,
          ownerId: owner.id,
          ...settings,
          firstParty: request.firstParty ?? false,
          secretHash: secret === null ? null : hashToken(secret),
          secretCreatedAt: secret === null ? null : new Date(),
          createdBy: caller?.id ?? null,
        }),
      );
      await this.audit.record(manager, caller, {
        tenantId: tenantIdOf(tenantKey),
        type: 'CREATE',
        resourceType: 'OAUTH_CLIENT',
        resourceId: saved.id,
        ...auditDiff(null, { ...toOAuthClientView(saved) }),
        details: { ownerType: owner.type, ownerId: owner.id },
      });
      return saved;
    });
    void this.outbox.flush();
    const view = toOAuthClientView(client);
    return secret === null ? view : { ...view, clientSecret: secret };
  }

  async list(tenantId: string | null | undefined, query: ListOAuthClientsRequest): Promise<Page<OAuthClientView>> {
    const tenantKey = tenantKeyOf(tenantId);
    const page = resolvePage(query, SORTABLE, 'name');
    const qb = this.dataSource.getRepository(OAuthClientEntity).createQueryBuilder('c').where('c.tenantKey = :tenantKey', { tenantKey });
    if (query.q) {
      qb.andWhere('(c.name ILIKE :q OR c.description ILIKE :q OR c.clientId ILIKE :q)', { q: likePattern(query.q) });
    }
    return entityPage(qb, page, toOAuthClientView);
  }

  async get(tenantId: string | null | undefined, id: string): Promise<OAuthClientView> {
    return toOAuthClientView(await this.findOrFail(this.dataSource.manager, tenantKeyOf(tenantId), id));
  }

  /** Name, description, URIs, grant types, scopes and first-party; type and owner are fixed at creation. */
  async update(caller: Caller | null, tenantId: string | null | undefined, request: UpdateOAuthClientRequest): Promise<OAuthClientView> {
    const tenantKey = tenantKeyOf(tenantId);
    const client = await this.dataSource.transaction(async (manager) => {
      const client = await this.findOrFail(manager, tenantKey, request.id, true);
      const before = toOAuthClientView(client);
      const settings: ClientSettings = {
        redirectUris: request.redirectUris ?? client.redirectUris,
        postLogoutRedirectUris: request.postLogoutRedirectUris ?? client.postLogoutRedirectUris,
        backchannelLogoutUri: request.backchannelLogoutUri !== undefined ? request.backchannelLogoutUri : client.backchannelLogoutUri,
        grantTypes: request.grantTypes ?? client.grantTypes,
        scopes: request.scopes ?? client.scopes,
      };
      assertValid(client.type, client.ownerType, settings);
      if (request.name !== undefined && request.name !== client.name) {
        await this.assertNameFree(manager, tenantKey, request.name);
        client.name = request.name;
      }
      if (request.description !== undefined) client.description = request.description;
      if (request.firstParty !== undefined) client.firstParty = request.firstParty;
      Object.assign(client, settings);
      const saved = await manager.getRepository(OAuthClientEntity).save(client);
      await this.audit.record(manager, caller, {
        tenantId: tenantIdOf(tenantKey),
        type: 'UPDATE',
        resourceType: 'OAUTH_CLIENT',
        resourceId: saved.id,
        ...auditDiff({ ...before, updatedAt: null }, { ...toOAuthClientView(saved), updatedAt: null }),
      });
      return saved;
    });
    void this.outbox.flush();
    return toOAuthClientView(client);
  }

  async delete(caller: Caller | null, tenantId: string | null | undefined, id: string): Promise<void> {
    const tenantKey = tenantKeyOf(tenantId);
    await this.dataSource.transaction(async (manager) => {
      const client = await this.findOrFail(manager, tenantKey, id, true);
      await manager.getRepository(OAuthClientEntity).delete({ tenantKey, id });
      await this.audit.record(manager, caller, {
        tenantId: tenantIdOf(tenantKey),
        type: 'DELETE',
        resourceType: 'OAUTH_CLIENT',
        resourceId: id,
        ...auditDiff({ ...toOAuthClientView(client) }, null),
      });
    });
    void this.outbox.flush();
  }

  /** A new secret for a confidential client, shown once; the previous one stops working on commit. */
  async rotateSecret(caller: Caller | null, tenantId: string | null | undefined, id: string): Promise<OAuthClientWithSecret> {
    const tenantKey = tenantKeyOf(tenantId);
    const current = await this.findOrFail(this.dataSource.manager, tenantKey, id);
    if (current.type === 'public') throw ProblemException.conflict('A public client has no secret to rotate');
    await this.grantGuard.assertMayActFor(caller, current.ownerId, 'OAUTH_CLIENT', tenantId, ANYWHERE);
    const secret = newClientSecret();
    const client = await this.dataSource.transaction(async (manager) => {
      const client = await this.findOrFail(manager, tenantKey, id, true);
      client.secretHash = hashToken(secret);
      client.secretCreatedAt = new Date();
      const saved = await manager.getRepository(OAuthClientEntity).save(client);
      await this.audit.record(manager, caller, {
        tenantId: tenantIdOf(tenantKey),
        type: 'UPDATE',
        resourceType: 'OAUTH_CLIENT',
        resourceId: id,
        details: { secretRotated: true, ownerType: client.ownerType, ownerId: client.ownerId },
      });
      return saved;
    });
    void this.outbox.flush();
    return { ...toOAuthClientView(client), clientSecret: secret };
  }

  /** The provider's view of a client (any tenant), by its public client_id; null when there is none. */
  async findForProvider(clientId: string): Promise<ProviderClientMetadata | null> {
    const client = await this.dataSource.getRepository(OAuthClientEntity).findOneBy({ clientId });
    if (!client) return null;
    return {
      client_id: client.clientId,
      client_name: client.name,
      redirect_uris: client.redirectUris,
      post_logout_redirect_uris: client.postLogoutRedirectUris,
      ...(client.backchannelLogoutUri ? { backchannel_logout_uri: client.backchannelLogoutUri } : {}),
      grant_types: client.grantTypes,
      response_types: client.grantTypes.includes('authorization_code') ? ['code'] : [],
      token_endpoint_auth_method: client.type === 'public' ? 'none' : 'client_secret_basic',
      scope: client.scopes.join(' '),
      tenantId: tenantIdOf(client.tenantKey),
      ownerType: client.ownerType,
      ownerId: client.ownerId,
      firstParty: client.firstParty,
    };
  }

  /** Whether `secret` is the current secret of the confidential client `clientId` (constant-time compare of the hashes). */
  async verifySecret(clientId: string, secret: string): Promise<boolean> {
    const row = await this.dataSource
      .getRepository(OAuthClientEntity)
      .createQueryBuilder('c')
      .addSelect('c.secretHash')
      .where('c.clientId = :clientId', { clientId })
      .getOne();
    const stored = row?.secretHash ?? null;
    const matches = timingSafeEqual(Buffer.from(hashToken(secret), 'hex'), Buffer.from(stored ?? NO_HASH, 'hex'));
    return stored !== null && matches;
  }

  async findOrFail(manager: EntityManager, tenantKey: string, id: string, lock = false): Promise<OAuthClientEntity> {
    const qb = manager.getRepository(OAuthClientEntity).createQueryBuilder('c').where('c.tenantKey = :tenantKey AND c.id = :id', { tenantKey, id });
    if (lock) qb.setLock('pessimistic_write');
    const client = await qb.getOne();
    if (!client) throw ProblemException.notFound(`OAuth client ${id} does not exist in this tenant`);
    return client;
  }

  /**
   * The owner: as asked, or by default the caller (a user, or a service account calling with its own
   * token). An internal caller must name one.
   */
  private ownerOf(caller: Caller | null, request: CreateOAuthClientRequest): Owner {
    const callerKind = caller?.type === 'USER' || caller?.type === 'SERVICE_ACCOUNT' ? caller.type : null;
    const type = request.ownerType ?? callerKind ?? 'USER';
    const id = request.ownerId ?? (type === callerKind ? caller?.id : undefined);
    if (!id) throw ProblemException.validation([{ field: 'ownerId', message: 'ownerId is required: the caller cannot own a client of this kind' }]);
    return { type, id };
  }

  private async assertOwnerExists(manager: EntityManager, tenantKey: string, owner: Owner): Promise<void> {
    const [row] =
      owner.type === 'SERVICE_ACCOUNT'
        ? await manager.query(`SELECT 1 FROM identity.service_accounts WHERE tenant_key = $1 AND id = $2`, [tenantKey, owner.id])
        : await manager.query(`SELECT 1 FROM identity.users WHERE id = $1`, [owner.id]);
    if (!row) {
      const what = owner.type === 'SERVICE_ACCOUNT' ? 'service account in this tenant' : 'user';
      throw ProblemException.validation([{ field: 'ownerId', message: `ownerId: there is no ${what} ${owner.id}` }]);
    }
  }

  private async assertNameFree(manager: EntityManager, tenantKey: string, name: string): Promise<void> {
    const clash = await manager.getRepository(OAuthClientEntity).findOneBy({ tenantKey, name });
    if (clash) throw ProblemException.conflict(`An OAuth client named "${name}" already exists in this tenant`);
  }
}

function newClientSecret(): string {
  return newOpaqueToken(OAUTH_CLIENT_SECRET_PREFIX.slice(0, -1));
}

/** A confidential client of a service account without redirect URIs is a machine client; the rest sign users in. */
function defaultGrantTypes(type: OAuthClientType, ownerType: OAuthClientOwnerType, redirectUris: string[]): OAuthGrantType[] {
  if (type === 'confidential' && ownerType === 'SERVICE_ACCOUNT' && redirectUris.length === 0) return ['client_credentials'];
  return ['authorization_code', 'refresh_token'];
}

/** The rules across fields: URIs, and which grant types a client of this type and owner may use. */
export function clientSettingsErrors(type: OAuthClientType, ownerType: OAuthClientOwnerType, settings: ClientSettings): FieldError[] {
  const errors = [...redirectUriErrors('redirectUris', settings.redirectUris), ...redirectUriErrors('postLogoutRedirectUris', settings.postLogoutRedirectUris)];
  const backchannel = settings.backchannelLogoutUri === null ? null : redirectUriProblem(settings.backchannelLogoutUri);
  if (backchannel) errors.push({ field: 'backchannelLogoutUri', message: `backchannelLogoutUri ${backchannel}` });
  const grants = settings.grantTypes;
  if (grants.includes('client_credentials') && (type !== 'confidential' || ownerType !== 'SERVICE_ACCOUNT')) {
    errors.push({
      field: 'grantTypes',
      message: 'grantTypes: client_credentials is only for a confidential client owned by a service account (it acts as that account)',
    });
  }
  if (grants.includes(TOKEN_EXCHANGE_GRANT_TYPE) && type !== 'confidential') {
    errors.push({ field: 'grantTypes', message: 'grantTypes: token exchange (impersonation) is only for a confidential client' });
  }
  if (grants.includes('refresh_token') && !grants.includes('authorization_code')) {
    errors.push({ field: 'grantTypes', message: 'grantTypes: refresh_token needs authorization_code' });
  }
  if (grants.includes('authorization_code') && settings.redirectUris.length === 0) {
    errors.push({ field: 'redirectUris', message: 'redirectUris: authorization_code needs at least one redirect URI' });
  }
  if (settings.scopes.includes('offline_access') && !grants.includes('refresh_token')) {
    errors.push({ field: 'scopes', message: 'scopes: offline_access needs the refresh_token grant type' });
  }
  return errors;
}

function assertValid(type: OAuthClientType, ownerType: OAuthClientOwnerType, settings: ClientSettings): void {
  const errors = clientSettingsErrors(type, ownerType, settings);
  if (errors.length) throw ProblemException.validation(errors);
}
