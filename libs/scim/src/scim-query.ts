import { scimError } from './scim-error';
import { attributeKey } from './scim-filter';
import { SCIM_DEFAULT_COUNT, SCIM_MAX_RESULTS, SCIM_SCHEMAS } from './scim-protocol';

/** The query parameters of a list (RFC 7644 §3.4.2) and of a single resource's GET (attributes only). */
export interface ScimListQuery {
  filter?: string;
  /** 1-based; anything below 1 is read as 1 (§3.4.2.4). */
  startIndex: number;
  /** At most SCIM_MAX_RESULTS; a negative count is read as 0 (§3.4.2.4). */
  count: number;
  sortBy?: string;
  sortOrder: 'ascending' | 'descending';
  attributes?: string[];
  excludedAttributes?: string[];
}

function text(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw scimError(400, 'invalidValue', `${name} must be given once, as text`);
  return value;
}

function integer(query: Record<string, unknown>, name: string): number | undefined {
  const value = text(query, name);
  if (value === undefined) return undefined;
  if (!/^-?\d{1,10}$/.test(value.trim())) throw scimError(400, 'invalidValue', `${name} must be an integer`);
  return Number(value);
}

function list(query: Record<string, unknown>, name: string): string[] | undefined {
  const value = text(query, name);
  if (value === undefined) return undefined;
  const names = value.split(',').map((a) => a.trim()).filter((a) => a.length > 0);
  if (names.some((a) => a.length > 300 || !/^[\w:.$-]+$/.test(a))) throw scimError(400, 'invalidValue', `${name} must be a comma-separated list of attribute names`);
  return names;
}

export function parseListQuery(query: Record<string, unknown>): ScimListQuery {
  const sortOrder = text(query, 'sortOrder');
  if (sortOrder !== undefined && sortOrder !== 'ascending' && sortOrder !== 'descending') {
    throw scimError(400, 'invalidValue', 'sortOrder must be "ascending" or "descending"');
  }
  const sortBy = text(query, 'sortBy');
  const filter = text(query, 'filter');
  return {
    ...(filter !== undefined ? { filter } : {}),
    startIndex: Math.max(1, integer(query, 'startIndex') ?? 1),
    count: Math.min(SCIM_MAX_RESULTS, Math.max(0, integer(query, 'count') ?? SCIM_DEFAULT_COUNT)),
    ...(sortBy !== undefined ? { sortBy } : {}),
    sortOrder: sortOrder ?? 'ascending',
    ...attributeParameters(query),
  };
}

export function attributeParameters(query: Record<string, unknown>): Pick<ScimListQuery, 'attributes' | 'excludedAttributes'> {
  const attributes = list(query, 'attributes');
  const excludedAttributes = list(query, 'excludedAttributes');
  return { ...(attributes ? { attributes } : {}), ...(excludedAttributes ? { excludedAttributes } : {}) };
}

/** Attributes every answer keeps (RFC 7643 §2.4 returned "always"). */
const ALWAYS = new Set(['id', 'schemas']);

/**
 * Applies `attributes` (only these, plus id and schemas) or `excludedAttributes` (all but these) to a
 * resource (RFC 7644 §3.9); names are case-insensitive, sub-attributes dotted, extension ones URN-prefixed.
 */
export function projectAttributes(resource: Record<string, unknown>, query: Pick<ScimListQuery, 'attributes' | 'excludedAttributes'>): Record<string, unknown> {
  if (query.attributes?.length) {
    const kept: Record<string, unknown> = {};
    for (const key of Object.keys(resource)) if (ALWAYS.has(key)) kept[key] = resource[key];
    for (const path of query.attributes) copyPath(resource, kept, path);
    return kept;
  }
  if (query.excludedAttributes?.length) {
    const copy = structuredClone(resource);
    for (const path of query.excludedAttributes) removePath(copy, path);
    return copy;
  }
  return resource;
}

function steps(path: string): string[] {
  const { prefix, rest } = attributeKey(path);
  return prefix ? [SCIM_SCHEMAS.enterpriseUser.toLowerCase(), ...rest.split('.')] : rest.split('.');
}

function keyIn(object: Record<string, unknown>, step: string): string | undefined {
  return Object.keys(object).find((k) => k.toLowerCase() === step);
}

function copyPath(from: Record<string, unknown>, to: Record<string, unknown>, path: string): void {
  const [first, ...more] = steps(path);
  const key = keyIn(from, first);
  if (key === undefined) return;
  const value = from[key];
  if (more.length === 0 || typeof value !== 'object' || value === null) {
    to[key] = value;
    return;
  }
  if (Array.isArray(value)) {
    to[key] = value.map((element) => {
      const picked: Record<string, unknown> = {};
      if (typeof element === 'object' && element !== null) copyPath(element as Record<string, unknown>, picked, more.join('.'));
      return picked;
    });
    return;
  }
  const target = (typeof to[key] === 'object' && to[key] !== null ? to[key] : {}) as Record<string, unknown>;
  to[key] = target;
  copyPath(value as Record<string, unknown>, target, more.join('.'));
}

function removePath(object: Record<string, unknown>, path: string): void {
  const [first, ...more] = steps(path);
  const key = keyIn(object, first);
  if (key === undefined || ALWAYS.has(key)) return;
  if (more.length === 0) {
    delete object[key];
    return;
  }
  const value = object[key];
  const elements = Array.isArray(value) ? value : [value];
  for (const element of elements) {
    if (typeof element === 'object' && element !== null) removePath(element as Record<string, unknown>, more.join('.'));
  }
}
