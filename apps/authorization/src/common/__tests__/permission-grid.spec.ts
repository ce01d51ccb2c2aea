import { pairsOf, validateGrid } from '../permission-grid';

describe('validateGrid', () => {
  it('normalises actions into catalogue order without duplicates and drops empty entries', () => {
    expect(validateGrid({ FLOW: ['UPDATE', 'READ', 'READ'], SECRET: [] }, 'TENANT')).toEqual({ FLOW: ['READ', 'UPDATE'] });
  });

  it('refuses unknown permissions and actions, and instance-level permissions in a tenant role, naming each field', () => {
    expect(() => validateGrid({ TENANT: ['READ'], NOPE: ['READ'], FLOW: ['READ', 'FLY'], APP: 'READ' }, 'TENANT')).toThrow(
      expect.objectContaining({
        problem: expect.objectContaining({
          status: 400,
          errors: [
            expect.objectContaining({ field: 'permissions.TENANT' }),
            expect.objectContaining({ field: 'permissions.NOPE' }),
            expect.objectContaining({ field: 'permissions.FLOW[1]' }),
            expect.objectContaining({ field: 'permissions.APP' }),
          ],
        }),
      }),
    );
    expect(validateGrid({ TENANT: ['READ'] }, 'INSTANCE')).toEqual({ TENANT: ['READ'] });
  });

  it('lists the pairs of a grid', () => {
    expect(pairsOf({ FLOW: ['READ', 'UPDATE'], APP: ['READ'] })).toEqual([['FLOW', 'READ'], ['FLOW', 'UPDATE'], ['APP', 'READ']]);
  });
});
