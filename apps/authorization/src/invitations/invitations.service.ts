import {
  AcceptedInvitation, AcceptInvitationRequest, AuthorizationNotificationEvents, Caller, CreateInvitationRequest, IdentityRpc,
  InvitationView, ListInvitationsRequest, Page,
} from '@gatehouse/contracts';
import { hashToken, likePattern, LinkTokenSealer, newOpaqueToken, nullSafeEquals } from '@gatehouse/database';
import { ProblemException } from '@gatehouse/errors';
import { AuditRecorder, Outbox } from '@gatehouse/durable-events';
import { RpcClient } from '@gatehouse/messaging';
import { asksStepUp, assertGroupStepUp, stepUpRequired } from '../common/step-up';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuthorizationEnv } from '../authorization.env';
import { BindingsService } from '../bindings/bindings.service';
import { SubjectDirectory } from '../subjects/subject-directory';
import { TenantJoin } from '../tenants/tenant-join';
import { normaliseNamespaces } from '../common/namespaces';
import { pageOf } from '../common/sql';
import { InvalidationBus } from '../invalidation/invalidation-bus';
import { AccessGains } from '../grants/access-gains';
import { AccessGain, GrantGuard } from '../grants/grant-guard';
import { GroupsService } from '../groups/groups.service';
import { RolesService } from '../roles/roles.service';
import { LiveTenants } from '../tenants/live-tenants';
import { InvitationEntity } from './invitation.entity';
import { SERVICE } from '../service-name';

const SORTABLE = { createdAt: 'i.createdAt', email: 'i.email', expiresAt: 'i.expiresAt' };
/** Grants of an accepted invitation were checked against the inviter when it was created. */
const ACCEPTANCE: Caller = { type: 'SERVICE', id: SERVICE, via: 'internal' };


function toView(i: InvitationEntity, link?: string): InvitationView {
  const expired = i.status === 'PENDING' && i.expiresAt.getTime() <= Date.now();
  return {
    id: i.id,
    tenantId: i.tenantId,
    email: i.email,
    roles: i.roles,
    groupIds: i.groupIds,
    status: expired ? 'EXPIRED' : i.status,
    expiresAt: i.expiresAt.toISOString(),
    invitedBy: i.invitedBy,
    acceptedBy: i.acceptedBy,
    acceptedAt: i.acceptedAt?.toISOString() ?? null,
    createdAt: i.createdAt.toISOString(),
    ...(link ? { link } : {}),
  };
}

/**
 * Invitations to a tenant: email, roles (with namespaces) and groups; PENDING until accepted, EXPIRED
 * after INVITATION_TTL_HOURS. The single-use token (256 random bits) goes out once through the outbox,
 * sealed with LINK_TOKEN_ENCRYPTION_KEYS (notification opens it to email the link), and in the creation
 * answer (for instances without SMTP); only its hash is kept.
 */
@Injectable()
export class InvitationsService {
  private readonly logger = new Logger('Invitations');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly env: AuthorizationEnv,
    private readonly audit: AuditRecorder,
    private readonly outbox: Outbox,
    private readonly rpc: RpcClient,
    private readonly guard: GrantGuard,
    private readonly gains: AccessGains,
    private readonly roles: RolesService,
    private readonly groups: GroupsService,
    private readonly bindings: BindingsService,
    private readonly directory: SubjectDirectory,
    private readonly invalidation: InvalidationBus,
    private readonly liveTenants: LiveTenants,
    private readonly join: TenantJoin,
    private readonly linkTokens: LinkTokenSealer,
  ) {}

  async list(tenantId: string | null, query: ListInvitationsRequest): Promise<Page<InvitationView>> {
    const page = pageOf(query, SORTABLE, 'createdAt:desc');
    const qb = this.dataSource.getRepository(InvitationEntity).createQueryBuilder('i').where(nullSafeEquals('i.tenantId', ':tenantId'), { tenantId });
    if (query.q) qb.andWhere('i.email ILIKE :q', { q: likePattern(query.q) });
    if (query.status === 'ACCEPTED') qb.andWhere(`i.status = 'ACCEPTED'`);
    if (query.status === 'PENDING') qb.andWhere(`i.status = 'PENDING' AND i.expiresAt > now()`);
    if (query.status === 'EXPIRED') qb.andWhere(`i.status = 'PENDING' AND i.expiresAt <= now()`);
    const [rows, total] = await qb
      .orderBy(SORTABLE[page.sortField as keyof typeof SORTABLE], page.sortDir)
      .skip(page.offset)
      .take(page.size)
      .getManyAndCount();
    return { results: rows.map((r) => toView(r)), total, page: page.page, size: page.size };
  }

  async get(tenantId: string | null, id: string): Promise<InvitationView> {
    return toView(await this.find(tenantId, id));
  }

  async create(caller: Caller | null, tenantId: string | null, request: CreateInvitationRequest): Promise<InvitationView> {
    if (!this.liveTenants.isLive(tenantId)) throw ProblemException.notFound('This tenant does not exist');
    const email = request.email.trim().toLowerCase();
    const token = newOpaqueToken();
    const expiresAt = new Date(Date.now() + this.env.INVITATION_TTL_HOURS * 3600_000);
    const saved = await this.dataSource.transaction(async (manager) => {
      const roles = [];
      for (const [i, grant] of (request.roles ?? []).entries()) {
        const role = await this.roles.find(manager, tenantId, grant.roleId).catch((error: unknown) => {
          throw error instanceof ProblemException ? ProblemException.validation([{ field: `roles[${i}].roleId`, message: error.problem.detail ?? 'unknown role' }]) : error;
        });
        // The grant happens at acceptance, under no caller who could be asked: the inviter steps up now.
        if (caller?.stepUpRequired && asksStepUp(role)) throw stepUpRequired(role.name);
        const namespaces = normaliseNamespaces(grant.namespaces);
        this.guard.assertScopeRule(`role "${role.name}"`, role.permissions, namespaces);
        roles.push({ roleId: role.id, namespaces });
      }
      for (const [i, groupId] of (request.groupIds ?? []).entries()) {
        await this.groups.get(tenantId, groupId, manager).catch(() => {
          throw ProblemException.validation([{ field: `groupIds[${i}]`, message: `group ${groupId} does not exist in this tenant` }]);
        });
        await assertGroupStepUp(manager, caller, groupId);
      }
      // The invitee may have no account yet: it is judged as someone who holds nothing and joins the tenant.
      await this.guard.assertMayChange(caller, {
        scope: 'TENANT',
        tenantId,
        requires: [...(roles.length > 0 ? [['BINDING', 'CREATE'] as const] : []), ...(request.groupIds?.length ? [['GROUP_MEMBERSHIP', 'CREATE'] as const] : [])],
        gains: await this.gainsOf(manager, tenantId, { roles, groupIds: request.groupIds ?? [] }, [], true),
      }, manager);
      const repo = manager.getRepository(InvitationEntity);
      const invitation = await repo.save(
        repo.create({
          tenantId, email, tokenHash: hashToken(token), roles, groupIds: [...new Set(request.groupIds ?? [])], status: 'PENDING',
          expiresAt, invitedBy: caller && caller.type !== 'SERVICE' ? caller.id : null, acceptedBy: null, acceptedAt: null,
        }),
      );
      await this.outbox.add(manager, AuthorizationNotificationEvents.invitationCreated, {
        invitationId: invitation.id, tenantId, email, sealedToken: this.linkTokens.seal(token, 'invitation', invitation.id), expiresAt: expiresAt.toISOString(), invitedBy: invitation.invitedBy,
      });
      await this.audit.record(manager, caller, {
        tenantId, type: 'CREATE', resourceType: 'INVITATION', resourceId: invitation.id, before: null,
        after: { email, roles, groupIds: invitation.groupIds, expiresAt: expiresAt.toISOString() },
      });
      return invitation;
    });
    void this.outbox.flush();
    return toView(saved, this.linkFor(token));
  }

  async delete(caller: Caller | null, tenantId: string | null, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const invitation = await this.find(tenantId, id);
      await manager.getRepository(InvitationEntity).delete({ id });
      await this.audit.record(manager, caller, {
        tenantId, type: 'DELETE', resourceType: 'INVITATION', resourceId: id, before: { email: invitation.email, status: invitation.status }, after: null,
      });
    });
  }

  /**
   * Public: the token proves the invitee received the email. An existing account (same email) gets the
   * access; otherwise the person's account is created first (username and password required).
   */
  async accept(request: AcceptInvitationRequest): Promise<AcceptedInvitation> {
    const tokenHash = hashToken(request.token);
    const pending = await this.dataSource.getRepository(InvitationEntity).findOneBy({ tokenHash });
    this.assertUsable(pending);
    const invitation = pending as InvitationEntity;
    if (!this.liveTenants.isLive(invitation.tenantId)) throw ProblemException.notFound('This invitation is not valid');
    let user = await this.directory.findUserByEmail(invitation.email);
    let created = false;
    if (!user) {
      const missing = (['username', 'password'] as const).filter((f) => !request[f]);
      if (missing.length > 0) {
        throw ProblemException.validation(missing.map((field) => ({ field, message: `${field} is required to create the invited account` })));
      }
      user = await this.rpc.internal(SERVICE, IdentityRpc.createUser, {
        // The invitation's token reached this address: it is verified from the start.
        username: request.username as string, password: request.password as string, email: invitation.email, emailVerified: true,
        ...(request.firstName ? { firstName: request.firstName } : {}), ...(request.lastName ? { lastName: request.lastName } : {}),
      });
      created = true;
    }
    const userId = user.id;
    await this.dataSource.transaction(async (manager) => {
      const locked = await manager
        .getRepository(InvitationEntity)
        .createQueryBuilder('i')
        .setLock('pessimistic_write')
        .where('i.id = :id', { id: invitation.id })
        .getOne();
      this.assertUsable(locked);
      const tenantId = invitation.tenantId;
      // The grants are the inviter's to give: judged again, on what the inviter holds now.
      const inviter: Caller = invitation.invitedBy ? { type: 'USER', id: invitation.invitedBy } : ACCEPTANCE;
      const newcomer = await this.join.isNewcomer(manager, tenantId, { type: 'USER', id: userId });
      await this.guard.assertMayChange(inviter, { scope: 'TENANT', tenantId, gains: await this.gainsOf(manager, tenantId, invitation, [userId], newcomer) }, manager);
      for (const groupId of invitation.groupIds) {
        await this.groups.addMemberIn(manager, ACCEPTANCE, tenantId, groupId, 'USER', userId).catch((error: unknown) => {
          if (!(error instanceof ProblemException && error.problem.status === 404)) throw error; // group deleted since
        });
      }
      for (const grant of invitation.roles) {
        await this.bindings.grant(manager, ACCEPTANCE, tenantId, { roleId: grant.roleId, subjectType: 'USER', subjectId: userId, namespaces: grant.namespaces })
          .catch((error: unknown) => {
            if (!(error instanceof ProblemException && [404, 409].includes(error.problem.status))) throw error; // role deleted, already granted
          });
      }
      await manager.update(InvitationEntity, { id: invitation.id }, { status: 'ACCEPTED', acceptedBy: userId, acceptedAt: new Date() });
      await this.audit.record(manager, { type: 'USER', id: userId }, {
        tenantId, type: 'UPDATE', resourceType: 'INVITATION', resourceId: invitation.id,
        before: { status: 'PENDING' }, after: { status: 'ACCEPTED', acceptedBy: userId }, details: { accountCreated: created },
      });
    });
    await this.invalidation.publish([userId]);
    if (!created) {
      // An existing account with the invited address: the accepted link proves it receives mail there.
      await this.rpc.internal(SERVICE, IdentityRpc.markEmailVerified, { userId, email: invitation.email }).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'Could not mark the invitee\'s email verified');
      });
    }
    return { tenantId: invitation.tenantId, userId, created };
  }

  /** What the invitation gives: its roles, its groups' bindings, and the default role to a newcomer. */
  private async gainsOf(
    manager: EntityManager, tenantId: string | null, invitation: Pick<InvitationEntity, 'roles' | 'groupIds'>, recipients: string[], newcomer: boolean,
  ): Promise<AccessGain[]> {
    const unknown = recipients.length === 0;
    const gains: AccessGain[] = [];
    for (const grant of invitation.roles) {
      const role = await this.roles.find(manager, tenantId, grant.roleId).catch(() => null); // deleted since: nothing to give
      if (role) gains.push({ source: `role "${role.name}"`, grid: role.permissions, namespaces: grant.namespaces, recipients, newcomers: unknown });
    }
    for (const groupId of invitation.groupIds) gains.push(...(await this.gains.ofGroup(manager, groupId, recipients, unknown)));
    if (newcomer) gains.push(...(await this.gains.ofDefaultRole(manager, tenantId, recipients, unknown)));
    return gains;
  }

  private assertUsable(invitation: InvitationEntity | null): void {
    if (!invitation) throw ProblemException.notFound('This invitation is not valid');
    if (invitation.status === 'ACCEPTED') throw ProblemException.conflict('This invitation has already been accepted');
    if (invitation.expiresAt.getTime() <= Date.now()) throw ProblemException.conflict('This invitation has expired; ask for a new one');
  }

  private async find(tenantId: string | null, id: string): Promise<InvitationEntity> {
    const invitation = await this.dataSource
      .getRepository(InvitationEntity)
      .createQueryBuilder('i')
      .where(`i.id = :id AND ${nullSafeEquals('i.tenantId', ':tenantId')}`, { id, tenantId })
      .getOne();
    if (!invitation) throw ProblemException.notFound(`Invitation ${id} does not exist in this tenant`);
    return invitation;
  }

  private linkFor(token: string): string {
    return `${this.env.INVITATION_LINK_BASE}?token=${encodeURIComponent(token)}`;
  }
}
