import { cappedCount, decodeCursor, encodeCursor, Keyset, keysetCondition, keysetOrder, likePattern, pageTotal } from '@gatehouse/database';
import {
  Caller, CreateUserRequest, CredentialsRevoked, IdentityEvents, IdentityNotificationEvents, ListUsersRequest, Page, resolvePage, SubjectFacts,
  UpdateMeRequest, UpdateUserRequest, UserView,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { AuditRecorder, auditDiff, Outbox } from '@gatehouse/durable-events';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isEmail } from 'class-validator';
import { DataSource, EntityManager, In } from 'typeorm';
import { EmailLinks } from '../email-verification/email-links';
import { LoginProtectionService } from '../login-protection/login-protection.service';
import { PasswordHasher } from '../passwords/password-hasher';
import { PasswordPolicyService } from '../passwords/password-policy';
import { NOTHING_REVOKED, Revocations } from '../revocation/revocations';
import { ServiceAccountEntity } from '../service-accounts/service-account.entity';
import { toServiceAccountFacts } from '../service-accounts/service-account.mapper';
import { assertEmailFree } from './email-free';
import { UserEntity } from './user.entity';
import { toSubjectFacts, toUserView } from './user.mapper';
import { SubjectFactsPublisher } from './subject-facts.publisher';
import { SuperAdminGuard } from './super-admin.guard';

const SORTABLE = ['username', 'email', 'createdAt', 'status'] as const;
const SORT_COLUMNS: Record<string, string> = { username: 'username', email: 'email', createdAt: 'created_at', status: 'status' };

/** What one change of a user did, for afterChange once its transaction committed. */
export interface UserChange {
  user: UserEntity;
  revoked: CredentialsRevoked;
  factsChanged: boolean;
}

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicyService,
    private readonly outbox: Outbox,
    private readonly audit: AuditRecorder,
    private readonly revocations: Revocations,
    private readonly protection: LoginProtectionService,
    private readonly superAdmins: SuperAdminGuard,
    private readonly factsPublisher: SubjectFactsPublisher,
    private readonly emailLinks: EmailLinks,
  ) {}

  /** Creates a user; granting Super Admin at creation needs a Super Admin caller (or an internal one). */
  async create(caller: Caller | null, request: CreateUserRequest): Promise<UserView> {
    const user = await this.dataSource.transaction(async (manager) => {
      if (request.superAdmin) await this.superAdmins.assertCaller(manager, caller, 'grant Super Admin');
      if (request.emailVerified) await this.superAdmins.assertCaller(manager, caller, 'vouch for a new user\'s email address');
      return this.insert(manager, caller, request, request.superAdmin ?? false);
    });
    void this.outbox.flush();
    return toUserView(user);
  }

  /**
   * Set-up: creates the first user as Super Admin, only while no user exists (409 afterwards). Its address
   * starts unverified like anyone's (set-up proves nothing about the mailbox): a confirmation link is sent.
   */
  async createFirst(caller: Caller | null, request: CreateUserRequest): Promise<UserView> {
    const user = await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('identity:first-user'))`);
      if (await this.anyExists(manager)) {
        throw ProblemException.conflict('Set-up is already complete: the instance has users');
      }
      return this.insert(manager, caller, { ...request, emailVerified: false }, true);
    });
    void this.outbox.flush();
    return toUserView(user);
  }

  async get(id: string): Promise<UserView> {
    return toUserView(await this.findOrFail(this.dataSource.manager, id));
  }

  async getMany(ids: string[]): Promise<UserView[]> {
    if (ids.length === 0) return [];
    const users = await this.dataSource.getRepository(UserEntity).findBy({ id: In([...new Set(ids)]) });
    return users.map(toUserView);
  }

  async usersFacts(ids: string[]): Promise<SubjectFacts[]> {
    if (ids.length === 0) return [];
    return (await this.dataSource.getRepository(UserEntity).findBy({ id: In([...new Set(ids)]) })).map(toSubjectFacts);
  }

  async findByEmail(email: string): Promise<UserView> {
    const user = await this.dataSource
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .where('lower(u.email) = lower(:email)', { email })
      .getOne();
    if (!user) throw ProblemException.notFound('No user has this email address');
    return toUserView(user);
  }

  async findByUsernameOrEmail(login: string): Promise<UserView> {
    const user = await this.dataSource
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .where('lower(u.username) = lower(:login) OR lower(u.email) = lower(:login)', { login })
      .getOne();
    if (!user) throw ProblemException.notFound(`No user with username or email "${login}"`);
    return toUserView(user);
  }

  /**
   * A page of users: by `page` (offset, for the first pages) or after `cursor` (any depth, through the
   * sort's (column, id) index); `q` is a substring of username, email or names, found through their
   * trigram indexes; the total is counted up to TOTAL_CAP.
   */
  async list(query: ListUsersRequest): Promise<Page<UserView>> {
    const page = resolvePage(query, SORTABLE, 'username');
    const keyset: Keyset = { columns: [`u.${SORT_COLUMNS[page.sortField]}`, 'u.id'], dir: page.sortDir, sort: `${page.sortField}:${page.sortDir}` };
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.q) {
      params.push(likePattern(query.q));
      where.push(`(u.username ILIKE $1 OR u.email ILIKE $1 OR u.first_name ILIKE $1 OR u.last_name ILIKE $1)`);
    }
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const countParams = [...params];
    if (query.cursor) {
      const after = decodeCursor(keyset, query.cursor);
      where.push(keysetCondition(keyset, after.map((_, i) => `$${params.length + i + 1}`)));
      params.push(...after);
    }
    const rows: Array<{ id: string; key: string }> = await this.dataSource.query(
      `SELECT u.id, ${keyset.columns[0]}::text AS key FROM identity.users u ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY ${keysetOrder(keyset)} LIMIT ${page.size + 1} ${query.cursor ? '' : `OFFSET ${page.offset}`}`,
      params,
    );
    const more = rows.length > page.size;
    const shown = rows.slice(0, page.size);
    const [users, total] = await Promise.all([
      this.dataSource.getRepository(UserEntity).findBy({ id: In(shown.map((r) => r.id)) }),
      pageTotal(page, rows.length, !!query.cursor, () => cappedCount(this.dataSource.manager, `SELECT 1 FROM identity.users u ${filter}`, countParams)),
    ]);
    const byId = new Map(users.map((u) => [u.id, u]));
    const last = shown.at(-1);
    return {
      results: shown.flatMap((r) => (byId.has(r.id) ? [toUserView(byId.get(r.id) as UserEntity)] : [])),
      ...total,
      page: page.page,
      size: page.size,
      ...(more && last ? { next: encodeCursor(keyset, [last.key, last.id]) } : {}),
    };
  }

  /** Users and service accounts: authorization's read model asks for a subject it has not seen yet. */
  async facts(id: string): Promise<SubjectFacts> {
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id });
    if (user) return toSubjectFacts(user);
    const account = await this.dataSource.getRepository(ServiceAccountEntity).findOneBy({ id });
    if (account) return toServiceAccountFacts(account);
    throw ProblemException.notFound(`Subject ${id} does not exist`);
  }

  async anyExists(manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows: unknown[] = await manager.query(`SELECT 1 FROM identity.users LIMIT 1`);
    return rows.length > 0;
  }

  /**
   * A Super Admin's email change applies at once (DESIGN §3), unverified: the new address gets a
   * confirmation link, the previous one is told, and a pending change of the user's own is dropped.
   */
  async update(caller: Caller | null, request: UpdateUserRequest): Promise<UserView> {
    const user = await this.mutate(caller, request.id, 'UPDATE', async (manager, user) => {
      if (request.email !== undefined && request.email !== null && request.email.toLowerCase() !== (user.email ?? '').toLowerCase()) {
        await this.superAdmins.assertCaller(manager, caller, "change another user's email");
        await assertEmailFree(manager, request.email, user.id);
        const previous = user.email;
        user.email = request.email;
        user.emailVerified = false;
        user.pendingEmail = null;
        await this.emailLinks.issue(manager, user, request.email, 'VERIFY', 'ACCOUNT_CREATED');
        if (previous) {
          await this.outbox.add(manager, IdentityNotificationEvents.emailChanged, {
            userId: user.id, username: user.username, previousEmail: previous, email: request.email, by: 'ADMIN',
          });
        }
      }
      if (typeof request.superAdmin === 'boolean' && request.superAdmin !== user.superAdmin) {
        await this.superAdmins.assertCaller(manager, caller, 'grant or revoke Super Admin');
        if (!request.superAdmin) await this.superAdmins.assertNotLast(manager, user, 'revoke Super Admin from');
        user.superAdmin = request.superAdmin;
      }
      if (request.firstName !== undefined) user.firstName = request.firstName;
      if (request.lastName !== undefined) user.lastName = request.lastName;
      return NOTHING_REVOKED;
    });
    return toUserView(user);
  }

  async updateMe(caller: Caller, request: UpdateMeRequest): Promise<UserView> {
    const user = await this.mutate(caller, caller.id, 'UPDATE', async (_manager, user) => {
      if (request.firstName !== undefined) user.firstName = request.firstName;
      if (request.lastName !== undefined) user.lastName = request.lastName;
      return NOTHING_REVOKED;
    });
    return toUserView(user);
  }

  /** Disabling ends every session and API token at once; authorization denies the subject from its facts. */
  async disable(caller: Caller | null, id: string): Promise<UserView> {
    return toUserView(
      await this.mutate(caller, id, 'UPDATE', (manager, user) => this.applyStatus(manager, user, false)),
    );
  }

  async enable(caller: Caller | null, id: string): Promise<UserView> {
    return toUserView(
      await this.mutate(caller, id, 'UPDATE', async (_manager, user) => {
        user.status = 'ACTIVE';
        return NOTHING_REVOKED;
      }),
    );
  }

  async unlock(caller: Caller | null, id: string): Promise<UserView> {
    const user = await this.dataSource.transaction(async (manager) => {
      await this.superAdmins.assertCaller(manager, caller, 'unlock an account');
      const user = await this.findOrFail(manager, id);
      await this.protection.clear(manager, id);
      await this.audit.record(manager, caller, {
        tenantId: undefined,
        type: 'UPDATE',
        resourceType: 'USER',
        resourceId: id,
        ...auditDiff({ lockedUntil: user.lockedUntil?.toISOString() ?? null }, { lockedUntil: null }),
        details: { action: 'unlock' },
      });
      return { ...user, lockedUntil: null };
    });
    void this.outbox.flush();
    return toUserView(user);
  }

  async delete(caller: Caller | null, id: string): Promise<void> {
    let revoked = NOTHING_REVOKED;
    const facts = await this.dataSource.transaction(async (manager) => {
      const user = await this.findOrFail(manager, id, true);
      if (user.superAdmin) await this.superAdmins.assertCaller(manager, caller, 'delete a Super Admin');
      await this.superAdmins.assertNotLast(manager, user, 'delete');
      revoked = await this.revocations.endEverything(manager, { type: 'USER', id });
      await manager.getRepository(UserEntity).delete({ id });
      // Gone: disabled, a newer version (a late event cannot bring it back) and none of its names in authorization's
      // read model, which keeps its bindings but must neither find it by name nor hold its address.
      const gone = { ...toSubjectFacts(user), disabled: true, version: user.version + 1, username: null, email: null, displayName: null };
      await this.outbox.add(manager, IdentityEvents.subjectChanged, gone);
      await this.audit.record(manager, caller, {
        tenantId: undefined,
        type: 'DELETE',
        resourceType: 'USER',
        resourceId: id,
        ...auditDiff({ ...toUserView(user) }, null),
      });
      return gone;
    });
    void this.outbox.flush();
    await this.factsPublisher.applyNow(facts);
    await this.revocations.publish(revoked);
  }

  async findOrFail(manager: EntityManager, id: string, lock = false): Promise<UserEntity> {
    const qb = manager.getRepository(UserEntity).createQueryBuilder('u').where('u.id = :id', { id });
    if (lock) qb.setLock('pessimistic_write');
    const user = await qb.getOne();
    if (!user) throw ProblemException.notFound(`User ${id} does not exist`);
    return user;
  }

  /**
   * Loads the user under a row lock, applies `change`, saves (bumping the version), emits the subject's
   * facts and an audit entry, all in one transaction; broadcasts what was revoked after the commit.
   * Only a Super Admin may change a Super Admin.
   */
  private async mutate(
    caller: Caller | null,
    id: string,
    type: 'UPDATE',
    change: (manager: EntityManager, user: UserEntity) => Promise<CredentialsRevoked>,
  ): Promise<UserEntity> {
    const outcome = await this.dataSource.transaction((manager) => this.mutateIn(manager, caller, id, type, change));
    await this.afterChange(outcome);
    return outcome.user;
  }

  /**
   * mutate's work in the caller's transaction (provisioning changes a user and its SCIM record at once);
   * the caller hands the outcome to afterChange once committed.
   */
  async mutateIn(
    manager: EntityManager,
    caller: Caller | null,
    id: string,
    type: 'UPDATE',
    change: (manager: EntityManager, user: UserEntity) => Promise<CredentialsRevoked>,
  ): Promise<UserChange> {
    const user = await this.findOrFail(manager, id, true);
    if (user.superAdmin && caller?.id !== user.id) await this.superAdmins.assertCaller(manager, caller, 'change a Super Admin');
    const before = toUserView(user);
    const revoked = await change(manager, user);
    const saved = await manager.getRepository(UserEntity).save(user);
    const after = toUserView(saved);
    const diff = auditDiff({ ...before, updatedAt: null }, { ...after, updatedAt: null });
    if (Object.keys(diff.after ?? {}).length === 0 && revoked === NOTHING_REVOKED) return { user: saved, revoked, factsChanged: false };
    await this.outbox.add(manager, IdentityEvents.subjectChanged, toSubjectFacts(saved));
    await this.audit.record(manager, caller, { tenantId: undefined, type, resourceType: 'USER', resourceId: id, ...diff });
    return { user: saved, revoked, factsChanged: before.superAdmin !== after.superAdmin || before.status !== after.status };
  }

  /** After the commit: the outbox flushed, authorization told of a new disabled state at once, revocations broadcast. */
  async afterChange(outcome: UserChange): Promise<void> {
    void this.outbox.flush();
    // Only a change authorization decides on (Super Admin flag, disabled) is worth a round trip.
    if (outcome.factsChanged) await this.factsPublisher.applyNow(toSubjectFacts(outcome.user));
    await this.revocations.publish(outcome.revoked);
  }

  /** Disables (ending every session and API token) or enables a user, in the caller's transaction. */
  setStatusIn(manager: EntityManager, caller: Caller | null, id: string, active: boolean): Promise<UserChange> {
    return this.mutateIn(manager, caller, id, 'UPDATE', (m, user) => this.applyStatus(m, user, active));
  }

  /** Inside a mutateIn change: the user's new status, and what disabling it revokes. */
  async applyStatus(manager: EntityManager, user: UserEntity, active: boolean): Promise<CredentialsRevoked> {
    if (active) {
      user.status = 'ACTIVE';
      return NOTHING_REVOKED;
    }
    if (user.status === 'DISABLED') return NOTHING_REVOKED;
    await this.superAdmins.assertNotLast(manager, user, 'disable');
    user.status = 'DISABLED';
    return this.revocations.endEverything(manager, { type: 'USER', id: user.id });
  }

  /**
   * A user created by provisioning (SCIM) or just in time by an identity provider (`federated`: no password, the
   * address verified when the provider vouches for it), in the caller's transaction: the directory's password if it syncs
   * one, else none (they sign in through their directory's federation, or set one with a reset link once their
   * address is verified), the address
   * unverified and a confirmation link sent, as for any new account. 409 when the username or email is taken.
   */
  async insertProvisioned(
    manager: EntityManager, caller: Caller | null,
    account: { username: string; email: string | null; firstName: string | null; lastName: string | null; passwordHash: string | null },
    federated: { emailVerified: boolean } | null = null,
  ): Promise<UserEntity> {
    const repo = manager.getRepository(UserEntity);
    const saved = await repo.save(
      repo.create({
        ...account, superAdmin: false, status: 'ACTIVE', mustChangePassword: false, emailVerified: federated?.emailVerified ?? false, pendingEmail: null,
        // A user an identity provider created just in time signs in through it only (docs/federation.md).
        passwordSignIn: federated === null,
      }),
    );
    if (account.email && !saved.emailVerified) await this.emailLinks.issue(manager, saved, account.email, 'VERIFY', 'ACCOUNT_CREATED');
    await this.outbox.add(manager, IdentityEvents.subjectChanged, toSubjectFacts(saved));
    await this.audit.record(manager, caller, {
      tenantId: undefined, type: 'CREATE', resourceType: 'USER', resourceId: saved.id, ...auditDiff(null, { ...toUserView(saved) }),
    });
    return saved;
  }

  /** A password a directory provisions, judged by the password policy like any other (400 naming `password`). */
  async provisionedPasswordHash(password: string): Promise<string> {
    const check = this.policy.validate(password);
    if (!check.valid) throw ProblemException.validation(check.errors.map((message) => ({ field: 'password', message })));
    return this.hasher.hash(password);
  }

  /** Tells authorization of a new user at once (a SCIM client adds it to a group right after creating it). */
  announce(user: UserEntity): Promise<void> {
    void this.outbox.flush();
    return this.factsPublisher.applyNow(toSubjectFacts(user));
  }

  private async insert(manager: EntityManager, caller: Caller | null, request: CreateUserRequest, superAdmin: boolean): Promise<UserEntity> {
    const email = request.email ?? (isEmail(request.username) ? request.username : undefined);
    if (!email) {
      throw ProblemException.validation([{ field: 'email', message: 'email is required when the username is not an email address' }]);
    }
    const check = this.policy.validate(request.password);
    if (!check.valid) {
      throw ProblemException.validation(check.errors.map((message) => ({ field: 'password', message })));
    }
    const repo = manager.getRepository(UserEntity);
    const clash = await repo
      .createQueryBuilder('u')
      .where('lower(u.username) IN (lower(:username), lower(:email)) OR lower(u.email) IN (lower(:username), lower(:email))', {
        username: request.username,
        email,
      })
      .getOne();
    if (clash) throw ProblemException.conflict('A user with this username or email already exists');
    const user = repo.create({
      username: request.username,
      email,
      firstName: request.firstName ?? null,
      lastName: request.lastName ?? null,
      passwordHash: await this.hasher.hash(request.password),
      superAdmin,
      status: 'ACTIVE',
      mustChangePassword: false,
      emailVerified: request.emailVerified ?? false,
      pendingEmail: null,
    });
    const saved = await repo.save(user);
    if (!saved.emailVerified) await this.emailLinks.issue(manager, saved, email, 'VERIFY', 'ACCOUNT_CREATED');
    await this.outbox.add(manager, IdentityEvents.subjectChanged, toSubjectFacts(saved));
    await this.outbox.add(manager, IdentityNotificationEvents.userCreated, {
      userId: saved.id,
      email,
      username: saved.username,
      firstName: saved.firstName,
    });
    await this.audit.record(manager, caller, {
      tenantId: undefined,
      type: 'CREATE',
      resourceType: 'USER',
      resourceId: saved.id,
      ...auditDiff(null, { ...toUserView(saved) }),
    });
    return saved;
  }
}
