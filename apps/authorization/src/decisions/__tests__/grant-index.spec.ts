import { GrantIndex, GrantSource } from '../grant-index';

const active = { superAdmin: false, disabled: false };
const binding = (over: Partial<GrantSource>): GrantSource => ({
  bindingId: 'b1',
  scope: 'TENANT',
  tenantId: 'acme',
  namespaces: null,
  permissions: { FLOW: ['READ'] },
  ...over,
});

describe('GrantIndex', () => {
  it('allows a tenant-wide grant in its tenant only', () => {
    const index = new GrantIndex(active, [binding({})]);
    expect(index.decide({ scope: 'TENANT', tenantId: 'acme', permission: 'FLOW', action: 'READ', namespace: 'x.y' }).allowed).toBe(true);
    expect(index.decide({ scope: 'TENANT', tenantId: 'other', permission: 'FLOW', action: 'READ' }).allowed).toBe(false);
    expect(index.decide({ scope: 'TENANT', tenantId: 'acme', permission: 'FLOW', action: 'UPDATE' }).allowed).toBe(false);
    expect(index.decide({ scope: 'TENANT', tenantId: null, permission: 'FLOW', action: 'READ' }).allowed).toBe(false);
  });

  it('covers a namespace and its children on dot boundaries, not sibling prefixes', () => {
    const index = new GrantIndex(active, [binding({ namespaces: ['a.b'] })]);
    const at = (namespace: string) =>
      index.decide({ scope: 'TENANT', tenantId: 'acme', permission: 'FLOW', action: 'READ', namespace }).allowed;
    expect(at('a.b')).toBe(true);
    expect(at('a.b.c.d')).toBe(true);
    expect(at('a.bc')).toBe(false);
    expect(at('a')).toBe(false);
    expect(at('z.a.b')).toBe(false);
  });

  it('grants a tenant-level permission only through a tenant-wide binding (scope rule)', () => {
    const limited = new GrantIndex(active, [binding({ namespaces: ['only.here'], permissions: { AUDITLOG: ['READ'], GROUP: ['DELETE'], FLOW: ['READ'] } })]);
    const decide = (permission: 'AUDITLOG' | 'GROUP' | 'FLOW', action: 'READ' | 'DELETE', namespace?: string) =>
      limited.decide({ scope: 'TENANT', tenantId: 'acme', permission, action, namespace }).allowed;
    expect(decide('AUDITLOG', 'READ')).toBe(false);
    expect(decide('AUDITLOG', 'READ', 'only.here')).toBe(false);
    expect(decide('GROUP', 'DELETE')).toBe(false);
    expect(decide('FLOW', 'READ', 'only.here')).toBe(true);
    expect(limited.holdsDirectly({ scope: 'TENANT', tenantId: 'acme', permission: 'AUDITLOG', action: 'READ', namespace: 'only.here' })).toBe(false);
    const wide = new GrantIndex(active, [binding({ permissions: { AUDITLOG: ['READ'] } })]);
    expect(wide.decide({ scope: 'TENANT', tenantId: 'acme', permission: 'AUDITLOG', action: 'READ' })).toMatchObject({ allowed: true, namespaces: null });
  });

  it('reports the granted namespaces when the check names none', () => {
    const index = new GrantIndex(active, [binding({ namespaces: ['a.b', 'c'] })]);
    const decision = index.decide({ scope: 'TENANT', tenantId: 'acme', permission: 'FLOW', action: 'READ' });
    expect(decision).toMatchObject({ allowed: true, namespaces: ['a.b', 'c'] });
  });

  it('names the group a grant comes through', () => {
    const index = new GrantIndex(active, [binding({ groupId: 'g1' })]);
    expect(index.decide({ scope: 'TENANT', tenantId: 'acme', permission: 'FLOW', action: 'READ' }).reason).toBe('group:g1/binding:b1');
  });

  it('gives a Super Admin governance everywhere but no tenant data', () => {
    const index = new GrantIndex({ superAdmin: true, disabled: false }, []);
    expect(index.decide({ scope: 'INSTANCE', permission: 'TENANT', action: 'CREATE' })).toMatchObject({ allowed: true, reason: 'super-admin' });
    expect(index.decide({ scope: 'TENANT', tenantId: 'acme', permission: 'ROLE', action: 'UPDATE' }).allowed).toBe(true);
    expect(index.decide({ scope: 'TENANT', tenantId: 'acme', permission: 'FLOW', action: 'READ' }).allowed).toBe(false);
    expect(index.decide({ scope: 'TENANT', tenantId: 'acme', permission: 'AUDITLOG', action: 'READ' }).allowed).toBe(false);
  });

  it('lets a Super Admin read the instance-level audit trail, and nothing more of AUDITLOG', () => {
    const index = new GrantIndex({ superAdmin: true, disabled: false }, []);
    expect(index.decide({ scope: 'INSTANCE', permission: 'AUDITLOG', action: 'READ' })).toMatchObject({ allowed: true, reason: 'super-admin' });
    expect(index.decide({ scope: 'INSTANCE', permission: 'AUDITLOG', action: 'DELETE' }).allowed).toBe(false);
    expect(new GrantIndex({ superAdmin: false, disabled: false }, []).decide({ scope: 'INSTANCE', permission: 'AUDITLOG', action: 'READ' }).allowed).toBe(false);
  });

  it('lets an Instance Admin govern users in any tenant but never bindings or data there', () => {
    const instanceAdmin = binding({ scope: 'INSTANCE', tenantId: null, permissions: { TENANT: ['CREATE'], USER: ['READ'], BINDING: ['CREATE'], FLOW: ['READ'] } });
    const index = new GrantIndex(active, [instanceAdmin]);
    expect(index.decide({ scope: 'INSTANCE', permission: 'TENANT', action: 'CREATE' }).allowed).toBe(true);
    expect(index.decide({ scope: 'TENANT', tenantId: 'acme', permission: 'USER', action: 'READ' }).allowed).toBe(true);
    expect(index.decide({ scope: 'TENANT', tenantId: 'acme', permission: 'BINDING', action: 'CREATE' }).allowed).toBe(false);
    expect(index.decide({ scope: 'TENANT', tenantId: 'acme', permission: 'FLOW', action: 'READ' }).allowed).toBe(false);
  });

  it('denies everything to a disabled subject', () => {
    const index = new GrantIndex({ superAdmin: true, disabled: true }, [binding({})]);
    expect(index.decide({ scope: 'TENANT', tenantId: 'acme', permission: 'FLOW', action: 'READ' })).toEqual({ allowed: false, reason: 'subject-disabled' });
  });

  it('names the missing permission on a deny', () => {
    const index = new GrantIndex(active, []);
    expect(index.decide({ scope: 'TENANT', tenantId: 'acme', permission: 'SECRET', action: 'DELETE', namespace: 'a' }).reason).toBe(
      'missing SECRET:DELETE in namespace a',
    );
  });
});

describe('GrantIndex.holdsDirectly', () => {
  it('ignores the Super Admin flag and Instance Admin governance, and needs every namespace without one', () => {
    const instance = binding({ bindingId: 'i', scope: 'INSTANCE', tenantId: null, permissions: { USER: ['READ'] } });
    const index = new GrantIndex({ superAdmin: true, disabled: false }, [instance, binding({ namespaces: ['a.b'] })]);
    expect(index.decide({ scope: 'TENANT', tenantId: 'acme', permission: 'USER', action: 'READ' }).allowed).toBe(true);
    expect(index.holdsDirectly({ scope: 'TENANT', tenantId: 'acme', permission: 'USER', action: 'READ' })).toBe(false);
    expect(index.holdsDirectly({ scope: 'TENANT', tenantId: 'acme', permission: 'FLOW', action: 'READ', namespace: 'a.b.c' })).toBe(true);
    expect(index.holdsDirectly({ scope: 'TENANT', tenantId: 'acme', permission: 'FLOW', action: 'READ' })).toBe(false);
  });

  it('never gives a Super Admin the instance-level TENANT permission inside a tenant', () => {
    const index = new GrantIndex({ superAdmin: true, disabled: false }, []);
    expect(index.decide({ scope: 'TENANT', tenantId: 'acme', permission: 'TENANT', action: 'READ' }).allowed).toBe(false);
    expect(index.holdsAny('INSTANCE', null, 'TENANT')).toBe(true);
  });
});
