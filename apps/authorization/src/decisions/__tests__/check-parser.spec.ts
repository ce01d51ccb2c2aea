import { isValidCheck, parseBatch, parseCheck } from '../check-parser';

const ok = { subject: { type: 'USER', id: '00000000-0000-4000-8000-000000000001' }, scope: 'TENANT', tenantId: 'acme', permission: 'FLOW', action: 'READ', namespace: 'a.b' };

describe('the hot-path check validation', () => {
  it('accepts what the DTO accepts', () => {
    expect(isValidCheck(ok)).toBe(true);
    expect(isValidCheck({ ...ok, tenantId: null, namespace: undefined })).toBe(true);
  });

  it.each([
    ['unknown field', { ...ok, extra: 1 }],
    ['bad subject type', { ...ok, subject: { type: 'GROUP', id: ok.subject.id } }],
    ['bad uuid', { ...ok, subject: { type: 'USER', id: 'x' } }],
    ['unknown permission', { ...ok, permission: 'NOPE' }],
    ['bad namespace', { ...ok, namespace: 'a..b' }],
  ])('refuses %s, and the DTO explains it with a 400', async (_, value) => {
    expect(isValidCheck(value)).toBe(false);
    await expect(parseCheck(value)).rejects.toMatchObject({ problem: { status: 400 } });
  });

  it('validates a batch as a whole', async () => {
    await expect(parseBatch({ checks: [ok, ok] })).resolves.toHaveLength(2);
    await expect(parseBatch({ checks: [ok, { ...ok, action: 'FLY' }] })).rejects.toMatchObject({ problem: { status: 400, errors: [{ field: 'checks[1].action' }] } });
  });
});
