import {
  Caller, CreateIdentityLinkRequest, IdentityLinkIdRequest, IdentityLinkView, IdentityLinkWithUser, ListIdentityLinksRequest, Page, resolvePage,
  SetUserAuthenticationRequest, UserAuthenticationView,
} from '@gatehouse/contracts';
import { likePattern } from '@gatehouse/database';
import { AuditRecorder, auditDiff, Outbox } from '@gatehouse/durable-events';
import { isUniqueViolation, ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GrantGuardClient } from '../common/grant-guard.client';
import { tenantIdOf } from '../common/tenant-key';
import { SuperAdminGuard } from '../users/super-admin.guard';
import { UserEntity } from '../users/user.entity';
import { FederatedSignIn } from './federated-sign-in';
import { IdentityProvidersService, LoadedProvider, scopeOf } from './identity-providers.service';
import { DirectoryError, isAskable } from './ldap-directory';

interface LinkRow {
  provider_id: string;
  provider_name: string;
  provider_type: IdentityLinkView['providerType'];
  external_id: string;
  linked_by: IdentityLinkView['linkedBy'];
  created_at: Date;
  last_sign_in_at: Date | null;
  user_id: string;
  username: string;
}

const SORTABLE = ['createdAt', 'lastSignInAt', 'username'] as const;
const SORT_SQL: Record<(typeof SORTABLE)[number], string> = { createdAt: 'l.created_at', lastSignInAt: 'l.last_sign_in_at', username: 'lower(u.username)' };

function toLinkView(row: LinkRow): IdentityLinkWithUser {
  return {
    providerId: row.provider_id, providerName: row.provider_name, providerType: row.provider_type, externalId: row.external_id, linkedBy: row.linked_by,
    createdAt: new Date(row.created_at).toISOString(), lastSignInAt: row.last_sign_in_at ? new Date(row.last_sign_in_at).toISOString() : null,
    userId: row.user_id, username: row.username,
  };
}

const LINK_SELECT = `SELECT l.provider_id, p.name AS provider_name, p.type AS provider_type, l.external_id, l.linked_by, l.created_at, l.last_sign_in_at,
    l.user_id, u.username
  FROM identity.identity_links l JOIN identity.identity_providers p ON p.id = l.provider_id JOIN identity.users u ON u.id = l.user_id`;

/**
 * Links between users and their accounts at identity providers, made by an admin (a credential for the user:
 * the grant guard's rule that the admin holds all the user holds), and each user's authentication method
 * (seed 003): a Gatehouse password, identity providers, or both.
 */
@Injectable()
export class IdentityLinksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly providers: IdentityProvidersService,
    private readonly signIn: FederatedSignIn,
    private readonly guard: GrantGuardClient,
    private readonly superAdmins: SuperAdminGuard,
    private readonly audit: AuditRecorder,
    private readonly outbox: Outbox,
  ) {}

  async list(tenantId: string | null | undefined, query: ListIdentityLinksRequest): Promise<Page<IdentityLinkWithUser>> {
    await this.providers.findOrFail(this.dataSource.manager, scopeOf(tenantId), query.id);
    const page = resolvePage(query, SORTABLE, 'createdAt');
    const params: unknown[] = [query.id];
    let where = 'l.provider_id = $1';
    if (query.q) {
      params.push(likePattern(query.q));
      where += ` AND (u.username ILIKE $2 OR l.external_id ILIKE $2)`;
    }
    const [{ total }] = await this.dataSource.query(`SELECT count(*)::int AS total FROM identity.identity_links l JOIN identity.users u ON u.id = l.user_id WHERE ${where}`, params);
    const rows: LinkRow[] = await this.dataSource.query(
      `${LINK_SELECT} WHERE ${where} ORDER BY ${SORT_SQL[page.sortField as (typeof SORTABLE)[number]]} ${page.sortDir}, l.user_id LIMIT ${page.size} OFFSET ${page.offset}`,
      params,
    );
    return { results: rows.map(toLinkView), total, page: page.page, size: page.size };
  }

  /** An explicit link: the account the provider knows by `login` signs in as the user from now on. */
  async create(caller: Caller | null, tenantId: string | null | undefined, request: CreateIdentityLinkRequest): Promise<IdentityLinkWithUser> {
    const scope = scopeOf(tenantId);
    const entity = await this.providers.findOrFail(this.dataSource.manager, scope, request.id);
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id: request.userId });
    if (!user) throw ProblemException.notFound(`User ${request.userId} does not exist`);
    // Whoever controls the account at the provider signs in as the user: a credential for the user.
    await this.guard.assertMayActFor(caller, user.id, 'IDENTITY_LINK', scope.instance ? undefined : tenantIdOf(scope.tenantKey));
    if (!isAskable(request.login)) throw ProblemException.validation([{ field: 'login', message: 'login must not contain control characters or backslashes' }]);
    const loaded = await this.providers.load(entity);
    // An OpenID provider cannot be searched: the admin names the account by its subject (`sub`).
    const externalId = entity.type === 'ldap' ? await this.directoryEntry(loaded, request.login) : request.login;
    try {
      await this.dataSource.transaction((manager) => this.signIn.link(manager, entity, externalId, user.id, 'ADMIN', caller?.ip ?? null, caller));
    } catch (error) {
      if (isUniqueViolation(error)) throw ProblemException.conflict(`User ${user.username} already has an account of "${entity.name}", or ${request.login} is linked to another user`);
      throw error;
    }
    void this.outbox.flush();
    const [row] = await this.dataSource.query(`${LINK_SELECT} WHERE l.provider_id = $1 AND l.user_id = $2`, [entity.id, user.id]);
    return toLinkView(row);
  }

  /** The directory entry of a sign-in name: its id attribute (the link's external id). */
  private async directoryEntry(loaded: LoadedProvider, login: string): Promise<string> {
    const entity = loaded.entity;
    try {
      const entry = await this.providers.directoryOf(loaded).findUser(login);
      if (!entry) throw ProblemException.validation([{ field: 'login', message: `the directory of "${entity.name}" has no entry for ${login}` }]);
      return entry.externalId;
    } catch (error) {
      if (!(error instanceof DirectoryError)) throw error;
      if (error.unavailable) throw new ProblemException(503, 'directory-unavailable', `The directory of identity provider "${entity.name}" cannot be reached (${error.message})`, { provider: { id: entity.id, name: entity.name } });
      throw ProblemException.validation([{ field: 'login', message: `the directory of "${entity.name}" could not look ${login} up: ${error.message}` }]);
    }
  }

  async delete(caller: Caller | null, tenantId: string | null | undefined, request: IdentityLinkIdRequest): Promise<void> {
    const scope = scopeOf(tenantId);
    const entity = await this.providers.findOrFail(this.dataSource.manager, scope, request.id);
    await this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query(`DELETE FROM identity.identity_links WHERE provider_id = $1 AND user_id = $2 RETURNING external_id, linked_by`, [entity.id, request.userId]);
      const removed = (Array.isArray(row) ? row[0] : row) as { external_id: string; linked_by: string } | undefined;
      if (!removed) throw ProblemException.notFound(`User ${request.userId} has no account of "${entity.name}"`);
      await this.audit.record(manager, caller, {
        tenantId: scope.instance ? undefined : tenantIdOf(scope.tenantKey), type: 'DELETE', resourceType: 'IDENTITY_LINK', resourceId: request.userId,
        before: { providerId: entity.id, externalId: removed.external_id, userId: request.userId, linkedBy: removed.linked_by }, after: null,
      });
    });
    void this.outbox.flush();
  }

  /** The user's ways of signing in; in a tenant, the tenant's own providers and the instance's. */
  async authentication(caller: Caller | null, tenantId: string | null | undefined, userId: string): Promise<UserAuthenticationView> {
    const user = await this.managed(caller, tenantId, userId);
    return this.view(user, tenantId);
  }

  /**
   * Password or federated only (seed 003's authentication method). Federated only removes the password (and so
   * every password flow) and needs a link to an enabled provider; password again lets the user set one with a
   * reset link. An account action within the tenant boundary; a Super Admin's, by a Super Admin only.
   */
  async setAuthentication(caller: Caller | null, tenantId: string | null | undefined, request: SetUserAuthenticationRequest): Promise<UserAuthenticationView> {
    const user = await this.managed(caller, tenantId, request.id);
    if (user.passwordSignIn !== request.password) {
      await this.dataSource.transaction(async (manager) => {
        if (!request.password) {
          const [{ usable }] = await manager.query(
            `SELECT count(*)::int AS usable FROM identity.identity_links l JOIN identity.identity_providers p ON p.id = l.provider_id WHERE l.user_id = $1 AND p.enabled`,
            [user.id],
          );
          if (usable === 0) throw ProblemException.conflict(`User ${user.username} has no account at an enabled identity provider: link one before removing the password`);
        }
        await manager.query(
          `UPDATE identity.users SET password_sign_in = $2, password_hash = CASE WHEN $2 THEN password_hash ELSE NULL END, must_change_password = false,
             version = version + 1, updated_at = now() WHERE id = $1`,
          [user.id, request.password],
        );
        await this.audit.record(manager, caller, {
          tenantId: undefined, type: 'UPDATE', resourceType: 'USER', resourceId: user.id,
          ...auditDiff({ authMethod: user.passwordSignIn ? 'PASSWORD' : 'FEDERATED' }, { authMethod: request.password ? 'PASSWORD' : 'FEDERATED' }),
        });
      });
      void this.outbox.flush();
    }
    return this.view((await this.dataSource.getRepository(UserEntity).findOneBy({ id: user.id })) as UserEntity, tenantId);
  }

  private async managed(caller: Caller | null, tenantId: string | null | undefined, userId: string): Promise<UserEntity> {
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id: userId });
    if (!user) throw ProblemException.notFound(`User ${userId} does not exist`);
    if (caller?.id === userId && !caller.impersonator) return user;
    await this.guard.assertAccountWithinReach(caller, userId, 'AUTHENTICATION', tenantId);
    if (user.superAdmin) await this.superAdmins.assertCaller(this.dataSource.manager, caller, "change a Super Admin's authentication method");
    return user;
  }

  private async view(user: UserEntity, tenantId: string | null | undefined): Promise<UserAuthenticationView> {
    const rows: LinkRow[] = await this.dataSource.query(
      `${LINK_SELECT} WHERE l.user_id = $1 AND (p.tenant_key IS NULL OR $2::text IS NULL OR p.tenant_key = $2) ORDER BY p.name, p.id`,
      [user.id, tenantId === undefined ? null : tenantId ?? ''],
    );
    return {
      userId: user.id,
      password: user.passwordSignIn,
      links: rows.map((r) => {
        const { userId: _userId, username: _username, ...link } = toLinkView(r);
        return link;
      }),
    };
  }
}
