import fc from 'fast-check';
import { normaliseNamespaces } from '../../bindings/bindings.service';
import { GrantIndex } from '../grant-index';
import { covers, coversAll } from '../namespaces';

const segment = fc.stringMatching(/^[a-c]{1,2}$/);
const namespace = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));

describe('namespace coverage', () => {
  it('covers itself and dotted descendants, never sibling prefixes', () => {
    expect(covers('a.b', 'a.b')).toBe(true);
    expect(covers('a.b', 'a.b.c')).toBe(true);
    expect(covers('a.b', 'a.bc')).toBe(false);
    expect(covers('a.b', 'a')).toBe(false);
    expect(coversAll(null, ['x'])).toBe(true);
    expect(coversAll(['a'], null)).toBe(false);
    expect(coversAll(['a', 'b.c'], ['a.x', 'b.c'])).toBe(true);
  });

  it('the GrantIndex agrees with the reference definition for any prefix and namespace', () => {
    fc.assert(
      fc.property(fc.array(namespace, { minLength: 1, maxLength: 4 }), namespace, (prefixes, ns) => {
        const index = new GrantIndex({ superAdmin: false, disabled: false }, [
          { bindingId: 'b', scope: 'TENANT', tenantId: 't', namespaces: prefixes, permissions: { FLOW: ['READ'] } },
        ]);
        const allowed = index.decide({ scope: 'TENANT', tenantId: 't', permission: 'FLOW', action: 'READ', namespace: ns }).allowed;
        expect(allowed).toBe(prefixes.some((p) => covers(p, ns)));
      }),
    );
  });

  it('normalises binding namespaces: sorted, unique, without prefixes already covered', () => {
    expect(normaliseNamespaces(['b', 'a.x', 'a', 'a'])).toEqual(['a', 'b']);
    expect(normaliseNamespaces(['a.bc', 'a.b'])).toEqual(['a.b', 'a.bc']);
    expect(normaliseNamespaces([])).toBeNull();
    expect(normaliseNamespaces(undefined)).toBeNull();
  });
});
