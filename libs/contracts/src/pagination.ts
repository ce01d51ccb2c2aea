import { Type } from 'class-transformer';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { MAX_PAGE, Optional } from './input-rules';

/** Page/size pagination with a free-text filter and sort, accepted by every list. */
export class PageQuery {
  @Optional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_PAGE)
  page?: number;

  @Optional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  size?: number;

  @Optional() @IsString() @MaxLength(200)
  q?: string;

  /** `field` or `field:asc|desc`; each list documents its sortable fields. */
  @Optional() @IsString() @MaxLength(100)
  sort?: string;
}

export interface Page<T> {
  results: T[];
  total: number;
  page: number;
  size: number;
}

export const DEFAULT_PAGE_SIZE = 25;

export interface ResolvedPage {
  page: number;
  size: number;
  offset: number;
  sortField: string;
  sortDir: 'ASC' | 'DESC';
}

/** Turns a PageQuery into offset/limit and a whitelisted sort column. */
export function resolvePage(query: PageQuery, sortable: readonly string[], defaultSort: string): ResolvedPage {
  const page = query.page ?? 1;
  const size = query.size ?? DEFAULT_PAGE_SIZE;
  const [field, dir] = (query.sort ?? defaultSort).split(':');
  const sortField = sortable.includes(field) ? field : defaultSort.split(':')[0];
  return { page, size, offset: (page - 1) * size, sortField, sortDir: dir === 'desc' ? 'DESC' : 'ASC' };
}
