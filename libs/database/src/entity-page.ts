import { Page, ResolvedPage } from '@gatehouse/contracts';
import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { cappedCount, pageTotal } from './keyset';

/**
 * One page of what `query` selects, sorted by the page's (whitelisted) field and then by id, so that rows
 * tied on the field keep one order from page to page; `toView` maps each entity to what the API answers.
 * The total is counted up to TOTAL_CAP, and only when the page does not end the list (pageTotal).
 */
export async function entityPage<E extends ObjectLiteral, V>(query: SelectQueryBuilder<E>, page: ResolvedPage, toView: (entity: E) => V): Promise<Page<V>> {
  const [countSql, countParams] = query.clone().select('1').getQueryAndParameters();
  query.orderBy(`${query.alias}.${page.sortField}`, page.sortDir);
  // TypeORM keeps one direction per column: a second `id` would undo `id:desc`.
  if (page.sortField !== 'id') query.addOrderBy(`${query.alias}.id`);
  const rows = await query
    .skip(page.offset)
    .take(page.size + 1)
    .getMany();
  const total = await pageTotal(page, rows.length, false, () => cappedCount(query.connection.manager, countSql, countParams));
  return { results: rows.slice(0, page.size).map(toView), ...total, page: page.page, size: page.size };
}
