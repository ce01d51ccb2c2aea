import { resolvePage } from '../pagination';

describe('resolvePage', () => {
  it('defaults to the first page of 25 sorted ascending by the default field', () => {
    expect(resolvePage({}, ['name', 'id'], 'name')).toEqual({ page: 1, size: 25, offset: 0, sortField: 'name', sortDir: 'ASC' });
  });

  it('computes the offset and honours a whitelisted sort', () => {
    expect(resolvePage({ page: 3, size: 10, sort: 'id:desc' }, ['name', 'id'], 'name')).toMatchObject({ offset: 20, sortField: 'id', sortDir: 'DESC' });
  });

  it('ignores a sort field that is not whitelisted (no SQL injection through sort)', () => {
    expect(resolvePage({ sort: 'password_hash; drop table x:desc' }, ['name'], 'name').sortField).toBe('name');
  });
});
