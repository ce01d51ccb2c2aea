import {
  Caller, ConnectionTestResult, CreateIdentityProviderRequest, FederationGroupsRpc, GroupMapping, IdentityProviderView, LdapSettings,
  ListIdentityProvidersRequest, OidcSettings, Page, SamlSettings, resolvePage, UpdateIdentityProviderRequest,
} from '@gatehouse/contracts';
import { likePattern, SecretSealer } from '@gatehouse/database';
import { AuditRecorder, auditDiff, Outbox } from '@gatehouse/durable-events';
import { isUniqueViolation, ProblemException } from '@gatehouse/errors';
import { RpcClient } from '@gatehouse/messaging';
import { DestinationPolicy } from '@gatehouse/service-runtime';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { requireUserCaller } from '../common/callers';
import { tenantIdOf, tenantKeyOf } from '../common/tenant-key';
import { IdentityEnv } from '../identity.env';
import { IdentityProviderEntity } from './identity-provider.entity';
import { fillFilter, LDAP_DEFAULTS, LdapConfig, LdapDirectory } from './ldap-directory';
import { OIDC_DEFAULTS, OidcConfig, OidcUpstream } from './oidc-upstream';
import { SamlConfig, samlStored, SamlUpstream, samlView, serviceProviderOf } from './saml-upstream';

/** The console's page an upstream provider sends the browser back to: the redirect URI to register there. */
export const CALLBACK_PATH = '/ui/federation/callback';

const SORTABLE = ['name', 'type', 'createdAt', 'updatedAt'] as const;

/** Where a provider lives: instance-wide (the routes without a tenant) or a tenant's own. */
export type ProviderScope = { instance: true } | { instance: false; tenantKey: string };

export function scopeOf(tenantId: string | null | undefined): ProviderScope {
  return tenantId === undefined ? { instance: true } : { instance: false, tenantKey: tenantKeyOf(tenantId) };
}

/** The LDAP settings as stored (defaults applied, no secret). */
function ldapStored(settings: LdapSettings): Omit<LdapConfig, 'bindPassword' | 'bindPasswordSet'> {
  return {
    url: settings.url,
    startTls: settings.startTls ?? LDAP_DEFAULTS.startTls,
    caCertificate: settings.caCertificate ?? LDAP_DEFAULTS.caCertificate,
    bindDn: settings.bindDn ?? LDAP_DEFAULTS.bindDn,
    userBase: settings.userBase,
    userFilter: settings.userFilter ?? LDAP_DEFAULTS.userFilter,
    activeFilter: settings.activeFilter ?? LDAP_DEFAULTS.activeFilter,
    attributes: { ...LDAP_DEFAULTS.attributes, ...(settings.attributes ?? {}) },
    groupBase: settings.groupBase ?? LDAP_DEFAULTS.groupBase,
    groupFilter: settings.groupFilter ?? LDAP_DEFAULTS.groupFilter,
    groupNameAttribute: settings.groupNameAttribute ?? LDAP_DEFAULTS.groupNameAttribute,
    emailVerified: settings.emailVerified ?? LDAP_DEFAULTS.emailVerified,
    timeoutMs: settings.timeoutMs ?? LDAP_DEFAULTS.timeoutMs,
    poolSize: settings.poolSize ?? LDAP_DEFAULTS.poolSize,
  };
}

/** The OIDC settings as stored (defaults applied, no secret). */
function oidcStored(settings: OidcSettings): Omit<OidcConfig, 'clientSecret'> {
  return {
    issuer: settings.issuer.replace(/\/$/, ''),
    clientId: settings.clientId,
    scopes: settings.scopes ?? [...OIDC_DEFAULTS.scopes],
    claims: { ...OIDC_DEFAULTS.claims, ...(settings.claims ?? {}) },
    mfaAmr: settings.mfaAmr ?? [...OIDC_DEFAULTS.mfaAmr],
  };
}

function toView(entity: IdentityProviderEntity, secretSet: boolean, redirectUri: string, publicBase: string): IdentityProviderView {
  return {
    id: entity.id,
    scope: entity.tenantKey === null ? 'INSTANCE' : 'TENANT',
    ...(entity.tenantKey === null ? {} : { tenantId: tenantIdOf(entity.tenantKey) }),
    type: entity.type,
    name: entity.name,
    enabled: entity.enabled,
    jitProvisioning: entity.jitProvisioning,
    domains: entity.domains,
    groupMappings: entity.groupMappings,
    ownerId: entity.ownerId,
    sessionLifetimeSeconds: entity.sessionLifetimeSeconds,
    ...(entity.type === 'ldap' ? { ldap: { ...(entity.settings as unknown as Omit<LdapConfig, 'bindPassword' | 'bindPasswordSet'>), bindPasswordSet: secretSet } } : {}),
    ...(entity.type === 'oidc' ? { oidc: { ...(entity.settings as unknown as Omit<OidcConfig, 'clientSecret'>), clientSecretSet: secretSet, redirectUri } } : {}),
    ...(entity.type === 'saml' ? { saml: samlView(entity.settings as unknown as SamlConfig, serviceProviderOf(publicBase, entity.id)) } : {}),
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
  };
}

/** What the audit trail shows of a provider (never its secret). */
function audited(entity: IdentityProviderEntity): Record<string, unknown> {
  return {
    type: entity.type, name: entity.name, enabled: entity.enabled, jitProvisioning: entity.jitProvisioning, domains: entity.domains,
    groupMappings: entity.groupMappings, settings: entity.settings, ownerId: entity.ownerId, sessionLifetimeSeconds: entity.sessionLifetimeSeconds,
  };
}

/** A provider with its secret opened, for a sign-in or a connection test. */
export interface LoadedProvider {
  entity: IdentityProviderEntity;
  ldap?: LdapConfig;
  oidc?: OidcConfig;
  saml?: SamlConfig;
}

/**
 * Identity providers (docs/federation.md): instance-wide ones managed by TENANT holders, a tenant's own by
 * its admins. Secrets are sealed with FEDERATION_ENCRYPTION_KEYS, bound to the provider's id. Every save
 * makes the caller the provider's owner and has authorization's grant guard judge each mapped group as
 * if the caller added anyone to it; sign-ins re-sync memberships as the owner.
 */
@Injectable()
export class IdentityProvidersService implements OnModuleDestroy {
  private readonly logger = new Logger('IdentityProviders');
  readonly sealer: SecretSealer;
  readonly policy: DestinationPolicy;
  /** One directory (its connection pool) per provider version. */
  private readonly directories = new Map<string, { version: number; directory: LdapDirectory }>();
  /** One upstream OpenID provider (its discovery) per provider version. */
  private readonly upstreams = new Map<string, { version: number; upstream: OidcUpstream }>();
  readonly redirectUri: string;
  /** Where browsers reach Gatehouse (JWT_ISSUER): SAML's entity ids and ACS URLs are under it. */
  readonly publicBase: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditRecorder,
    private readonly outbox: Outbox,
    private readonly rpc: RpcClient,
    env: IdentityEnv,
  ) {
    this.publicBase = env.JWT_ISSUER.replace(/\/$/, '');
    this.redirectUri = `${this.publicBase}${CALLBACK_PATH}`;
    this.sealer = new SecretSealer(env.FEDERATION_ENCRYPTION_KEYS, 'FEDERATION_ENCRYPTION_KEYS', 'federation');
    if (this.sealer.usesDevelopmentKey) {
      this.logger.warn('FEDERATION_ENCRYPTION_KEYS is not set: identity providers\' secrets are sealed with the public development key; set it in production');
    }
    this.policy = new DestinationPolicy(env.FEDERATION_ALLOWED_NETWORKS, env.FEDERATION_ALLOW_LOOPBACK, {
      allowedNetworks: 'FEDERATION_ALLOWED_NETWORKS', allowLoopback: 'FEDERATION_ALLOW_LOOPBACK', what: 'identity providers',
    });
  }

  onModuleDestroy(): void {
    for (const { directory } of this.directories.values()) directory.close();
    for (const { upstream } of this.upstreams.values()) upstream.close();
  }

  async create(caller: Caller | null, tenantId: string | null | undefined, request: CreateIdentityProviderRequest): Promise<IdentityProviderView> {
    const scope = scopeOf(tenantId);
    const owner = this.ownerOf(caller);
    if (request.type === 'ldap' && !request.ldap) throw ProblemException.validation([{ field: 'ldap', message: 'ldap is required for an LDAP provider' }]);
    if (request.type === 'oidc' && !request.oidc) throw ProblemException.validation([{ field: 'oidc', message: 'oidc is required for an OpenID Connect provider' }]);
    if (request.type === 'saml' && !request.saml) throw ProblemException.validation([{ field: 'saml', message: 'saml is required for a SAML provider' }]);
    const settings = await this.checkedSettings(request.type, request);
    const mappings = this.normalisedMappings(scope, request.groupMappings ?? []);
    await this.checkMappings(caller, mappings);
    const saved = await this.write(request.name, async (manager) => {
      const repo = manager.getRepository(IdentityProviderEntity);
      const entity = await repo.save(
        repo.create({
          tenantKey: scope.instance ? null : scope.tenantKey, type: request.type, name: request.name, enabled: request.enabled ?? true,
          jitProvisioning: request.jitProvisioning ?? false, domains: await this.freeDomains(manager, null, request.domains ?? []),
          groupMappings: mappings, settings, ownerId: owner.id, secretCiphertext: null, secretKeyId: null,
          ...(request.sessionLifetimeSeconds !== undefined ? { sessionLifetimeSeconds: request.sessionLifetimeSeconds } : {}),
        }),
      );
      await this.storeSecret(manager, entity.id, request.ldap?.bindPassword ?? request.oidc?.clientSecret);
      await this.audit.record(manager, caller, {
        tenantId: scope.instance ? undefined : tenantIdOf(scope.tenantKey), type: 'CREATE', resourceType: 'IDENTITY_PROVIDER', resourceId: entity.id,
        ...auditDiff(null, audited(entity)),
      });
      return entity;
    });
    void this.outbox.flush();
    return this.get(tenantId, saved.id);
  }

  async list(tenantId: string | null | undefined, query: ListIdentityProvidersRequest): Promise<Page<IdentityProviderView>> {
    const page = resolvePage(query, SORTABLE, 'name');
    const qb = this.scoped(this.dataSource.manager, scopeOf(tenantId)).addSelect('p.secretCiphertext');
    if (query.q) qb.andWhere('p.name ILIKE :q', { q: likePattern(query.q) });
    const [rows, total] = await qb.orderBy(`p.${page.sortField}`, page.sortDir).addOrderBy('p.id').skip(page.offset).take(page.size).getManyAndCount();
    return { results: rows.map((r) => toView(r, r.secretCiphertext !== null, this.redirectUri, this.publicBase)), total, page: page.page, size: page.size };
  }

  async get(tenantId: string | null | undefined, id: string): Promise<IdentityProviderView> {
    const entity = await this.findOrFail(this.dataSource.manager, scopeOf(tenantId), id, false, true);
    return toView(entity, entity.secretCiphertext !== null, this.redirectUri, this.publicBase);
  }

  async update(caller: Caller | null, tenantId: string | null | undefined, request: UpdateIdentityProviderRequest): Promise<IdentityProviderView> {
    const scope = scopeOf(tenantId);
    const owner = this.ownerOf(caller);
    const current = await this.findOrFail(this.dataSource.manager, scope, request.id);
    const settings = request.ldap || request.oidc || request.saml ? await this.checkedSettings(current.type, request) : null;
    const mappings = request.groupMappings ? this.normalisedMappings(scope, request.groupMappings) : current.groupMappings;
    // The saver becomes the owner the mappings are judged against at each sign-in: they are judged against the saver now.
    await this.checkMappings(caller, mappings);
    await this.write(request.name ?? current.name, async (manager) => {
      const entity = await this.findOrFail(manager, scope, request.id, true);
      const before = audited(entity);
      if (request.name !== undefined) entity.name = request.name;
      if (request.enabled !== undefined) entity.enabled = request.enabled;
      if (request.jitProvisioning !== undefined) entity.jitProvisioning = request.jitProvisioning;
      if (request.sessionLifetimeSeconds !== undefined) entity.sessionLifetimeSeconds = request.sessionLifetimeSeconds;
      if (request.domains !== undefined) entity.domains = await this.freeDomains(manager, entity.id, request.domains);
      if (settings) entity.settings = settings;
      entity.groupMappings = mappings;
      entity.ownerId = owner.id;
      const saved = await manager.getRepository(IdentityProviderEntity).save(entity);
      const secret = request.ldap?.bindPassword ?? request.oidc?.clientSecret;
      if (secret !== undefined) await this.storeSecret(manager, entity.id, secret);
      const diff = auditDiff(before, audited(saved));
      await this.audit.record(manager, caller, {
        tenantId: scope.instance ? undefined : tenantIdOf(scope.tenantKey), type: 'UPDATE', resourceType: 'IDENTITY_PROVIDER', resourceId: entity.id, ...diff,
        ...(secret !== undefined ? { details: { secretChanged: true } } : {}),
      });
      return saved;
    });
    void this.outbox.flush();
    return this.get(tenantId, request.id);
  }

  async delete(caller: Caller | null, tenantId: string | null | undefined, id: string): Promise<void> {
    const scope = scopeOf(tenantId);
    await this.dataSource.transaction(async (manager) => {
      const entity = await this.findOrFail(manager, scope, id, true);
      await manager.getRepository(IdentityProviderEntity).delete({ id: entity.id });
      await this.audit.record(manager, caller, {
        tenantId: scope.instance ? undefined : tenantIdOf(scope.tenantKey), type: 'DELETE', resourceType: 'IDENTITY_PROVIDER', resourceId: entity.id,
        ...auditDiff(audited(entity), null),
      });
    });
    void this.outbox.flush();
    this.directories.get(id)?.directory.close();
    this.directories.delete(id);
    this.upstreams.get(id)?.upstream.close();
    this.upstreams.delete(id);
  }

  /** Each step of reaching the provider, stopping at the first failure (which the answer names). */
  async test(tenantId: string | null | undefined, id: string, login?: string): Promise<ConnectionTestResult> {
    const loaded = await this.load(await this.findOrFail(this.dataSource.manager, scopeOf(tenantId), id));
    if (loaded.oidc) {
      const upstream = new OidcUpstream(loaded.oidc, this.policy);
      try {
        return await upstream.test();
      } finally {
        upstream.close();
      }
    }
    if (loaded.saml) return SamlUpstream.test(loaded.saml, this.policy);
    const directory = new LdapDirectory(loaded.ldap as LdapConfig, this.policy);
    try {
      return await directory.test(login);
    } finally {
      directory.close();
    }
  }

  /** The provider's directory, its pool kept while the provider is unchanged. */
  directoryOf(loaded: LoadedProvider): LdapDirectory {
    const version = loaded.entity.updatedAt.getTime();
    const known = this.directories.get(loaded.entity.id);
    if (known && known.version === version) return known.directory;
    known?.directory.close();
    const directory = new LdapDirectory(loaded.ldap as LdapConfig, this.policy);
    this.directories.set(loaded.entity.id, { version, directory });
    return directory;
  }

  /** The provider's upstream OpenID provider, its discovery kept while the provider is unchanged. */
  upstreamOf(loaded: LoadedProvider): OidcUpstream {
    const version = loaded.entity.updatedAt.getTime();
    const known = this.upstreams.get(loaded.entity.id);
    if (known && known.version === version) return known.upstream;
    known?.upstream.close();
    const upstream = new OidcUpstream(loaded.oidc as OidcConfig, this.policy);
    this.upstreams.set(loaded.entity.id, { version, upstream });
    return upstream;
  }

  /** Gatehouse's SAML service provider for a SAML provider (its entity id, ACS URL). */
  samlOf(loaded: LoadedProvider): SamlUpstream {
    return new SamlUpstream(loaded.saml as SamlConfig, serviceProviderOf(this.publicBase, loaded.entity.id));
  }

  /** The provider with its secret opened; a secret that no configured key opens is a 503 naming the provider. */
  async load(entity: IdentityProviderEntity): Promise<LoadedProvider> {
    const [sealed] = await this.dataSource.query(`SELECT secret_ciphertext, secret_key_id FROM identity.identity_providers WHERE id = $1`, [entity.id]);
    let secret = '';
    if (sealed?.secret_ciphertext) {
      try {
        secret = this.sealer.open({ ciphertext: sealed.secret_ciphertext, keyId: sealed.secret_key_id }, entity.id);
      } catch (error) {
        this.logger.error(`The secret of identity provider ${entity.id} does not open: ${(error as Error).message}`);
        throw ProblemException.unavailable(`Identity provider "${entity.name}" cannot be used: its secret does not open with FEDERATION_ENCRYPTION_KEYS`);
      }
    }
    if (entity.type === 'ldap') {
      return { entity, ldap: { ...(entity.settings as unknown as Omit<LdapConfig, 'bindPassword' | 'bindPasswordSet'>), bindPassword: secret, bindPasswordSet: secret !== '' } };
    }
    if (entity.type === 'oidc') return { entity, oidc: { ...(entity.settings as unknown as Omit<OidcConfig, 'clientSecret'>), clientSecret: secret } };
    if (entity.type === 'saml') return { entity, saml: entity.settings as unknown as SamlConfig };
    return { entity };
  }

  async findOrFail(manager: EntityManager, scope: ProviderScope, id: string, lock = false, withSecret = false): Promise<IdentityProviderEntity> {
    const qb = this.scoped(manager, scope).andWhere('p.id = :id', { id });
    if (withSecret) qb.addSelect('p.secretCiphertext');
    if (lock) qb.setLock('pessimistic_write');
    const entity = await qb.getOne();
    if (!entity) throw ProblemException.notFound(`Identity provider ${id} does not exist ${scope.instance ? 'at instance level' : 'in this tenant'}`);
    return entity;
  }

  private scoped(manager: EntityManager, scope: ProviderScope) {
    const qb = manager.getRepository(IdentityProviderEntity).createQueryBuilder('p');
    return scope.instance ? qb.where('p.tenantKey IS NULL') : qb.where('p.tenantKey = :tenantKey', { tenantKey: scope.tenantKey });
  }

  private async storeSecret(manager: EntityManager, id: string, secret: string | undefined): Promise<void> {
    if (secret === undefined) return;
    const sealed = secret === '' ? null : this.sealer.seal(secret, id);
    await manager.query(`UPDATE identity.identity_providers SET secret_ciphertext = $2, secret_key_id = $3 WHERE id = $1`, [id, sealed?.ciphertext ?? null, sealed?.keyId ?? null]);
  }

  /** The settings of the provider's type, checked (URL rules, filters that parse) with the defaults applied; another type's settings are refused. */
  private async checkedSettings(type: string, request: { ldap?: LdapSettings; oidc?: OidcSettings; saml?: SamlSettings }): Promise<Record<string, unknown>> {
    for (const other of (['ldap', 'oidc', 'saml'] as const).filter((t) => t !== type)) {
      if (request[other] !== undefined) throw ProblemException.validation([{ field: other, message: `${other} settings do not apply to a provider of type ${type}` }]);
    }
    if (type === 'saml' && request.saml) return (await samlStored(request.saml, this.policy)) as unknown as Record<string, unknown>;
    if (type === 'oidc' && request.oidc) {
      const stored = oidcStored(request.oidc);
      const problem = OidcUpstream.issuerProblem(stored.issuer, this.policy);
      if (problem) throw ProblemException.validation([{ field: 'oidc.issuer', message: problem }]);
      return stored as unknown as Record<string, unknown>;
    }
    const ldap = request.ldap;
    if (type !== 'ldap' || !ldap) return {};
    const stored = ldapStored(ldap);
    const urlProblem = LdapDirectory.urlProblem(stored.url, stored.startTls, this.policy);
    if (urlProblem) throw ProblemException.validation([{ field: 'ldap.url', message: urlProblem }]);
    const filters: Array<[string, string | null]> = [['ldap.userFilter', stored.userFilter], ['ldap.activeFilter', stored.activeFilter], ['ldap.groupFilter', stored.groupFilter]];
    for (const [field, filter] of filters) {
      if (filter === null) continue;
      try {
        fillFilter(filter, { login: 'x', dn: 'cn=x' });
      } catch (error) {
        throw ProblemException.validation([{ field, message: `${field} is not an LDAP filter: ${(error as Error).message}` }]);
      }
    }
    if (!/\{login\}/.test(stored.userFilter)) throw ProblemException.validation([{ field: 'ldap.userFilter', message: 'ldap.userFilter must contain {login}' }]);
    return stored as unknown as Record<string, unknown>;
  }

  /** A tenant's provider maps to its own tenant; an instance-wide one names each mapping's tenant (null = default tenant). */
  private normalisedMappings(scope: ProviderScope, mappings: GroupMapping[]): GroupMapping[] {
    return mappings.map((m, i) => {
      if (!scope.instance) {
        if (m.tenantId !== undefined && m.tenantId !== tenantIdOf(scope.tenantKey)) {
          throw ProblemException.validation([{ field: `groupMappings[${i}].tenantId`, message: "a tenant's provider maps to groups of its own tenant only" }]);
        }
        return { providerGroup: m.providerGroup.toLowerCase(), tenantId: tenantIdOf(scope.tenantKey), groupId: m.groupId.toLowerCase() };
      }
      if (m.tenantId === undefined) {
        throw ProblemException.validation([{ field: `groupMappings[${i}].tenantId`, message: 'an instance-wide provider names the tenant of each mapped group (null: the default tenant)' }]);
      }
      return { providerGroup: m.providerGroup.toLowerCase(), tenantId: m.tenantId, groupId: m.groupId.toLowerCase() };
    });
  }

  /** authorization's grant guard judges each mapped group as if the caller added anyone to it. */
  private async checkMappings(caller: Caller | null, mappings: GroupMapping[]): Promise<void> {
    for (const [tenant, groupIds] of groupsByTenant(mappings)) {
      await this.rpc.request(FederationGroupsRpc.checkMapping, { caller, tenantId: tenant, data: { groupIds } });
    }
  }

  /** Home-realm discovery needs one provider per domain: a domain another provider claims is a 409. */
  private async freeDomains(manager: EntityManager, id: string | null, domains: string[]): Promise<string[]> {
    const unique = [...new Set(domains.map((d) => d.toLowerCase()))];
    if (unique.length === 0) return [];
    const taken: Array<{ name: string; domain: string }> = await manager.query(
      `SELECT p.name, d AS domain FROM identity.identity_providers p, unnest(p.domains) d WHERE d = ANY($1::text[]) AND p.id IS DISTINCT FROM $2 LIMIT 1`,
      [unique, id],
    );
    if (taken.length > 0) throw ProblemException.conflict(`The domain ${taken[0].domain} is already claimed by identity provider "${taken[0].name}"`);
    return unique;
  }

  /** A provider is configured by a signed-in user of its own (not while impersonating). */
  private ownerOf(caller: Caller | null): Caller {
    const user = requireUserCaller(caller);
    if (user.impersonator) throw ProblemException.forbidden('An identity provider cannot be configured while acting as another user');
    return user;
  }

  private async write(name: string, work: (manager: EntityManager) => Promise<IdentityProviderEntity>): Promise<IdentityProviderEntity> {
    try {
      return await this.dataSource.transaction(work);
    } catch (error) {
      if (isUniqueViolation(error)) throw ProblemException.conflict(`An identity provider named "${name}" already exists here`);
      throw error;
    }
  }
}

/** Mapped group ids by their tenant (null = the default tenant). */
export function groupsByTenant(mappings: GroupMapping[]): Map<string | null, string[]> {
  const byTenant = new Map<string | null, string[]>();
  for (const m of mappings) {
    const tenant = m.tenantId ?? null;
    byTenant.set(tenant, [...new Set([...(byTenant.get(tenant) ?? []), m.groupId])]);
  }
  return byTenant;
}
