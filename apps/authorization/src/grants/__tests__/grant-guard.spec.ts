import { Caller, PermissionGrid } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { DataSource } from 'typeorm';
import { DecisionService } from '../../decisions/decision.service';
import { GrantIndex, GrantSource } from '../../decisions/grant-index';
import { GrantLoader } from '../../decisions/grant-loader';
import { SubjectFactsService } from '../../subjects/subject-facts.service';
import { AccessGain, GrantGuard } from '../grant-guard';

const T = 'acme';
const binding = (permissions: PermissionGrid, over: Partial<GrantSource> = {}): GrantSource => ({
  bindingId: 'b', scope: 'TENANT', tenantId: T, namespaces: null, permissions, ...over,
});
const ADMIN: PermissionGrid = { FLOW: ['READ', 'UPDATE'], ROLE: ['READ'], BINDING: ['CREATE'], AUDITLOG: ['READ'] };
const INSTANCE_ADMIN = binding({ TENANT: ['CREATE'], USER: ['UPDATE'], ROLE: ['UPDATE'] }, { scope: 'INSTANCE', tenantId: null });

/** A guard over subjects held in memory: what the database would answer. */
function guardOver(subjects: Record<string, { sources: GrantSource[]; superAdmin?: boolean }>) {
  const facts = (id: string) => (subjects[id] ? { id, type: 'USER' as const, superAdmin: !!subjects[id].superAdmin, disabled: false } : null);
  const decisions = {
    freshIndex: async (id: string) => (subjects[id] ? new GrantIndex({ superAdmin: !!subjects[id].superAdmin, disabled: false }, subjects[id].sources) : null),
  } as unknown as DecisionService;
  const loader = { load: async (id: string) => subjects[id]?.sources ?? [] } as unknown as GrantLoader;
  const facts$ = { get: async (id: string) => facts(id) } as unknown as SubjectFactsService;
  return new GrantGuard({} as DataSource, decisions, loader, facts$);
}

const user = (id: string): Caller => ({ type: 'USER', id });
const ruleOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'allowed';
  } catch (error) {
    return (error as ProblemException).problem.rule ?? (error as ProblemException).problem.status;
  }
};
const gain = (grid: PermissionGrid, recipients: string[], over: Partial<AccessGain> = {}): AccessGain => ({ source: 'role "x"', grid, namespaces: null, recipients, ...over });

describe('GrantGuard', () => {
  const guard = guardOver({
    admin: { sources: [binding(ADMIN)] },
    instanceAdmin: { sources: [INSTANCE_ADMIN] },
    alreadyAdmin: { sources: [binding(ADMIN)] },
    nobody: { sources: [] },
    root: { sources: [], superAdmin: true },
    scoped: { sources: [binding({ FLOW: ['READ'] }, { namespaces: ['a.b'] })] },
  });
  const change = (gains: AccessGain[]) => ({ scope: 'TENANT' as const, tenantId: T, gains });

  it('refuses ROLE to anyone who does not hold it yet without TENANT, judged on the delta', async () => {
    expect(await ruleOf(guard.assertMayChange(user('admin'), change([gain(ADMIN, ['nobody'])])))).toBe('tenant-permission-required');
    // Nobody gains anything: the same grid to someone who already holds it.
    expect(await ruleOf(guard.assertMayChange(user('admin'), change([gain(ADMIN, ['alreadyAdmin'])])))).toBe('allowed');
    // Future joiners (the default role, a group's later members) hold nothing.
    expect(await ruleOf(guard.assertMayChange(user('admin'), change([gain(ADMIN, ['alreadyAdmin'], { newcomers: true })])))).toBe('tenant-permission-required');
  });

  it('refuses a pair the actor does not hold there, on every namespace for a tenant-wide grant', async () => {
    expect(await ruleOf(guard.assertMayChange(user('scoped'), change([gain({ FLOW: ['READ'] }, ['nobody'], { namespaces: ['a.b.c'] })])))).toBe('allowed');
    expect(await ruleOf(guard.assertMayChange(user('scoped'), change([gain({ FLOW: ['READ'] }, ['nobody'], { namespaces: ['a.bc'] })])))).toBe('no-permission-escalation');
    expect(await ruleOf(guard.assertMayChange(user('scoped'), change([gain({ FLOW: ['READ'] }, ['nobody'])])))).toBe('no-permission-escalation');
    expect(await ruleOf(guard.assertMayChange(user('admin'), { ...change([]), requires: [['GROUP_MEMBERSHIP', 'CREATE']] }))).toBe('missing-permission');
  });

  it('an Instance Admin governs but does not hold tenant data, and cannot give itself what it governs', async () => {
    expect(await ruleOf(guard.assertMayChange(user('instanceAdmin'), change([gain({ FLOW: ['READ'] }, ['nobody'])])))).toBe('no-permission-escalation');
    expect(await ruleOf(guard.assertMayChange(user('instanceAdmin'), change([gain({ ROLE: ['UPDATE'] }, ['nobody'])])))).toBe('allowed');
    expect(await ruleOf(guard.assertMayChange(user('instanceAdmin'), change([gain({ ROLE: ['UPDATE'] }, ['instanceAdmin'])])))).toBe('no-self-elevation');
  });

  it('Super Admins and internal services pass', async () => {
    expect(await ruleOf(guard.assertMayChange(user('root'), change([gain(ADMIN, ['nobody'], { newcomers: true })])))).toBe('allowed');
    expect(await ruleOf(guard.assertMayChange({ type: 'SERVICE', id: 'tenancy', via: 'internal' }, change([gain(ADMIN, ['nobody'])])))).toBe('allowed');
  });

  it('a credential for another subject needs everything that subject holds', async () => {
    expect(await ruleOf(guard.assertMayActFor(user('instanceAdmin'), 'alreadyAdmin', 'create an API token'))).toBe('no-credential-escalation');
    expect(await ruleOf(guard.assertMayActFor(user('admin'), 'alreadyAdmin', 'create an API token'))).toBe('allowed');
    expect(await ruleOf(guard.assertMayActFor(user('admin'), 'root', 'set a password'))).toBe('no-credential-escalation');
    expect(await ruleOf(guard.assertMayActFor(user('scoped'), 'scoped', 'create an API token'))).toBe('allowed');
  });

  describe('impersonation', () => {
    const VIEWER: PermissionGrid = { FLOW: ['READ'] };
    const withImpersonate: PermissionGrid = { ...ADMIN, IMPERSONATE: ['CREATE'] };
    const people = guardOver({
      admin: { sources: [binding(withImpersonate)] },
      plainAdmin: { sources: [binding(ADMIN)] },
      viewer: { sources: [binding(VIEWER)] },
      otherAdmin: { sources: [binding(withImpersonate)] },
      viewerElsewhereAdmin: { sources: [binding(VIEWER), binding(withImpersonate, { tenantId: 'other' })] },
      viewerInstanceAdmin: { sources: [binding(VIEWER), INSTANCE_ADMIN] },
      wider: { sources: [binding({ ...VIEWER, SECRET: ['READ'] })] },
      rootViewer: { sources: [binding(VIEWER)], superAdmin: true },
      root: { sources: [binding(withImpersonate)], superAdmin: true },
      bareRoot: { sources: [], superAdmin: true },
    });
    const impersonate = (actor: Caller, target: string, tenant: string | null = T) => ruleOf(people.assertMayImpersonate(actor, tenant, target));

    it('allows a holder of IMPERSONATE who holds everything the user holds in the tenant', async () => {
      expect(await impersonate(user('admin'), 'viewer')).toBe('allowed');
      expect(await impersonate(user('admin'), 'otherAdmin')).toBe('allowed');
      // What the user holds in another tenant is out of an impersonation's reach (its token is good in this tenant only).
      expect(await impersonate(user('admin'), 'viewerElsewhereAdmin')).toBe('allowed');
    });

    it('refuses without IMPERSONATE in that tenant, oneself, and while impersonating', async () => {
      expect(await impersonate(user('plainAdmin'), 'viewer')).toBe('missing-permission');
      expect(await impersonate(user('admin'), 'viewer', 'other')).toBe('missing-permission');
      expect(await impersonate(user('admin'), 'admin')).toBe('no-self-impersonation');
      expect(await impersonate({ type: 'USER', id: 'admin', impersonator: { type: 'USER', id: 'root', tenantId: T } }, 'viewer')).toBe('not-while-impersonating');
      expect(await impersonate({ type: 'SERVICE', id: 'tenancy', via: 'internal' }, 'viewer')).toBe('missing-permission');
    });

    it('refuses a user who holds more than the actor: in the tenant, at instance level, or a Super Admin', async () => {
      expect(await impersonate(user('admin'), 'wider')).toBe('no-credential-escalation');
      expect(await impersonate(user('admin'), 'viewerInstanceAdmin')).toBe('no-credential-escalation');
      expect(await impersonate(user('admin'), 'rootViewer')).toBe('no-credential-escalation');
      expect(await impersonate(user('admin'), 'nobody-known')).toBe(404);
    });

    it('gives Super Admins no pass: they need IMPERSONATE and the tenant data the user holds', async () => {
      expect(await impersonate(user('bareRoot'), 'viewer')).toBe('missing-permission');
      expect(await impersonate(user('root'), 'rootViewer')).toBe('allowed');
    });

    it('mints no credential while impersonating, not even for oneself', async () => {
      expect(await ruleOf(people.assertMayActFor({ type: 'USER', id: 'viewer', impersonator: { type: 'USER', id: 'admin', tenantId: T } }, 'viewer', 'create an API token'))).toBe('not-while-impersonating');
    });
  });

  it('the scope rule refuses tenant-level permissions on a namespace-limited binding with 422, naming them', () => {
    expect(() => guard.assertScopeRule('role "x"', { FLOW: ['READ'] }, ['a'])).not.toThrow();
    expect(() => guard.assertScopeRule('role "x"', { GROUP: ['READ'], AUDITLOG: ['READ'] }, null)).not.toThrow();
    try {
      guard.assertScopeRule('role "x"', { GROUP: ['READ'], FLOW: ['READ'], AUDITLOG: ['READ'] }, ['a']);
      throw new Error('not refused');
    } catch (error) {
      expect((error as ProblemException).problem).toMatchObject({ status: 422, permissions: ['AUDITLOG', 'GROUP'] });
    }
  });
});
