import { Type } from 'class-transformer';
import { IsDefined, IsObject, IsOptional, ValidateIf, ValidateNested, ValidationOptions } from 'class-validator';
import { FieldError } from './problem';

/**
 * Rules every request obeys, whatever its DTO: they keep out of the services the inputs Postgres or
 * JavaScript cannot hold, which would otherwise surface as a 500 (issue #20). validateDto applies the
 * text and nesting rules before a DTO's own; the DTOs use the decorators below.
 */

/**
 * The largest page number a list accepts. With at most 500 per page the offset stays below 5·10⁹, exact
 * in a JavaScript number and far inside Postgres' bigint OFFSET; no list here comes near that many rows.
 */
export const MAX_PAGE = 10_000_000;

/** How deep objects and arrays may nest in a request (the DTOs need 3); deeper JSON exhausts recursive encoders. */
export const MAX_NESTING_DEPTH = 32;

/** NUL, which Postgres text and jsonb refuse, and a UTF-16 surrogate without its pair, which has no UTF-8 form. */
// eslint-disable-next-line no-control-regex -- NUL is one of the characters it exists to find
const UNSTORABLE_CHARACTER = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

export function isStorableText(text: string): boolean {
  return !UNSTORABLE_CHARACTER.test(text);
}

/**
 * Every string of a JSON value (at any depth, object keys included) that no service can store, named
 * by its field path in the style of validation errors: `name`, `bindings[1].namespaces[0]` (a bad key
 * appears in the path as sent; JSON escapes it in the answer).
 */
export function unstorableTextFields(value: unknown, parent = ''): FieldError[] {
  if (typeof value === 'string') return isStorableText(value) ? [] : [{ field: parent, message: `${parent} ${UNSTORABLE_TEXT_MESSAGE}` }];
  if (Array.isArray(value)) return value.flatMap((item, i) => unstorableTextFields(item, `${parent}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const field = parent ? `${parent}.${key}` : key;
    const badKey = isStorableText(key) ? [] : [{ field, message: `field names ${UNSTORABLE_TEXT_MESSAGE}` }];
    return [...badKey, ...unstorableTextFields(item, field)];
  });
}

/** Whether objects and arrays nest deeper than `max` levels in a JSON value (checked without recursion). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, depth] = next;
    if (item === null || typeof item !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * The field may be omitted but, when present, is never null: "leave it as it is" is said by leaving it
 * out, so the service can take a present field for a value of its type. The default for optional fields;
 * for those where null means something (clear it, the default tenant) use OptionalOrNull.
 */
export function Optional(options?: ValidationOptions): PropertyDecorator {
  const validateWhenPresent = ValidateIf((_object: object, value: unknown) => value !== undefined, options);
  const refuseNull = IsDefined({ ...options, message: '$property must not be null; omit it instead' });
  return (target, property) => {
    validateWhenPresent(target, property);
    refuseNull(target, property);
  };
}

/**
 * The field may be omitted or null, and the service gives null a meaning: "clear it" (a description),
 * "the default tenant" (a tenantId). The OpenAPI schema of such a field admits null.
 */
export function OptionalOrNull(options?: ValidationOptions): PropertyDecorator {
  return IsOptional(options);
}

/**
 * A nested DTO, or with `each` an array of them. ValidateNested alone takes an array where an object
 * belongs and validates its items instead, so `{"checks": [[]]}` passed with every field of the check
 * missing; each value must be an object first.
 */
export function Nested(type: () => new () => object, options?: { each?: boolean }): PropertyDecorator {
  const each = options?.each ?? false;
  const decorators = [IsObject({ each }), ValidateNested({ each }), Type(type)];
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}
