import fc from 'fast-check';
import { JsonSchema, OpenApiDocument, resolveSchema } from './openapi-operations';

/** Values a valid request would carry for a field, by its name (ids of real objects, fresh emails). */
export type FieldValues = (name: string, schema: JsonSchema) => unknown;

let sequence = 0;

/** A value that satisfies `schema` (required fields only), for requests that must get past validation. */
export function validSample(doc: OpenApiDocument, schema: JsonSchema | undefined, name = '', values?: FieldValues): unknown {
  const s = resolveSchema(doc, schema) ?? {};
  const given = values?.(name, s);
  if (given !== undefined) return given;
  if (s.enum) return s.enum[0];
  switch (s.type) {
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
  /** A field the 400 problem must name in `errors[].field` (its dotted path starts with it). */
  field?: string;
}

const letters = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz') });
const unicode = fc.string({ minLength: 1, maxLength: 40, unit: 'binary' });

/** Values of the wrong JSON type for a field of this schema. */
function wrongType(s: JsonSchema, inQuery: boolean): fc.Arbitrary<unknown> | null {
  if (inQuery) {
    // A query parameter is always text: wrong = not a number, or repeated (an array).
    if (s.type === 'integer' || s.type === 'number') return fc.oneof(letters, fc.constant(['1', '2']));
    return fc.constant(['a', 'b']);
  }
  const objectish = fc.oneof(fc.dictionary(letters, fc.integer(), { minKeys: 1, maxKeys: 3 }), fc.array(fc.jsonValue(), { minLength: 1, maxLength: 3 }));
  switch (s.type) {
    case 'string':
      return fc.oneof(fc.integer(), fc.boolean(), fc.double({ noNaN: true }), objectish);
    case 'integer':
    case 'number':
      return fc.oneof(letters.map((t) => `${t}!`), fc.dictionary(letters, fc.integer(), { minKeys: 1, maxKeys: 3 }));
    case 'boolean':
      return fc.oneof(fc.integer({ min: 2 }), letters.map((t) => `${t}?`), objectish);
    case 'array':
      return fc.oneof(letters, fc.integer(), fc.dictionary(letters, fc.integer(), { minKeys: 1, maxKeys: 3 }));
    case 'object':
      return fc.oneof(letters, fc.integer(), fc.array(fc.integer(), { minLength: 1, maxLength: 3 }));
    default:
      return null;
  }
}

/** Values that have the right type but break a rule of the schema (length, range, pattern, format, enum). */
function outOfRange(s: JsonSchema, inQuery: boolean): fc.Arbitrary<unknown> | null {
  const asText = (a: fc.Arbitrary<number>) => (inQuery ? a.map(String) : a);
  const options: Array<fc.Arbitrary<unknown>> = [];
  if (s.type === 'string') {
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
  if (s.type === 'integer' || s.type === 'number') {
    if (s.minimum !== undefined) options.push(asText(fc.integer({ min: -1e9, max: s.minimum - 1 })), asText(fc.constant(-1e308)));
    if (s.maximum !== undefined) options.push(asText(fc.integer({ min: s.maximum + 1, max: 2 ** 53 + 10 })), asText(fc.constant(1e308)));
    if (s.type === 'integer') options.push(asText(fc.constantFrom(1.5, 2.000001, 1e-7)));
  }
  if (s.type === 'array' && !inQuery) {
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
    const field = resolveSchema(doc, raw) ?? {};
    const wrong = wrongType(field, inQuery);
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
  fc.string({ maxLength: 60, unit: 'binary' }),
  fc.string({ maxLength: 60, unit: 'grapheme' }),
  fc.constantFrom('\u0000', '\ud800', '\u202e\u0041', 'Robert\'); DROP TABLE users;--', '<img src=x onerror=alert(1)>', '${jndi:ldap://x}', '%00%2e%2e/'),
);
