import { likePattern } from '@gatehouse/database';
import { pageOf } from '../sql';
import { tenantOf } from '../tenant-of';

describe('SQL helpers', () => {
  it('likePattern wraps the text in % and escapes the wildcards and the escape character', () => {
    expect(likePattern('ops')).toBe('%ops%');
    expect(likePattern('50%_off\\')).toBe('%50\\%\\_off\\\\%');
  });

  it('pageOf maps a whitelisted sort to its column, falling back to the default sort', () => {
    const columns = { name: 'r.name', createdAt: 'r.created_at' };
    expect(pageOf({ page: 3, size: 20, sort: 'createdAt:desc' }, columns, 'name')).toMatchObject({
      page: 3, size: 20, offset: 40, sortField: 'createdAt', sortDir: 'DESC', orderBy: 'r.created_at DESC',
    });
    expect(pageOf({ sort: 'password:asc' }, columns, 'name')).toMatchObject({ page: 1, offset: 0, orderBy: 'r.name ASC' });
    expect(pageOf({}, columns, 'createdAt:desc')).toMatchObject({ orderBy: 'r.created_at DESC' });
  });
});

describe('tenantOf', () => {
  it('is the envelope tenant (null = the default tenant); instance level is refused with 400', () => {
    expect(tenantOf('acme')).toBe('acme');
    expect(tenantOf(null)).toBeNull();
    expect(() => tenantOf(undefined)).toThrow(expect.objectContaining({ problem: expect.objectContaining({ status: 400 }) }));
  });
});
