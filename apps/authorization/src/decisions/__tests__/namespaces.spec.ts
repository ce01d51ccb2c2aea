import fc from 'fast-check';
import { covers } from '../../common/namespaces';
import { GrantIndex } from '../grant-index';

const segment = fc.stringMatching(/^[a-c]{1,2}$/);
const namespace = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));

describe('namespace coverage in the GrantIndex', () => {
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
});
