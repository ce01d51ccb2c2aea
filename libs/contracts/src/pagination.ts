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

  /**
   * The `next` of the previous page (same q, sort and filters): the page after it, found through the
   * sort's index whatever its depth, where a deep `page` makes the database skip every row before it.
   */
  @Optional() @IsString() @MaxLength(600)
  cursor?: string;
}

/** Totals are counted exactly up to this many matches; beyond, `total` is this and `totalCapped` is true. */
export const TOTAL_CAP = 10_000;

export interface Page<T> {
  results: T[];
  /** Exact up to TOTAL_CAP matches (see totalCapped). */
  total: number;
  page: number;
  size: number;
  /** True when more than TOTAL_CAP match: `total` is then a lower bound, not counted further. */
  totalCapped?: boolean;
  /** Opaque cursor of the next page (pass it as `cursor`); absent on the last page. */
  next?: string;
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
