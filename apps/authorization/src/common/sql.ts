import { PageQuery, resolvePage, ResolvedPage } from '@gatehouse/contracts';

/** `%q%` for ILIKE with the wildcards of the user's text escaped. */
export function likePattern(q: string): string {
  return `%${q.replace(/[%_\\]/g, (c) => '\\' + c)}%`;
}

/** Page + whitelisted sort mapped to a column. */
export function pageOf(query: PageQuery, columns: Record<string, string>, defaultSort: string): ResolvedPage & { orderBy: string } {
  const page = resolvePage(query, Object.keys(columns), defaultSort);
  return { ...page, orderBy: `${columns[page.sortField]} ${page.sortDir}` };
}
