import type { Page } from '@gatehouse/contracts';
import { Column, formatValue, renderJson, renderPage, renderRecord, renderTable } from '../output';

interface Row {
  id: string;
  name: string | null;
}
const columns: Column<Row>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'name', value: (r) => r.name },
];

describe('output', () => {
  it('formats missing values as "-" and nested values as JSON', () => {
    expect(formatValue(null)).toBe('-');
    expect(formatValue(undefined)).toBe('-');
    expect(formatValue('')).toBe('-');
    expect(formatValue(false)).toBe('false');
    expect(formatValue(['a', 'b'])).toBe('["a","b"]');
    expect(formatValue('two\n  lines')).toBe('two lines');
  });

  it('renders aligned columns with upper-case headers and no trailing spaces', () => {
    const text = renderTable([{ id: 'dev', name: 'Development environment' }, { id: 'production', name: null }], columns);
    expect(text).toBe(
      'ID          NAME\n' +
      'dev         Development environment\n' +
      'production  -\n',
    );
  });

  it('renders a record as key: value lines, flattening nested objects', () => {
    const text = renderRecord({ setupComplete: true, multiTenancy: { enabled: true, defaultTenant: false }, tenant: null });
    expect(text).toBe(
      'setupComplete:               true\n' +
      'multiTenancy.enabled:        true\n' +
      'multiTenancy.defaultTenant:  false\n' +
      'tenant:                      -\n',
    );
  });

  it('renders a page with a footer, and says so when it is empty', () => {
    const page: Page<Row> = { results: [{ id: 'a', name: 'A' }], total: 51, page: 2, size: 25 };
    expect(renderPage(page, columns, 'tenants')).toBe('ID  NAME\na   A\n\nPage 2 of 3 (51 tenants in total)\n');
    expect(renderPage({ results: [], total: 0, page: 1, size: 25 }, columns, 'tenants')).toBe('No tenants found.\n');
    expect(renderPage({ results: [], total: 3, page: 9, size: 25 }, columns, 'users')).toBe('No users on page 9 (3 in total).\n');
  });

  it('renders JSON that parses back', () => {
    expect(JSON.parse(renderJson({ a: [1, 2] }))).toEqual({ a: [1, 2] });
  });
});
