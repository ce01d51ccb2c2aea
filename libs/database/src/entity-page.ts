import { Page, ResolvedPage } from '@gatehouse/contracts';
import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/**
 * One page of what `query` selects, sorted by the page's (whitelisted) field and then by id, so that rows
 * tied on the field keep one order from page to page; `toView` maps each entity to what the API answers.
 */
export async function entityPage<E extends ObjectLiteral, V>(query: SelectQueryBuilder<E>, page: ResolvedPage, toView: (entity: E) => V): Promise<Page<V>> {
  query.orderBy(`${query.alias}.${page.sortField}`, page.sortDir);
  // TypeORM keeps one direction per column: a second `id` would undo `id:desc`.
  if (page.sortField !== 'id') query.addOrderBy(`${query.alias}.id`);
  const [rows, total] = await query
    .skip(page.offset)
    .take(page.size)
    .getManyAndCount();
  return { results: rows.map(toView), total, page: page.page, size: page.size };
}
