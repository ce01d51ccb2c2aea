import { refusalOf as refusal } from './refusal';
import { applyPatch, patchOperations, ScimPatchTargets } from '../scim-patch';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const TARGETS: ScimPatchTargets = {
  core: { urn: 'urn:ietf:params:scim:schemas:core:2.0:Group', attributes: ['displayName', 'members'] },
  extensions: { 'urn:example:ext': ['level'] },
};
const body = (...operations: unknown[]) => ({ schemas: [PATCH], Operations: operations });

describe('SCIM PATCH', () => {
  const group = { schemas: ['g'], id: '1', displayName: 'A', members: [{ value: 'u1', type: 'User' }, { value: 'u2', type: 'User' }], meta: {} };

  it('reads the operations, any case, and applies them to a copy', () => {
    const operations = patchOperations(body({ op: 'Add', path: 'members', value: [{ value: 'u3' }] }, { op: 'Replace', value: { displayName: 'B' } }), TARGETS);
    const patched = applyPatch(group, operations);
    expect(patched).toMatchObject({ displayName: 'B', members: [{ value: 'u1' }, { value: 'u2' }, { value: 'u3' }] });
    expect(group.members).toHaveLength(2);
  });

  it("turns Entra ID's removal by value objects into removals by value filter", () => {
    const operations = patchOperations(body({ op: 'Remove', path: 'members', value: [{ $ref: null, value: 'u1' }] }), TARGETS);
    expect(operations).toEqual([{ op: 'remove', path: 'members[value eq "u1"]' }]);
    expect(applyPatch(group, operations).members).toEqual([{ value: 'u2', type: 'User' }]);
  });

  it.each([
    [body({ op: 'remove' }), 'noTarget'],
    [body({ op: 'move', path: 'displayName' }), 'invalidSyntax'],
    [{ Operations: [] }, 'invalidSyntax'],
    [body(), 'invalidSyntax'],
    [body({ op: 'add', path: 'displayName' }), 'invalidValue'],
    [body({ op: 'add', value: 'x' }), 'invalidValue'],
    [body({ op: 'remove', path: 'name..x' }), 'invalidPath'],
    [body({ op: 'remove', path: 'nickName' }), 'invalidPath'],
    [body({ op: 'remove', path: 'members[value eq' }), 'invalidPath'],
    [body({ op: 'replace', path: 'urn:other:level', value: 1 }), 'invalidPath'],
    [body({ op: 'add', path: 'members', value: [], extra: 1 }), 'invalidSyntax'],
  ])('refuses %j with 400 %s', (patch, scimType) => {
    expect(refusal(() => patchOperations(patch, TARGETS))).toMatchObject({ status: 400, scimType });
  });

  it('takes extension attributes by URN', () => {
    const operations = patchOperations(body({ op: 'replace', path: 'urn:example:ext:level', value: 3 }), TARGETS);
    expect(applyPatch(group, operations)).toMatchObject({ 'urn:example:ext': { level: 3 } });
  });
});
