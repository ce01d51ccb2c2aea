import { Caller, PermissionGrid } from '@gatehouse/contracts';
import { AuditRecorder } from '@gatehouse/durable-events';
import { ProblemException } from '@gatehouse/errors';
import { RpcClient } from '@gatehouse/messaging';
import { DataSource, EntityManager } from 'typeorm';
import { BindingsService } from '../../bindings/bindings.service';
import { DecisionService } from '../../decisions/decision.service';
import { GrantIndex, GrantSource } from '../../decisions/grant-index';
import { GrantLoader } from '../../decisions/grant-loader';
import { AccessGains } from '../../grants/access-gains';
import { AccessChange, GrantGuard } from '../../grants/grant-guard';
import { GroupsService } from '../../groups/groups.service';
import { InvalidationBus } from '../../invalidation/invalidation-bus';
import { SubjectDirectory } from '../../subjects/subject-directory';
import { SubjectFactsService } from '../../subjects/subject-facts.service';
import { LiveTenants } from '../../tenants/live-tenants';
import { TenantJoin } from '../../tenants/tenant-join';
import { TenantMembers } from '../../tenants/tenant-members';
import { TenantAccessService } from '../tenant-access.service';

const operator: Caller = { type: 'SERVICE', id: 'cli', via: 'internal' };
const JOINERS: PermissionGrid = { APP: ['READ'] };

/** The default tenant with (or without) a default role; `member` already has access there. */
function accessOver(options: { defaultRole?: boolean } = {}) {
  const judged: AccessChange[] = [];
  const log: string[] = [];
  const manager = {
    query: async (sql: string) => {
      if (sql.includes('is_default')) return options.defaultRole === false ? [] : [{ name: 'Joiner', permissions: JOINERS }];
      throw new Error(`unexpected query ${sql}`);
    },
  } as unknown as EntityManager;
  const dataSource = { manager, transaction: (work: (m: EntityManager) => unknown) => work(manager) } as unknown as DataSource;
  const guard = new GrantGuard({} as DataSource, {} as DecisionService, {} as GrantLoader, {} as SubjectFactsService);
  jest.spyOn(guard, 'assertMayChange').mockImplementation(async (_caller, change) => void judged.push(change));
  const join = {
    isNewcomer: async (_m: EntityManager, _t: string | null, s: { id: string }) => s.id !== 'member',
    welcome: async (_m: EntityManager, _c: Caller, _t: string | null, id: string) => (log.push(`welcome ${id}`), 'b'),
  } as unknown as TenantJoin;
  const service = new TenantAccessService(
    dataSource, { findUserByEmail: async () => null } as unknown as SubjectDirectory, {} as TenantMembers, {} as GroupsService, {} as BindingsService, join,
    { publish: async (ids: string[]) => void log.push(`invalidate ${ids}`) } as unknown as InvalidationBus, {} as AuditRecorder,
    { isLive: (t: string | null) => t === 'acme' } as unknown as LiveTenants, guard, new AccessGains(), {} as RpcClient, {} as DecisionService,
  );
  return { service, judged, log };
}

describe('TenantAccessService', () => {
  it('sync-access: users not yet in the default tenant join it with its default role, each judged; others are left alone', async () => {
    const { service, judged, log } = accessOver();
    expect(await service.joinDefaultTenant(operator, ['u1', 'member', 'u2'])).toEqual({ defaultRole: 'Joiner', granted: ['u1', 'u2'] });
    expect(judged).toEqual(
      ['u1', 'u2'].map((id) => ({
        scope: 'TENANT', tenantId: null, gains: [{ source: 'the default role "Joiner"', grid: JOINERS, namespaces: null, recipients: [id], newcomers: false }],
      })),
    );
    expect(log).toEqual(['welcome u1', 'welcome u2', 'invalidate u1,u2']);
  });

  it('sync-access without a default role changes nothing', async () => {
    const { service, judged, log } = accessOver({ defaultRole: false });
    expect(await service.joinDefaultTenant(operator, ['u1'])).toEqual({ defaultRole: null, granted: [] });
    expect([judged, log]).toEqual([[], []]);
  });

  it('adding a user: the tenant must be live (404), roles or groups given (400), the email known (404)', async () => {
    const { service } = accessOver();
    const status = (promise: Promise<unknown>) => promise.then(() => 'allowed', (error: ProblemException) => error.problem.status);
    expect(await status(service.add(operator, 'gone', { email: 'a@b.c', groupIds: ['g'] }))).toBe(404);
    expect(await status(service.add(operator, 'acme', { email: 'a@b.c' }))).toBe(400);
    expect(await status(service.add(operator, 'acme', { email: 'a@b.c', roles: [] }))).toBe(400);
    expect(await status(service.add(operator, 'acme', { email: 'a@b.c', groupIds: ['g'] }))).toBe(404);
  });
});

describe('TenantAccessService.reachable (the console switcher)', () => {
  const user: Caller = { type: 'USER', id: 'u1', via: 'jwt' };
  function reachableOver(state: { superAdmin: boolean; disabled: boolean }, sources: GrantSource[]) {
    const queries: string[] = [];
    const dataSource = {
      query: async (sql: string) => {
        queries.push(sql);
        return sql.includes('live_tenants') ? [{ tenant_key: '' }, { tenant_key: 'acme' }, { tenant_key: 'beta' }] : [{ tenant_key: 'acme' }, { tenant_key: 'gone' }];
      },
    } as unknown as DataSource;
    const decisions = { freshIndex: async () => new GrantIndex(state, sources) } as unknown as DecisionService;
    const service = new TenantAccessService(
      dataSource, {} as SubjectDirectory, {} as TenantMembers, {} as GroupsService, {} as BindingsService, {} as TenantJoin, {} as InvalidationBus,
      {} as AuditRecorder, { isLive: (t: string | null) => t !== 'gone' } as unknown as LiveTenants, {} as GrantGuard, new AccessGains(), {} as RpcClient, decisions,
    );
    return { service, queries };
  }

  it('lists only the live tenants where the caller has a binding or a membership', async () => {
    const { service, queries } = reachableOver({ superAdmin: false, disabled: false }, [
      { bindingId: 'b', scope: 'TENANT', tenantId: 'acme', namespaces: null, permissions: { FLOW: ['READ'] } },
    ]);
    expect(await service.reachable(user)).toEqual({ results: [{ id: 'acme', via: 'access' }] });
    expect(queries[0]).toContain('subject_id = $1');
  });

  it('lists every live tenant (the default one as null) for a Super Admin or a holder of TENANT at instance level', async () => {
    const root = reachableOver({ superAdmin: true, disabled: false }, []);
    expect((await root.service.reachable(user)).results.map((t) => t.id)).toEqual([null, 'acme', 'beta']);
    const instanceAdmin = reachableOver({ superAdmin: false, disabled: false }, [
      { bindingId: 'b', scope: 'INSTANCE', tenantId: null, namespaces: null, permissions: { TENANT: ['READ'] } },
    ]);
    expect((await instanceAdmin.service.reachable(user)).results).toEqual([null, 'acme', 'beta'].map((id) => ({ id, via: 'instance' })));
  });

  it('answers nothing for a disabled subject and refuses internal callers', async () => {
    expect(await reachableOver({ superAdmin: true, disabled: true }, []).service.reachable(user)).toEqual({ results: [] });
    await expect(reachableOver({ superAdmin: false, disabled: false }, []).service.reachable(operator)).rejects.toBeInstanceOf(ProblemException);
  });
});
