import { Caller, PermissionGrid } from '@gatehouse/contracts';
import { AuditRecorder } from '@gatehouse/durable-events';
import { ProblemException } from '@gatehouse/errors';
import { RpcClient } from '@gatehouse/messaging';
import { DataSource, EntityManager } from 'typeorm';
import { DecisionService } from '../../decisions/decision.service';
import { GrantLoader } from '../../decisions/grant-loader';
import { AccessGains } from '../../grants/access-gains';
import { AccessChange, GrantGuard } from '../../grants/grant-guard';
import { InvalidationBus } from '../../invalidation/invalidation-bus';
import { SubjectDirectory } from '../../subjects/subject-directory';
import { SubjectFactsService } from '../../subjects/subject-facts.service';
import { LiveTenants } from '../../tenants/live-tenants';
import { TenantJoin } from '../../tenants/tenant-join';
import { GroupEntity } from '../group.entity';
import { GroupsService } from '../groups.service';

const T = 'acme';
const admin: Caller = { type: 'USER', id: 'admin' };
const OPS: PermissionGrid = { EXECUTION: ['CREATE'] };
const JOINERS: PermissionGrid = { APP: ['READ'] };

/**
 * A GroupsService over group `g1` of tenant acme (bound to role Launcher, on namespace a; users u1 and u2
 * are its user members) and a default role; the real AccessGains. The guard records what it judges and which accounts
 * it is asked to reach; `already` makes the membership exist already; `adminGroup` binds the group to the managed Admin too.
 */
function groupsOver(options: { newcomer?: boolean; already?: boolean; adminGroup?: boolean } = {}) {
  const judged: AccessChange[] = [];
  const log: string[] = [];
  const group = Object.assign(new GroupEntity(), { id: 'g1', tenantId: T, name: 'ops', description: null });
  const queryBuilder = { where: () => queryBuilder, setLock: () => queryBuilder, getOne: async () => group };
  const manager = {
    getRepository: () => ({ createQueryBuilder: () => queryBuilder }),
    query: async (sql: string, params: unknown[] = []) => {
      if (sql.includes('r.managed')) {
        log.push('step-up read');
        return options.adminGroup ? [{ role_name: 'Admin', group_name: 'ops' }] : [];
      }
      if (sql.includes('JOIN "authorization".groups g ON g.id = b.subject_id')) return [{ namespaces: ['a'], role_name: 'Launcher', permissions: OPS, group_name: 'ops' }];
      if (sql.includes('is_default')) return [{ name: 'Joiner', permissions: JOINERS }];
      if (sql.includes('INSERT INTO "authorization".group_members')) {
        return options.already ? [] : (params[2] as string[]).map((id) => ({ group_id: params[0], member_type: params[1], member_id: id, created_at: new Date(0) }));
      }
      if (sql.includes(`member_type = 'USER'`)) return [{ member_id: 'u1' }, { member_id: 'u2' }];
      throw new Error(`unexpected query ${sql}`);
    },
  } as unknown as EntityManager;
  const dataSource = { manager, query: manager.query, transaction: (work: (m: EntityManager) => unknown) => work(manager) } as unknown as DataSource;
  const guard = new GrantGuard({} as DataSource, {} as DecisionService, {} as GrantLoader, {} as SubjectFactsService);
  jest.spyOn(guard, 'assertMayChange').mockImplementation(async (_caller, change) => void judged.push(change));
  jest.spyOn(guard, 'assertAccountsWithinReach').mockImplementation(async (_caller, ids) => void log.push(`reach ${ids}`));
  const join = {
    newcomersAmong: async (_m: EntityManager, _t: string | null, _type: string, ids: string[]) => (options.newcomer ? ids : []),
    welcomeAll: async (_m: EntityManager, _c: Caller, _t: string | null, ids: string[]) => void ids.forEach((id) => log.push(`welcome ${id}`)),
  } as unknown as TenantJoin;
  const directory = { assertAllExist: async () => undefined, users: async () => new Map(), typeOf: async () => 'USER' } as unknown as SubjectDirectory;
  const rpc = { request: async (_subject: unknown, request: { data: { userIds: string[] } }) => ({ requested: request.data.userIds.length }) } as unknown as RpcClient;
  const service = new GroupsService(
    dataSource, { record: async () => undefined, recordAll: async () => undefined } as unknown as AuditRecorder,
    { publish: async (ids: string[]) => void log.push(`invalidate ${ids}`) } as unknown as InvalidationBus,
    directory, join, { isLive: () => true } as unknown as LiveTenants, rpc, guard, new AccessGains(),
  );
  jest.spyOn(service, 'get').mockResolvedValue({} as never);
  return { service, judged, log, manager };
}

describe('GroupsService: what joining a group gives', () => {
  it('a new member gets every binding of the group, judged with GROUP_MEMBERSHIP:CREATE', async () => {
    const { service, judged, log } = groupsOver();
    const view = await service.addMember(admin, T, 'g1', 'USER', 'u1');
    expect(view).toMatchObject({ groupId: 'g1', memberType: 'USER', memberId: 'u1' });
    expect(judged).toEqual([
      {
        scope: 'TENANT', tenantId: T, requires: [['GROUP_MEMBERSHIP', 'CREATE']],
        gains: [{ source: 'group "ops" (role "Launcher")', grid: OPS, namespaces: ['a'], recipients: ['u1'], newcomers: false }],
      },
    ]);
    expect(log).toEqual(['invalidate u1']);
  });

  it('a newcomer to the tenant also gets (and is judged for) the default role', async () => {
    const { service, judged, log } = groupsOver({ newcomer: true });
    await service.addMember(admin, T, 'g1', 'USER', 'u1');
    expect(judged[0].gains.map((g) => g.source)).toEqual(['group "ops" (role "Launcher")', 'the default role "Joiner"']);
    expect(log).toEqual(['welcome u1', 'invalidate u1']);
  });

  it('several members at once (provisioning) are judged by one guard call that reaches each of them', async () => {
    const { service, judged, log, manager } = groupsOver({ newcomer: true });
    const rows = await service.addMembersIn(manager, admin, T, 'g1', 'USER', ['u1', 'u2']);
    expect(rows.map((r) => r.member_id)).toEqual(['u1', 'u2']);
    expect(judged).toHaveLength(1);
    expect(judged[0].gains.map((g) => [g.source, g.recipients])).toEqual([
      ['group "ops" (role "Launcher")', ['u1', 'u2']],
      ['the default role "Joiner"', ['u1', 'u2']],
    ]);
    expect(log).toEqual(['welcome u1', 'welcome u2']);
  });

  it('an existing member is a conflict (409)', async () => {
    const { service } = groupsOver({ already: true });
    await expect(service.addMember(admin, T, 'g1', 'USER', 'u1')).rejects.toThrow(ProblemException);
    await expect(service.addMember(admin, T, 'g1', 'USER', 'u1')).rejects.toMatchObject({ problem: { status: 409 } });
  });

  it('a group password reset must reach every user member (tenant boundary) before identity is asked', async () => {
    const { service, log } = groupsOver();
    expect(await service.requestPasswordReset(admin, T, 'g1')).toEqual({ requested: 2 });
    expect(log).toEqual(['reach u1,u2']);
  });
});

describe('GroupsService: step-up when a group holds Admin (docs/mfa.md)', () => {
  const stale: Caller = { ...admin, stepUpRequired: true };

  it('adding a member to a group bound to Admin asks a caller without a recent factor for one (401), from either side', async () => {
    const { service, judged, log } = groupsOver({ adminGroup: true });
    await expect(service.addMember(stale, T, 'g1', 'USER', 'u1')).rejects.toMatchObject({
      problem: { status: 401, type: expect.stringMatching(/step-up-required$/), detail: expect.stringContaining('Admin through group "ops"') },
    });
    await expect(service.addSubject(stale, T, 'g1', 'u1')).rejects.toMatchObject({ problem: { status: 401 } });
    expect(judged).toEqual([]);
    expect(log).toEqual(['step-up read', 'step-up read']);
  });

  it('a recent factor (no mark) passes without reading; a group without Admin does not ask', async () => {
    const fresh = groupsOver({ adminGroup: true });
    await fresh.service.addMember(admin, T, 'g1', 'USER', 'u1');
    expect(fresh.log).toEqual(['invalidate u1']);
    const plain = groupsOver();
    await plain.service.addSubject(stale, T, 'g1', 'u1');
    expect(plain.log).toEqual(['step-up read', 'invalidate u1']);
  });
});
