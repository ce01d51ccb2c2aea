import type { Page } from '@gatehouse/contracts';

export const OUTPUT_FORMATS = ['table', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

/** One cell: `-` for nothing, JSON for nested values. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value).replace(/\s*\n\s*/g, ' ');
}

/** Left-aligned columns separated by two spaces, headers upper-cased; no trailing spaces. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = [
    columns.map((c) => c.header.toUpperCase()),
    ...rows.map((row) => columns.map((c) => formatValue(c.value(row)))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  return cells
    .map((line) => line.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd())
    .join('\n') + '\n';
}

/** A single object as `key: value` lines, nested objects flattened to dotted keys. */
export function renderRecord(record: object): string {
  const entries = flatten(record);
  if (entries.length === 0) return '\n';
  const width = Math.max(...entries.map(([key]) => key.length)) + 1;
  return entries.map(([key, value]) => `${`${key}:`.padEnd(width)}  ${formatValue(value)}`.trimEnd()).join('\n') + '\n';
}

function flatten(record: object, prefix = ''): Array<[string, unknown]> {
  return Object.entries(record).flatMap(([key, value]): Array<[string, unknown]> => {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
      return flatten(value as object, name);
    }
    return [[name, value]];
  });
}

/** A page of results as a table with a one-line footer. */
export function renderPage<T>(page: Page<T>, columns: readonly Column<T>[], noun: string): string {
  if (page.results.length === 0) {
    return page.total > 0 ? `No ${noun} on page ${page.page} (${page.total} in total).\n` : `No ${noun} found.\n`;
  }
  const pages = Math.max(1, Math.ceil(page.total / Math.max(1, page.size)));
  return `${renderTable(page.results, columns)}\nPage ${page.page} of ${pages} (${page.total} ${noun} in total)\n`;
}

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value ?? null, null, 2)}\n`;
}
