import { Filter, parse } from 'scim2-parse-filter';
import { scimError } from './scim-error';
import { SCIM_MAX_FILTER_LENGTH, SCIM_SCHEMAS } from './scim-protocol';

export type ScimValueType = 'string' | 'boolean' | 'dateTime' | 'integer';

/** A single-valued attribute: the SQL expression that holds it. */
export interface ScimColumn {
  sql: string;
  type: ScimValueType;
  /** RFC 7643 caseExact: compared as written; otherwise both sides are lower-cased. */
  caseExact?: boolean;
}

/**
 * A multi-valued attribute (emails, members): `elements` is a FROM item naming each element `e`, e.g.
 * `jsonb_array_elements(s.resource->'emails') e`; `sub` its sub-attributes as expressions on `e`
 * (`value` is the one a bare `emails eq "x"` compares).
 */
export interface ScimMultiValued {
  elements: string;
  sub: Record<string, ScimColumn>;
}

/** The filterable and sortable attributes of a resource type, keyed by lower-cased path (see attributeKey). */
export type ScimAttributeMap = Record<string, ScimColumn | ScimMultiValued>;

const CORE_PREFIXES = [SCIM_SCHEMAS.user, SCIM_SCHEMAS.group].map((urn) => `${urn.toLowerCase()}:`);
const EXTENSION_PREFIX = `${SCIM_SCHEMAS.enterpriseUser.toLowerCase()}:`;
/** Deeper filters are refused before they reach the parser's recursion or ours. */
const MAX_DEPTH = 40;

/**
 * The key of an attribute path (RFC 7644 §3.10: case-insensitive, optionally prefixed by its schema URN):
 * lower-cased, the core schemas' URN removed, the enterprise extension's kept (its "2.0" holds dots).
 */
export function attributeKey(path: string): { prefix: string; rest: string } {
  const lower = path.toLowerCase();
  const core = CORE_PREFIXES.find((p) => lower.startsWith(p));
  if (core) return { prefix: '', rest: lower.slice(core.length) };
  if (lower.startsWith(EXTENSION_PREFIX)) return { prefix: EXTENSION_PREFIX, rest: lower.slice(EXTENSION_PREFIX.length) };
  return { prefix: '', rest: lower };
}

/** Parses a filter (RFC 7644 §3.4.2.2) with scim2-parse-filter; anything it refuses is a 400 invalidFilter. */
export function parseScimFilter(text: string): Filter {
  if (text.length > SCIM_MAX_FILTER_LENGTH) throw scimError(400, 'invalidFilter', `The filter is longer than ${SCIM_MAX_FILTER_LENGTH} characters`);
  if (nestingOf(text) > MAX_DEPTH) throw scimError(400, 'invalidFilter', `The filter nests more than ${MAX_DEPTH} levels`);
  try {
    return parse(text);
  } catch (error) {
    throw scimError(400, 'invalidFilter', `The filter could not be parsed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function nestingOf(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (const c of text) {
    if (c === '(' || c === '[') deepest = Math.max(deepest, ++depth);
    else if (c === ')' || c === ']') depth--;
  }
  return deepest;
}

/** Positional parameters of one SQL statement ($1, $2, ...), shared by the filter and the rest of the query. */
export class SqlParameters {
  constructor(readonly values: unknown[] = []) {}

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

type Resolved = { column: ScimColumn } | { multi: ScimMultiValued; column: ScimColumn };

function resolve(map: ScimAttributeMap, path: string): Resolved {
  const { prefix, rest } = attributeKey(path);
  const direct = map[prefix + rest];
  if (direct && 'sql' in direct) return { column: direct };
  if (direct) return { multi: direct, column: valueOf(direct, path) };
  const dot = rest.lastIndexOf('.');
  if (dot > 0) {
    const parent = map[prefix + rest.slice(0, dot)];
    if (parent && 'elements' in parent) {
      const column = parent.sub[rest.slice(dot + 1)];
      if (column) return { multi: parent, column };
    }
  }
  throw scimError(400, 'invalidFilter', `Unknown or unfilterable attribute "${path}"`);
}

function valueOf(multi: ScimMultiValued, path: string): ScimColumn {
  const value = multi.sub['value'];
  if (!value) throw scimError(400, 'invalidFilter', `"${path}" has no value to compare; name a sub-attribute`);
  return value;
}

/**
 * Translates a parsed filter into a SQL condition over the attribute map: every operator of RFC 7644
 * §3.4.2.2 (eq ne co sw ew pr gt ge lt le), and, or, not, grouping, and value paths (`emails[type eq "work"]`)
 * on multi-valued attributes as EXISTS over their elements. Values travel as parameters, never in the text.
 */
export function filterToSql(filter: Filter, map: ScimAttributeMap, params: SqlParameters, depth = 0): string {
  if (depth > MAX_DEPTH) throw scimError(400, 'invalidFilter', `The filter nests more than ${MAX_DEPTH} levels`);
  switch (filter.op) {
    case 'and':
    case 'or': {
      const parts = (filter as Extract<Filter, { filters: Filter[] }>).filters.map((f) => filterToSql(f, map, params, depth + 1));
      return `(${parts.join(filter.op === 'and' ? ' AND ' : ' OR ')})`;
    }
    case 'not':
      return `(NOT coalesce(${filterToSql((filter as Extract<Filter, { op: 'not' }>).filter, map, params, depth + 1)}, false))`;
    case '[]': {
      const valuePath = filter as Extract<Filter, { op: '[]' }>;
      const { prefix, rest } = attributeKey(valuePath.attrPath);
      const multi = map[prefix + rest];
      if (!multi || !('elements' in multi)) throw scimError(400, 'invalidFilter', `"${valuePath.attrPath}" is not a multi-valued attribute`);
      return `EXISTS (SELECT 1 FROM ${multi.elements} WHERE ${filterToSql(valuePath.valFilter, multi.sub, params, depth + 1)})`;
    }
    default: {
      const expression = filter as Extract<Filter, { attrPath: string }>;
      const resolved = resolve(map, expression.attrPath);
      const condition = comparison(resolved.column, expression, params);
      return 'multi' in resolved ? `EXISTS (SELECT 1 FROM ${resolved.multi.elements} WHERE ${condition})` : condition;
    }
  }
}

/** Parses and translates in one step. */
export function scimFilterSql(text: string, map: ScimAttributeMap, params: SqlParameters): string {
  return filterToSql(parseScimFilter(text), map, params);
}

const ORDERING = { gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

function comparison(column: ScimColumn, filter: Extract<Filter, { attrPath: string }>, params: SqlParameters): string {
  const sql = column.sql;
  if (filter.op === 'pr') return column.type === 'string' ? `(${sql} IS NOT NULL AND ${sql} <> '')` : `(${sql} IS NOT NULL)`;
  const { op, compValue: value } = filter as Extract<Filter, { compValue: unknown }>;
  const invalid = (why: string) => scimError(400, 'invalidFilter', `${filter.attrPath} ${op}: ${why}`);
  if (value === null) {
    if (op === 'eq') return `(${sql} IS NULL)`;
    if (op === 'ne') return `(${sql} IS NOT NULL)`;
    throw invalid('null can only be compared with eq or ne');
  }
  switch (column.type) {
    case 'boolean': {
      if (typeof value !== 'boolean') throw invalid('compare a boolean attribute with true or false');
      if (op === 'eq') return `(${sql} = ${params.add(value)}::boolean)`;
      if (op === 'ne') return `(${sql} IS DISTINCT FROM ${params.add(value)}::boolean)`;
      throw invalid('a boolean attribute takes eq, ne or pr only');
    }
    case 'dateTime': {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw invalid('compare a dateTime attribute with an xsd:dateTime string');
      if (op === 'co' || op === 'sw' || op === 'ew') throw invalid('co, sw and ew apply to strings only');
      const at = `${params.add(new Date(value).toISOString())}::timestamptz`;
      if (op === 'eq') return `(${sql} = ${at})`;
      if (op === 'ne') return `(${sql} IS DISTINCT FROM ${at})`;
      return `(${sql} ${ORDERING[op as keyof typeof ORDERING]} ${at})`;
    }
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid('compare an integer attribute with an integer');
      if (op === 'co' || op === 'sw' || op === 'ew') throw invalid('co, sw and ew apply to strings only');
      const n = `${params.add(value)}::bigint`;
      if (op === 'eq') return `(${sql} = ${n})`;
      if (op === 'ne') return `(${sql} IS DISTINCT FROM ${n})`;
      return `(${sql} ${ORDERING[op as keyof typeof ORDERING]} ${n})`;
    }
    default: {
      if (typeof value === 'boolean') throw invalid('compare a string attribute with a string');
      const text = String(value);
      const exact = column.caseExact === true;
      const left = exact ? sql : `lower(${sql})`;
      const right = (v: string) => params.add(exact ? v : v.toLowerCase());
      switch (op) {
        case 'eq': return `(${left} = ${right(text)})`;
        case 'ne': return `(${sql} IS NULL OR ${left} <> ${right(text)})`;
        case 'co': return `(${left} LIKE ${right(`%${escapeLike(text)}%`)})`;
        case 'sw': return `(${left} LIKE ${right(`${escapeLike(text)}%`)})`;
        case 'ew': return `(${left} LIKE ${right(`%${escapeLike(text)}`)})`;
        default: return `(${left} ${ORDERING[op as keyof typeof ORDERING]} ${right(text)} COLLATE "C")`;
      }
    }
  }
}

/** LIKE's own characters escaped (Postgres's default escape is the backslash). */
function escapeLike(text: string): string {
  return text.replace(/[%_\\]/g, (c) => `\\${c}`);
}

/**
 * `ORDER BY` for sortBy (RFC 7644 §3.4.2.3): a single-valued attribute, or a multi-valued one by its
 * (smallest) value; resources without it sort last either way.
 */
export function scimSortSql(sortBy: string, sortOrder: 'ascending' | 'descending', map: ScimAttributeMap): string {
  let resolved: Resolved;
  try {
    resolved = resolve(map, sortBy);
  } catch {
    throw scimError(400, 'invalidValue', `sortBy: unknown or unsortable attribute "${sortBy}"`);
  }
  const column = resolved.column;
  const value = column.type === 'string' && !column.caseExact ? `lower(${column.sql})` : column.sql;
  const key = 'multi' in resolved ? `(SELECT min(${value}) FROM ${resolved.multi.elements})` : value;
  return `${key} ${sortOrder === 'descending' ? 'DESC' : 'ASC'} NULLS LAST`;
}
