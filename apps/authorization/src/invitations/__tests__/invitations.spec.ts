import { randomBytes } from 'node:crypto';
import { AuthorizationNotificationEvents, Caller, InvitationCreated, PermissionGrid } from '@gatehouse/contracts';
import { hashToken, LinkTokenSealer, UnreadableLinkToken } from '@gatehouse/database';
import { AuditRecorder, Outbox } from '@gatehouse/durable-events';
import { ProblemException } from '@gatehouse/errors';
import { RpcClient } from '@gatehouse/messaging';
import { DataSource, EntityManager } from 'typeorm';
import { AuthorizationEnv } from '../../authorization.env';
import { BindingsService } from '../../bindings/bindings.service';
import { DecisionService } from '../../decisions/decision.service';
import { GrantLoader } from '../../decisions/grant-loader';
import { AccessGains } from '../../grants/access-gains';
import { AccessChange, GrantGuard } from '../../grants/grant-guard';
import { GroupsService } from '../../groups/groups.service';
import { InvalidationBus } from '../../invalidation/invalidation-bus';
import { RoleEntity } from '../../roles/role.entity';
import { RolesService } from '../../roles/roles.service';
import { SubjectDirectory } from '../../subjects/subject-directory';
import { SubjectFactsService } from '../../subjects/subject-facts.service';
import { LiveTenants } from '../../tenants/live-tenants';
import { TenantJoin } from '../../tenants/tenant-join';
import { InvitationEntity } from '../invitation.entity';
import { InvitationsService } from '../invitations.service';
import { problemOf } from '@gatehouse/testing';

const T = 'acme';
const inviter: Caller = { type: 'USER', id: 'inviter' };
const EDITOR: PermissionGrid = { FLOW: ['READ', 'UPDATE'] };
const OPS_GROUP: PermissionGrid = { EXECUTION: ['CREATE'] };
const JOINERS: PermissionGrid = { APP: ['READ'] };

const LINK_TOKENS = new LinkTokenSealer(`links1:${randomBytes(32).toString('base64')}`);

const roleEntity = (id: string, name: string, permissions: PermissionGrid, managed = false): RoleEntity =>
  Object.assign(new RoleEntity(), { id, scope: 'TENANT', tenantId: T, name, permissions, managed });

/**
 * An InvitationsService over a tenant with the roles `editor` and `admin` (`gone` was deleted), the group
 * `ops` (bound to one role) and a default role; the real AccessGains read them through the manager. The guard
 * records the changes it is asked to judge, with the caller; grants made on acceptance are recorded too.
 */
function invitationsOver(options: { stored?: Partial<InvitationEntity>; existingUser?: boolean; newcomer?: boolean } = {}) {
  const judged: Array<{ caller: Caller | null; change: AccessChange }> = [];
  const applied: string[] = [];
  const stored = Object.assign(new InvitationEntity(), {
    id: 'i1', tenantId: T, email: 'new@example.com', tokenHash: hashToken('secret'), roles: [], groupIds: [], status: 'PENDING',
    expiresAt: new Date(Date.now() + 3600_000), invitedBy: 'inviter', acceptedBy: null, acceptedAt: null, createdAt: new Date(),
    ...options.stored,
  });
  const roles = new Map([['editor', roleEntity('editor', 'Editor', EDITOR)], ['admin', roleEntity('admin', 'Admin', { ROLE: ['CREATE'] }, true)]]);
  const queryBuilder = { where: () => queryBuilder, setLock: () => queryBuilder, getOne: async () => stored };
  const repository = {
    create: (values: Partial<InvitationEntity>) => Object.assign(new InvitationEntity(), { id: 'i2', createdAt: new Date(), ...values }),
    save: async (i: InvitationEntity) => i,
    findOneBy: async ({ tokenHash }: { tokenHash: string }) => (tokenHash === stored.tokenHash ? stored : null),
    createQueryBuilder: () => queryBuilder,
  };
  const manager = {
    getRepository: () => repository,
    update: async () => undefined,
    query: async (sql: string, params?: unknown[]) => {
      // The step-up read: does the group hold a managed Admin or Instance Admin? (`ops` holds Launcher, `admins` Admin.)
      if (sql.includes('r.managed AND r.name = ANY')) return params?.[0] === 'admins' ? [{ role_name: 'Admin', group_name: 'admins' }] : [];
      if (sql.includes('JOIN "authorization".groups g')) return [{ namespaces: null, role_name: 'Launcher', permissions: OPS_GROUP, group_name: 'ops' }];
      if (sql.includes('is_default')) return [{ name: 'Joiner', permissions: JOINERS }];
      throw new Error(`unexpected query ${sql}`);
    },
  } as unknown as EntityManager;
  const dataSource = { manager, getRepository: () => repository, transaction: (work: (m: EntityManager) => unknown) => work(manager) } as unknown as DataSource;
  const guard = new GrantGuard({} as DataSource, {} as DecisionService, {} as GrantLoader, {} as SubjectFactsService);
  jest.spyOn(guard, 'assertMayChange').mockImplementation(async (caller, change) => {
    judged.push({ caller, change });
  });
  const rolesService = {
    find: async (_m: EntityManager, _t: string | null, id: string) => {
      const role = roles.get(id);
      if (!role) throw ProblemException.notFound(`Role ${id} does not exist in this tenant`);
      return role;
    },
  } as unknown as RolesService;
  const groups = {
    get: async (_t: string | null, id: string) => {
      if (id !== 'ops' && id !== 'admins') throw ProblemException.notFound('no such group');
      return {};
    },
    addMemberIn: async (_m: EntityManager, caller: Caller, _t: string | null, groupId: string, _type: string, userId: string) => {
      applied.push(`${caller.type}: ${userId} joins ${groupId}`);
      return {};
    },
  } as unknown as GroupsService;
  const bindings = {
    grant: async (_m: EntityManager, caller: Caller, _t: string | null, item: { roleId: string; subjectId: string }) => {
      applied.push(`${caller.type}: ${item.subjectId} gets ${item.roleId}`);
      if (!roles.has(item.roleId)) throw ProblemException.notFound('role deleted');
      return {};
    },
  } as unknown as BindingsService;
  const directory = {
    findUserByEmail: async () => (options.existingUser === false ? null : { id: 'u9' }),
  } as unknown as SubjectDirectory;
  const rpc = { internal: async () => ({ id: 'created-user' }) } as unknown as RpcClient;
  const join = { isNewcomer: async () => options.newcomer ?? true } as unknown as TenantJoin;
  const events: Array<{ subject: string; data: unknown }> = [];
  const audited: unknown[] = [];
  const outbox = { add: async (_m: EntityManager, definition: { subject: string }, data: unknown) => void events.push({ subject: definition.subject, data }), flush: async () => undefined };
  const service = new InvitationsService(
    dataSource, new AuthorizationEnv(), { record: async (_m: EntityManager, _c: Caller, entry: unknown) => void audited.push(entry) } as unknown as AuditRecorder,
    outbox as unknown as Outbox, rpc, guard, new AccessGains(), rolesService, groups,
    bindings, directory, { publish: async () => undefined } as unknown as InvalidationBus, { isLive: () => true } as unknown as LiveTenants, join, LINK_TOKENS,
  );
  return { service, judged, applied, events, audited };
}

describe('InvitationsService: what an invitation gives', () => {
  it("emails the link's secret sealed (LINK_TOKEN_ENCRYPTION_KEYS), bound to the invitation: never in the clear in its event or audit entry", async () => {
    const { service, events, audited } = invitationsOver();
    const view = await service.create(inviter, T, { email: 'new@example.com' });
    const token = new URL(view.link as string).searchParams.get('token') as string;
    expect(events.map((e) => e.subject)).toEqual([AuthorizationNotificationEvents.invitationCreated.subject]);
    const event = events[0].data as InvitationCreated;
    expect(event).toMatchObject({ invitationId: view.id, email: 'new@example.com', sealedToken: { ciphertext: expect.stringMatching(/^v1\./), keyId: 'links1' } });
    expect(JSON.stringify([events, audited])).not.toContain(token);
    expect(LINK_TOKENS.open(event.sealedToken, 'invitation', view.id)).toBe(token);
    expect(() => LINK_TOKENS.open(event.sealedToken, 'invitation', 'another-invitation')).toThrow(UnreadableLinkToken);
  });

  it('on creation, judges the invitee as someone who holds nothing and joins the tenant (roles, groups, default role)', async () => {
    const { service, judged } = invitationsOver();
    const view = await service.create(inviter, T, {
      email: ' New@Example.com ', roles: [{ roleId: 'editor', namespaces: ['a.b.c', 'a.b'] }], groupIds: ['ops'],
    });
    expect(view).toMatchObject({ email: 'new@example.com', roles: [{ roleId: 'editor', namespaces: ['a.b'] }], groupIds: ['ops'], status: 'PENDING' });
    expect(view.link).toMatch(/\?token=.+/);
    expect(judged).toEqual([
      {
        caller: inviter,
        change: {
          scope: 'TENANT', tenantId: T,
          requires: [['BINDING', 'CREATE'], ['GROUP_MEMBERSHIP', 'CREATE']],
          gains: [
            { source: 'role "Editor"', grid: EDITOR, namespaces: ['a.b'], recipients: [], newcomers: true },
            { source: 'group "ops" (role "Launcher")', grid: OPS_GROUP, namespaces: null, recipients: [], newcomers: true },
            { source: 'the default role "Joiner"', grid: JOINERS, namespaces: null, recipients: [], newcomers: true },
          ],
        },
      },
    ]);
  });

  it('on creation, asks an inviter without a recent second factor to step up before offering Admin, directly or through a group (401); others pass', async () => {
    const stale: Caller = { ...inviter, stepUpRequired: true };
    const { service, judged } = invitationsOver();
    await expect(service.create(stale, T, { email: 'a@example.com', roles: [{ roleId: 'admin' }] })).rejects.toMatchObject({
      problem: { status: 401, type: expect.stringMatching(/step-up-required$/) },
    });
    await expect(service.create(stale, T, { email: 'a@example.com', groupIds: ['admins'] })).rejects.toMatchObject({
      problem: { status: 401, detail: expect.stringContaining('Admin through group "admins"') },
    });
    expect(judged).toEqual([]);
    await expect(service.create(stale, T, { email: 'a@example.com', roles: [{ roleId: 'editor' }], groupIds: ['ops'] })).resolves.toMatchObject({ status: 'PENDING' });
    await expect(service.create(inviter, T, { email: 'a@example.com', roles: [{ roleId: 'admin' }] })).resolves.toMatchObject({ status: 'PENDING' });
  });

  it('on creation, names the unknown role or group field and applies the scope rule (422)', async () => {
    const { service, judged } = invitationsOver();
    expect(await problemOf(service.create(inviter, T, { email: 'a@b.c', roles: [{ roleId: 'nope', namespaces: null }] }))).toMatchObject({
      status: 400, errors: [expect.objectContaining({ field: 'roles[0].roleId' })],
    });
    expect(await problemOf(service.create(inviter, T, { email: 'a@b.c', groupIds: ['ops', 'nope'] }))).toMatchObject({
      status: 400, errors: [expect.objectContaining({ field: 'groupIds[1]' })],
    });
    expect(await problemOf(service.create(inviter, T, { email: 'a@b.c', roles: [{ roleId: 'admin', namespaces: ['a'] }] }))).toMatchObject({
      status: 422, rule: 'tenant-level-permission-in-namespaced-binding',
    });
    expect(judged).toEqual([]);
  });

  it('on acceptance, judges again what the accepting user gains against the inviter, then grants it as the service', async () => {
    const { service, judged, applied } = invitationsOver({
      stored: { roles: [{ roleId: 'editor', namespaces: ['a'] }, { roleId: 'gone', namespaces: null }], groupIds: ['ops'] },
    });
    expect(await service.accept({ token: 'secret' })).toEqual({ tenantId: T, userId: 'u9', created: false });
    expect(judged).toEqual([
      {
        caller: inviter,
        change: {
          scope: 'TENANT', tenantId: T,
          gains: [
            // The deleted role gives nothing.
            { source: 'role "Editor"', grid: EDITOR, namespaces: ['a'], recipients: ['u9'], newcomers: false },
            { source: 'group "ops" (role "Launcher")', grid: OPS_GROUP, namespaces: null, recipients: ['u9'], newcomers: false },
            { source: 'the default role "Joiner"', grid: JOINERS, namespaces: null, recipients: ['u9'], newcomers: false },
          ],
        },
      },
    ]);
    expect(applied).toEqual(['SERVICE: u9 joins ops', 'SERVICE: u9 gets editor', 'SERVICE: u9 gets gone']);
  });

  it('on acceptance, no default role for someone already in the tenant; an invitation without an inviter is the service\'s', async () => {
    const { service, judged } = invitationsOver({ stored: { roles: [{ roleId: 'editor', namespaces: null }], invitedBy: null }, newcomer: false });
    await service.accept({ token: 'secret' });
    expect(judged).toEqual([
      {
        caller: { type: 'SERVICE', id: 'authorization', via: 'internal' },
        change: { scope: 'TENANT', tenantId: T, gains: [{ source: 'role "Editor"', grid: EDITOR, namespaces: null, recipients: ['u9'], newcomers: false }] },
      },
    ]);
  });

  it('refuses an unknown token (404), an accepted or expired invitation (409), and a new account without username and password (400)', async () => {
    expect(await problemOf(invitationsOver().service.accept({ token: 'other' }))).toMatchObject({ status: 404 });
    expect(await problemOf(invitationsOver({ stored: { status: 'ACCEPTED' } }).service.accept({ token: 'secret' }))).toMatchObject({ status: 409 });
    expect(await problemOf(invitationsOver({ stored: { expiresAt: new Date(Date.now() - 1) } }).service.accept({ token: 'secret' }))).toMatchObject({ status: 409 });
    expect(await problemOf(invitationsOver({ existingUser: false }).service.accept({ token: 'secret' }))).toMatchObject({
      status: 400, errors: [expect.objectContaining({ field: 'username' }), expect.objectContaining({ field: 'password' })],
    });
  });
});
