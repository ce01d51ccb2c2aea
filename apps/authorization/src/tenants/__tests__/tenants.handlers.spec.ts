import { Caller } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { SubjectFactsService } from '../../subjects/subject-facts.service';
import { LiveTenants } from '../live-tenants';
import { TenantMembers } from '../tenant-members';
import { TenantsHandlers } from '../tenants.handlers';

const subject = (id: string) => ({ type: 'USER' as const, id });

/** Tenant `acme` is live with member `member`; `root` is a Super Admin, `off` a disabled one. */
function handlers() {
  const retired: string[] = [];
  const live = { isLive: (t: string | null) => t === 'acme' || t === null, retireNow: async (t: string) => void retired.push(t) } as unknown as LiveTenants;
  const members = {
    hasAccess: async (t: string | null, id: string) => t === 'acme' && id === 'member',
    claims: async (t: string | null, id: string) => ({ roles: [`role-of-${id}-in-${t}`], groups: ['g'] }),
  } as unknown as TenantMembers;
  const facts = {
    get: async (id: string) => ({ root: { superAdmin: true, disabled: false }, off: { superAdmin: true, disabled: true } })[id as 'root'] ?? null,
  } as unknown as SubjectFactsService;
  return { handlers: new TenantsHandlers(live, members, facts), retired };
}

const problemOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'allowed';
  } catch (error) {
    const problem = (error as ProblemException).problem;
    return `${problem.status}${problem.rule ? ` ${problem.rule}` : ''}`;
  }
};

describe('TenantsHandlers', () => {
  it('requireMember: 404 for a tenant that is not live, 403 not-a-member outside it; members and active Super Admins pass', async () => {
    const { handlers: h } = handlers();
    expect(await problemOf(h.requireMember({ tenantId: 'gone', subject: subject('member') }))).toBe('404');
    expect(await problemOf(h.requireMember({ tenantId: 'acme', subject: subject('member') }))).toBe('allowed');
    expect(await problemOf(h.requireMember({ tenantId: 'acme', subject: subject('root') }))).toBe('allowed');
    expect(await problemOf(h.requireMember({ tenantId: 'acme', subject: subject('off') }))).toBe('403 not-a-member');
    expect(await problemOf(h.requireMember({ tenantId: null, subject: subject('member') }))).toBe('403 not-a-member');
  });

  it("claims: the subject's roles and groups in a live tenant, nothing in another one, for a service only", async () => {
    const { handlers: h } = handlers();
    const identity: Caller = { type: 'SERVICE', id: 'identity', via: 'internal' };
    expect(await h.claims(identity, { tenantId: 'acme', subject: subject('member') })).toEqual({ roles: ['role-of-member-in-acme'], groups: ['g'] });
    expect(await h.claims(identity, { tenantId: 'gone', subject: subject('member') })).toEqual({ roles: [], groups: [] });
    expect(await problemOf(h.claims({ type: 'USER', id: 'member' }, { tenantId: 'acme', subject: subject('member') }))).toBe('403');
  });

  it('retire: only the tenancy service (a SERVICE caller) retires a tenant', async () => {
    const { handlers: h, retired } = handlers();
    const user: Caller = { type: 'USER', id: 'root' };
    expect(await problemOf(Promise.resolve().then(() => h.retire(user, { tenantId: 'acme' })))).toBe('403');
    expect(await problemOf(Promise.resolve().then(() => h.retire(null, { tenantId: 'acme' })))).toBe('403');
    await h.retire({ type: 'SERVICE', id: 'tenancy', via: 'internal' }, { tenantId: 'acme' });
    expect(retired).toEqual(['acme']);
  });
});
