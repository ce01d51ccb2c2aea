import { PageQuery, resolvePage, ResolvedPage } from '@gatehouse/contracts';

/** Page + whitelisted sort mapped to a column. */
export function pageOf(query: PageQuery, columns: Record<string, string>, defaultSort: string): ResolvedPage & { orderBy: string } {
  const page = resolvePage(query, Object.keys(columns), defaultSort);
  return { ...page, orderBy: `${columns[page.sortField]} ${page.sortDir}` };
}
