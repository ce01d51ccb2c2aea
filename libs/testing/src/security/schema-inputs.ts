import fc from 'fast-check';
import { admitsNull, JsonSchema, OpenApiDocument, resolveSchema, typeOf, valueSchema } from './openapi-operations';

/** Values a valid request would carry for a field, by its name (ids of real objects, fresh emails). */
export type FieldValues = (name: string, schema: JsonSchema) => unknown;

let sequence = 0;

/** A value that satisfies `schema` (required fields only), for requests that must get past validation. */
export function validSample(doc: OpenApiDocument, schema: JsonSchema | undefined, name = '', values?: FieldValues): unknown {
  const s = valueSchema(doc, schema);
  const given = values?.(name, s);
  if (given !== undefined) return given;
  if (s.enum) return s.enum.find((v) => v !== null);
  switch (typeOf(s)) {
    case 'string': {
      sequence += 1;
      if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
      if (s.format === 'email') return `sample-${Date.now().toString(36)}-${sequence}@gatehouse.test`;
      if (s.pattern?.includes('\\.[')) return 'company.team';
      if (s.pattern?.startsWith('\\d{4}')) return new Date().toISOString();
      if (name === 'maxAge') return 'P30D';
      const text = `sample-${sequence}-${name}`;
      return text.padEnd(s.minLength ?? 1, 'x').slice(0, s.maxLength ?? text.length);
    }
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return false;
    case 'array':
      return s.minItems ? [validSample(doc, s.items, name, values)] : [];
    default: {
      const out: Record<string, unknown> = {};
      for (const key of s.required ?? []) out[key] = validSample(doc, s.properties?.[key], key, values);
      return out;
    }
  }
}

/** One generated request input and what the gateway must answer. */
export interface FuzzCase {
  kind: string;
  /** The body (POST/PUT/PATCH) or the query parameters (other methods). */
  input: unknown;
  /**
   * The body's JSON text or the query string, sent instead of `input` when a value cannot be a JavaScript
   * one: an integer JSON writes exactly but a double cannot hold, bytes that are not UTF-8.
   */
  encoded?: string;
  /** A field the 400 problem must name in `errors[].field` (see namesField). */
  field?: string;
}

/**
 * Whether the fields of a 400's `errors[]` name `field`: the field itself, a field inside it, or the array
 * holding it (class-validator's `each` rules name the array, e.g. `namespaces` for `namespaces[0]`).
 */
export function namesField(fields: string[], field: string): boolean {
  const holder = field.replace(/\[\d+\]$/, '');
  return fields.some((f) => f === field || f === holder || f.startsWith(`${field}.`) || f.startsWith(`${field}[`));
}

/**
 * An arbitrary built on first use. fast-check builds its `unit: 'binary'` tables in seconds, which every
 * spec importing this lib (the unit specs too, each in its own module registry) paid at import.
 */
class LazyArbitrary<T> extends fc.Arbitrary<T> {
  private built?: fc.Arbitrary<T>;

  constructor(private readonly build: () => fc.Arbitrary<T>) {
    super();
  }

  private get arbitrary(): fc.Arbitrary<T> {
    return (this.built ??= this.build());
  }

  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<T> {
    return this.arbitrary.generate(mrng, biasFactor);
  }

  canShrinkWithoutContext(value: unknown): value is T {
    return this.arbitrary.canShrinkWithoutContext(value);
  }

  shrink(value: T, context: unknown): fc.Stream<fc.Value<T>> {
    return this.arbitrary.shrink(value, context);
  }
}

const letters = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz') });
const unicode = new LazyArbitrary(() => fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }));

/** Values of the wrong JSON type for a field of this schema (null too, unless the field admits it). */
function wrongType(declared: JsonSchema, s: JsonSchema, inQuery: boolean): fc.Arbitrary<unknown> | null {
  const type = typeOf(s);
  if (inQuery) {
    // A query parameter is always text: wrong = not a number, or repeated (an array).
    if (type === 'integer' || type === 'number') return fc.oneof(letters, fc.constant(['1', '2']));
    return fc.constant(['a', 'b']);
  }
  const wrong = wrongJsonType(type);
  return wrong && !admitsNull(declared) ? fc.oneof(wrong, fc.constant(null)) : wrong;
}

function wrongJsonType(type: string | undefined): fc.Arbitrary<unknown> | null {
  const objectish = fc.oneof(
    fc.dictionary(letters, fc.integer(), { maxKeys: 3 }),
    fc.array(fc.jsonValue(), { maxLength: 3 }),
  );
  switch (type) {
    case 'string':
      return fc.oneof(fc.integer(), fc.boolean(), fc.double({ noNaN: true }), objectish);
    case 'integer':
    case 'number':
      return fc.oneof(letters.map((t) => `${t}!`), objectish);
    case 'boolean':
      return fc.oneof(fc.integer({ min: 2 }), letters.map((t) => `${t}?`), objectish);
    case 'array':
      return fc.oneof(letters, fc.integer(), fc.dictionary(letters, fc.integer(), { maxKeys: 3 }));
    case 'object':
      return fc.oneof(letters, fc.integer(), fc.array(fc.integer(), { maxLength: 3 }));
    default:
      return null;
  }
}

/** Values that have the right type but break a rule of the schema (length, range, pattern, format, enum). */
function outOfRange(s: JsonSchema, inQuery: boolean): fc.Arbitrary<unknown> | null {
  const asText = (a: fc.Arbitrary<number>) => (inQuery ? a.map(String) : a);
  const type = typeOf(s);
  const options: Array<fc.Arbitrary<unknown>> = [];
  if (type === 'string') {
    if (s.maxLength !== undefined) {
      const max = s.maxLength;
      // A query string stays under the HTTP server's header limit (16 KiB) so that validation sees it.
      options.push(fc.integer({ min: max + 1, max: max + (inQuery ? 600 : 200_000) }).map((n) => 'é'.repeat(n)));
    }
    if (s.minLength && s.minLength > 0) options.push(fc.constant(''));
    if (s.enum) options.push(unicode.filter((v) => !s.enum?.includes(v)));
    if (s.format === 'uuid') options.push(fc.oneof(unicode, fc.constantFrom("' OR 1=1 --", '../../etc/passwd', '00000000-0000-0000-0000-00000000000g')));
    if (s.format === 'email') options.push(fc.oneof(letters, fc.constantFrom('a@', '@b.c', 'a b@c.d', '<script>@x.y')));
    // Every pattern of the contracts refuses blanks and colons.
    if (s.pattern) options.push(fc.constantFrom(' spaced : value ', 'a b', '\t:\n', 'ü \u0000 z', '\u202e :'));
  }
  if (type === 'integer' || type === 'number') {
    if (s.minimum !== undefined) options.push(asText(fc.integer({ min: -1e9, max: s.minimum - 1 })), asText(fc.constant(-1e308)));
    if (s.maximum !== undefined) {
      options.push(asText(fc.integer({ min: s.maximum + 1, max: 2 ** 53 + 10 })), asText(fc.constantFrom(2 ** 53 + 2, 2 ** 63, 1e20, 1e308)));
    }
    if (type === 'integer') options.push(asText(fc.constantFrom(1.5, 2.000001, 1e-7)));
  }
  if (type === 'array' && !inQuery) {
    if (s.maxItems !== undefined) options.push(fc.constant(new Array(s.maxItems + 1).fill('x')));
    if (s.minItems) options.push(fc.constant([]));
  }
  return options.length ? fc.oneof(...options) : null;
}

const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

/**
 * Requests that are wrong in one known way, for one operation: a field of the wrong type, a value out
 * of its range/pattern/format/enum, an unknown field (including prototype-pollution keys), a missing
 * required field, or a body that is not an object. Every case must be refused with a 4xx.
 */
export function invalidInputs(doc: OpenApiDocument, schema: JsonSchema | undefined, inQuery: boolean, pathParams: string[], values?: FieldValues): fc.Arbitrary<FuzzCase> {
  const s = resolveSchema(doc, schema) ?? { type: 'object', properties: {} };
  const base = () => validSample(doc, s, '', values) as Record<string, unknown>;
  const props = Object.entries(s.properties ?? {}).filter(([name]) => !pathParams.includes(name));
  const cases: Array<fc.Arbitrary<FuzzCase>> = [];
  for (const [name, raw] of props) {
    const field = valueSchema(doc, raw);
    const wrong = wrongType(resolveSchema(doc, raw) ?? {}, field, inQuery);
    if (wrong) cases.push(wrong.map((value) => ({ kind: 'wrong type', input: { ...base(), [name]: value }, field: name })));
    const range = outOfRange(field, inQuery);
    if (range) cases.push(range.map((value) => ({ kind: 'out of range', input: { ...base(), [name]: value }, field: name })));
  }
  for (const name of (s.required ?? []).filter((r) => !pathParams.includes(r))) {
    cases.push(fc.constant(null).map(() => {
      const input = base();
      delete input[name];
      return { kind: 'missing required', input, field: name };
    }));
  }
  const known = new Set([...Object.keys(s.properties ?? {}), ...pathParams]);
  const unknownName = fc.oneof(fc.constantFrom('isAdmin', 'superAdmin', 'tenantId', 'caller', 'role', '$where'), letters, unicode).filter((n) => !known.has(n));
  cases.push(
    fc.tuple(unknownName, inQuery ? letters : fc.jsonValue()).map(([name, value]) => ({ kind: 'unknown field', input: { ...base(), [name]: value }, field: name })),
  );
  if (!inQuery) {
    // JSON.parse keeps `__proto__` as an own key, as a hostile client's JSON would carry it.
    cases.push(
      fc.tuple(fc.constantFrom(...POLLUTION_KEYS), fc.constantFrom<unknown>({ isAdmin: true, polluted: 'yes' }, { prototype: { polluted: 'yes' } })).map(([name, value]) => ({
        kind: 'prototype pollution',
        input: JSON.parse(JSON.stringify({ ...base(), marker: 1 }).replace('"marker":1', `${JSON.stringify(name)}:${JSON.stringify(value)}`)),
      })),
      fc.oneof(fc.array(fc.jsonValue(), { maxLength: 4 }), fc.string(), fc.integer(), fc.boolean()).map((input) => ({ kind: 'not an object', input })),
    );
  }
  return fc.oneof(...cases);
}

/** Strings clients might send where text is allowed: unicode of every plane, controls, very long text. */
export const hostileText = fc.oneof(
  new LazyArbitrary(() => fc.string({ maxLength: 60, unit: 'binary' })),
  fc.string({ maxLength: 60, unit: 'grapheme' }),
  fc.constantFrom('\u0000', '\ud800', '\u202e\u0041', 'Robert\'); DROP TABLE users;--', '<img src=x onerror=alert(1)>', '${jndi:ldap://x}', '%00%2e%2e/'),
);

/** One field of a request schema, at any depth: `name`, `editor.fontSize`, `bindings[0].namespaces[0]`. */
export interface SchemaField {
  path: Array<string | number>;
  /** The path as validation errors write it. */
  field: string;
  /** As declared, null admitted or not. */
  declared: JsonSchema;
  /** Of its non-null values, references resolved. */
  schema: JsonSchema;
}

/** The contracts nest 3 levels at most (`bindings[0].namespaces[0]`); a bound keeps a recursive schema finite. */
const MAX_FIELD_DEPTH = 4;

export const fieldPath = (path: Array<string | number>): string =>
  path.map((step, i) => (typeof step === 'number' ? `[${step}]` : i === 0 ? step : `.${step}`)).join('');

/** Every field of a request schema: properties of nested objects and the (first) item of arrays included; query parameters are flat. */
export function schemaFields(doc: OpenApiDocument, schema: JsonSchema | undefined, inQuery: boolean, pathParams: string[]): SchemaField[] {
  const fields: SchemaField[] = [];
  const visit = (declared: JsonSchema | undefined, path: Array<string | number>) => {
    const s = valueSchema(doc, declared);
    if (path.length > 0) fields.push({ path, field: fieldPath(path), declared: resolveSchema(doc, declared) ?? {}, schema: s });
    if ((inQuery && path.length > 0) || path.length >= MAX_FIELD_DEPTH) return;
    const type = typeOf(s);
    if (type === 'array' && s.items) visit(s.items, [...path, 0]);
    if (type !== 'object' && path.length > 0) return;
    for (const [name, child] of Object.entries(s.properties ?? {})) {
      if (path.length > 0 || !pathParams.includes(name)) visit(child, [...path, name]);
    }
  };
  visit(schema, []);
  return fields;
}

/** `base` with `value` at `path`, what is missing on the way filled with valid samples, so that only that field is wrong. */
export function withValueAt(doc: OpenApiDocument, schema: JsonSchema | undefined, base: unknown, path: Array<string | number>, value: unknown, values?: FieldValues): unknown {
  if (path.length === 0) return value;
  const s = valueSchema(doc, schema);
  const [step, ...rest] = path;
  if (typeof step === 'number') {
    const items = Array.isArray(base) ? [...base] : [];
    const item = items[step] ?? (rest.length > 0 ? validSample(doc, s.items, '', values) : undefined);
    items[step] = withValueAt(doc, s.items, item, rest, value, values);
    return items;
  }
  const object: Record<string, unknown> = base !== null && typeof base === 'object' && !Array.isArray(base) ? { ...base } : {};
  const child = s.properties?.[step];
  const current = object[step] ?? (rest.length > 0 ? validSample(doc, child, step, values) : undefined);
  object[step] = withValueAt(doc, child, current, rest, value, values);
  return object;
}

/** Text no service can store. A query string can only carry NUL this way: other bytes that are not UTF-8 stay percent-escaped text. */
const UNSTORABLE_TEXT = ['\u0000', 'nul \u0000 inside', '\ud800', 'lone low \udfff', 'reversed \udc00\ud800'];
const UNSTORABLE_QUERY_TEXT = ['\u0000', 'nul \u0000 inside'];
/** Integers past 2^53 (no double holds them exactly), past a bigint (2^63) either way, and past any double, as JSON or a query writes them. */
const HUGE_INTEGERS = ['9007199254740993', '9223372036854775808', '-9223372036854775809', '99999999999999999999', '1e400'];
const NUMBER_MARKER = '\u0001number\u0001';

/**
 * For every field of a request at any depth, the values no service may take, each a case that must be
 * refused with a 400 naming the field: text with NUL or a lone surrogate; integers past 2^53, 2^63 and
 * any double (exact JSON numbers, or query text); in bodies, null (unless the field admits it) and an
 * empty array or object where neither is the field's type.
 */
export function unacceptableValues(doc: OpenApiDocument, schema: JsonSchema | undefined, inQuery: boolean, pathParams: string[], values?: FieldValues): FuzzCase[] {
  const base = validSample(doc, schema, '', values);
  const cases: FuzzCase[] = [];
  for (const f of schemaFields(doc, schema, inQuery, pathParams)) {
    const at = (value: unknown) => withValueAt(doc, schema, base, f.path, value, values);
    const type = typeOf(f.schema);
    if (type === 'string') {
      for (const text of inQuery ? UNSTORABLE_QUERY_TEXT : UNSTORABLE_TEXT) cases.push({ kind: 'unstorable text', input: at(text), field: f.field });
    }
    if (type === 'integer' || type === 'number') {
      for (const digits of HUGE_INTEGERS) {
        const input = at(inQuery ? digits : NUMBER_MARKER);
        const encoded = inQuery ? undefined : JSON.stringify(input).replace(JSON.stringify(NUMBER_MARKER), digits);
        cases.push({ kind: 'huge number', input, encoded, field: f.field });
      }
    }
    if (inQuery) continue;
    if (!admitsNull(f.declared)) cases.push({ kind: 'null', input: at(null), field: f.field });
    if (type !== 'array') cases.push({ kind: 'empty array', input: at([]), field: f.field });
    if (type !== 'object') cases.push({ kind: 'empty object', input: at({}), field: f.field });
  }
  return cases;
}

/** Valid requests that set a field admitting null to null ("clear it", "none"): answered without a 5xx. */
export function nullsWhereAdmitted(doc: OpenApiDocument, schema: JsonSchema | undefined, pathParams: string[], values?: FieldValues): FuzzCase[] {
  const base = validSample(doc, schema, '', values);
  return schemaFields(doc, schema, false, pathParams)
    .filter((f) => admitsNull(f.declared))
    .map((f) => ({ kind: 'null where admitted', input: withValueAt(doc, schema, base, f.path, null, values) }));
}

/** Query text of bytes that are not UTF-8 (a surrogate's, an overlong NUL): no client library writes them, a raw socket can. */
export const NON_UTF8_QUERY_VALUES = ['%ED%A0%80', '%ED%BF%BF', '%C0%80', '%FF%FE'];
