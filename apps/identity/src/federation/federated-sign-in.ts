import { Caller, FederationGroupsRpc } from '@gatehouse/contracts';
import { AuditRecorder, Outbox } from '@gatehouse/durable-events';
import { isUniqueViolation, ProblemException } from '@gatehouse/errors';
import { RpcClient } from '@gatehouse/messaging';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { anonymousCaller } from '../common/callers';
import { ANYWHERE, GrantGuardClient } from '../common/grant-guard.client';
import { tenantIdOf } from '../common/tenant-key';
import { DirectoryOutcome, DirectorySignIn } from '../login-protection/directory-sign-in';
import { LoginProtectionService } from '../login-protection/login-protection.service';
import { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { IdentityLinkEntity, LinkOrigin } from './identity-link.entity';
import { IdentityProviderEntity } from './identity-provider.entity';
import { groupsByTenant, IdentityProvidersService, LoadedProvider } from './identity-providers.service';
import { DirectoryError, DirectoryUser, isAskable } from './ldap-directory';

/** What a provider vouches for about a person, whatever its protocol. */
export interface ExternalIdentity {
  /** Its stable id at the provider (LDAP: the id attribute or DN; OIDC: `sub`). */
  externalId: string;
  username: string | null;
  email: string | null;
  /** The provider vouches for the address (LDAP: the provider's setting; OIDC: `email_verified` is true). */
  emailVerified: boolean;
  firstName: string | null;
  lastName: string | null;
  /** Its groups' names (and DNs), lower case. */
  groups: string[];
}

/** The admin a provider's links and group mappings are judged against (who last saved it). */
export function ownerCallerOf(provider: IdentityProviderEntity, ip: string | null): Caller {
  if (!provider.ownerId) {
    throw ProblemException.forbidden(`Identity provider "${provider.name}" has no owner (its admin was deleted): an admin must save it again`, { rule: 'provider-without-owner' });
  }
  return { type: 'USER', id: provider.ownerId, via: 'internal', ...(ip ? { ip } : {}) };
}

/**
 * Signing in with a directory's password (docs/federation.md). The directories asked about a name: those
 * the matching Gatehouse user is linked to, those claiming the name's email domain, and instance-wide ones
 * claiming no domain. The entry found is verified by a bind, then its Gatehouse user is the linked one, an
 * existing user with the same address when the directory's addresses are verified (a link the grant guard
 * judges against the provider's owner), or one created just in time if the provider does that. Its group
 * mappings are then re-synced through authorization's guard.
 */
@Injectable()
export class FederatedSignIn extends DirectorySignIn {
  private readonly logger = new Logger('FederatedSignIn');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly providers: IdentityProvidersService,
    private readonly users: UsersService,
    private readonly guard: GrantGuardClient,
    private readonly protection: LoginProtectionService,
    private readonly audit: AuditRecorder,
    private readonly outbox: Outbox,
    private readonly rpc: RpcClient,
  ) {
    super();
  }

  async authenticate(login: string, password: string, local: UserEntity | null, ip: string | null): Promise<DirectoryOutcome> {
    if (!isAskable(login)) return { kind: 'unknown' };
    const candidates = await this.candidates(login, local);
    let down: { provider: IdentityProviderEntity; error: DirectoryError } | null = null;
    let unreachable: string | null = null;
    for (const { entity, linked } of candidates) {
      const loaded = await this.providers.load(entity);
      const directory = this.providers.directoryOf(loaded);
      let entry: DirectoryUser | null;
      try {
        entry = await directory.findUser(login);
        if (!entry) continue;
        const linkedUser = await this.linkedUser(entity.id, entry.externalId);
        if (!entry.active) return { kind: 'refused', reason: 'directory-disabled', providerId: entity.id, user: linkedUser ?? local };
        if (linkedUser && this.protection.isLocked(linkedUser)) return { kind: 'refused', reason: 'locked', providerId: entity.id, user: linkedUser };
        try {
          await directory.verifyPassword(entry.dn, password);
        } catch (error) {
          if (error instanceof DirectoryError && error.step === 'bind') return { kind: 'refused', reason: 'invalid-credentials', providerId: entity.id, user: linkedUser ?? local };
          throw error;
        }
        const user = await this.signInAs(loaded, { ...entry, emailVerified: !!loaded.ldap?.emailVerified && !!entry.email }, ip, linkedUser);
        return { kind: 'user', user, providerId: entity.id };
      } catch (error) {
        if (!(error instanceof DirectoryError)) throw error;
        this.logger.warn(`Identity provider "${entity.name}" (${entity.id}): ${error.message}`);
        // Only a user linked to the directory hears of its outage: any other name (unknown, or a password user's
        // typo) is answered the same 401, so an outage does not tell which names exist (the failure's audit names it).
        if (error.unavailable) {
          if (linked) down ??= { provider: entity, error };
          else unreachable ??= entity.id;
        }
      }
    }
    if (down) {
      throw new ProblemException(503, 'directory-unavailable', `The directory of identity provider "${down.provider.name}" cannot be reached (${down.error.message}); try again later`, {
        provider: { id: down.provider.id, name: down.provider.name },
      });
    }
    return unreachable ? { kind: 'unknown', unreachableProviderId: unreachable } : { kind: 'unknown' };
  }

  /** The enabled LDAP providers to ask about a name, those the user is linked to first. */
  private async candidates(login: string, local: UserEntity | null): Promise<Array<{ entity: IdentityProviderEntity; linked: boolean }>> {
    const domain = login.includes('@') ? login.slice(login.lastIndexOf('@') + 1).toLowerCase() : null;
    const linkedIds: string[] = local
      ? (await this.dataSource.query(`SELECT provider_id FROM identity.identity_links WHERE user_id = $1`, [local.id])).map((r: { provider_id: string }) => r.provider_id)
      : [];
    const entities = await this.dataSource
      .getRepository(IdentityProviderEntity)
      .createQueryBuilder('p')
      .where(`p.enabled AND p.type = 'ldap'`)
      .andWhere(
        `((p.tenantKey IS NULL AND cardinality(p.domains) = 0) OR (CAST(:domain AS text) IS NOT NULL AND :domain = ANY(p.domains)) OR p.id = ANY(CAST(:linked AS uuid[])))`,
        { domain, linked: linkedIds },
      )
      .orderBy('p.name')
      .addOrderBy('p.id')
      .getMany();
    const linked = new Set(linkedIds);
    return entities.map((entity) => ({ entity, linked: linked.has(entity.id) })).sort((a, b) => Number(b.linked) - Number(a.linked));
  }

  /**
   * The Gatehouse user a provider vouched for (the linked one, else linked or created by linkOrCreate's rules),
   * its group mappings re-synced and the link's last sign-in noted. 401 when there is none.
   */
  async signInAs(loaded: LoadedProvider, identity: ExternalIdentity, ip: string | null, linked?: UserEntity | null): Promise<UserEntity> {
    const provider = loaded.entity;
    const user = (linked === undefined ? await this.linkedUser(provider.id, identity.externalId) : linked) ?? (await this.linkOrCreate(loaded, identity, ip));
    if (!user) {
      throw ProblemException.unauthorized(`Your account at "${provider.name}" has no Gatehouse account: an administrator must link it or turn on just-in-time provisioning`);
    }
    await this.syncGroups(provider, user.id, identity, ip);
    await this.dataSource.query(`UPDATE identity.identity_links SET last_sign_in_at = now() WHERE provider_id = $1 AND external_id = $2`, [provider.id, identity.externalId]);
    return user;
  }

  async linkedUser(providerId: string, externalId: string): Promise<UserEntity | null> {
    return this.dataSource
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .innerJoin(IdentityLinkEntity, 'l', 'l.userId = u.id')
      .where('l.providerId = :providerId AND l.externalId = :externalId', { providerId, externalId })
      .getOne();
  }

  /**
   * No user is linked to the entry: an existing user with the same address, only when the directory's
   * addresses are verified and the provider's owner may act for that user (the guard's credential rule),
   * else a new user if the provider creates them just in time. null: neither.
   */
  private async linkOrCreate(loaded: LoadedProvider, entry: ExternalIdentity, ip: string | null): Promise<UserEntity | null> {
    const provider = loaded.entity;
    const verified = entry.emailVerified && !!entry.email;
    const sameEmail = entry.email
      ? await this.dataSource.getRepository(UserEntity).createQueryBuilder('u').where('lower(u.email) = lower(:email)', { email: entry.email }).getOne()
      : null;
    if (sameEmail && verified) {
      await this.guard.assertMayActFor(ownerCallerOf(provider, ip), sameEmail.id, 'IDENTITY_LINK', provider.tenantKey === null ? undefined : tenantIdOf(provider.tenantKey), ANYWHERE);
      await this.dataSource.transaction((manager) => this.link(manager, provider, entry.externalId, sameEmail.id, 'VERIFIED_EMAIL', ip));
      void this.outbox.flush();
      return sameEmail;
    }
    if (!provider.jitProvisioning) return null;
    if (sameEmail) {
      // An address the directory does not vouch for never takes over an account, nor creates its twin.
      throw ProblemException.conflict(`An account with the address ${entry.email} exists already: an administrator must link it to your directory account`);
    }
    const username = entry.username ?? entry.email;
    if (!username) throw ProblemException.unauthorized(`Your account has neither a user name nor an address for a Gatehouse account (identity provider "${provider.name}")`);
    let created: UserEntity;
    try {
      created = await this.dataSource.transaction(async (manager) => {
        const user = await this.users.insertProvisioned(
          manager, anonymousCaller(ip),
          { username, email: entry.email, firstName: entry.firstName, lastName: entry.lastName, passwordHash: null },
          { emailVerified: verified },
        );
        await this.link(manager, provider, entry.externalId, user.id, 'JIT', ip);
        return user;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw ProblemException.conflict(`The user name ${username} is taken: an administrator must link your directory account to an account`);
      throw error;
    }
    await this.users.announce(created);
    return created;
  }

  async link(manager: EntityManager, provider: IdentityProviderEntity, externalId: string, userId: string, linkedBy: LinkOrigin, ip: string | null, caller?: Caller | null): Promise<IdentityLinkEntity> {
    const repo = manager.getRepository(IdentityLinkEntity);
    const saved = await repo.save(repo.create({ providerId: provider.id, externalId, userId, linkedBy, lastSignInAt: null }));
    await this.audit.record(manager, caller ?? anonymousCaller(ip), {
      tenantId: provider.tenantKey === null ? undefined : tenantIdOf(provider.tenantKey), type: 'CREATE', resourceType: 'IDENTITY_LINK', resourceId: userId,
      before: null, after: { providerId: provider.id, externalId, userId, linkedBy },
    });
    return saved;
  }

  /** The user's memberships of the mapped groups become what the directory says, judged as the provider's owner. */
  private async syncGroups(provider: IdentityProviderEntity, userId: string, entry: ExternalIdentity, ip: string | null): Promise<void> {
    if (provider.groupMappings.length === 0) return;
    const owner = ownerCallerOf(provider, ip);
    const groups = new Set(entry.groups);
    const wanted = new Set(provider.groupMappings.filter((m) => groups.has(m.providerGroup.toLowerCase())).map((m) => m.groupId));
    for (const [tenantId, managed] of groupsByTenant(provider.groupMappings)) {
      await this.rpc.request(FederationGroupsRpc.syncMemberships, {
        caller: owner, tenantId, data: { userId, managedGroupIds: managed, wantedGroupIds: managed.filter((g) => wanted.has(g)), providerId: provider.id },
      });
    }
  }
}
