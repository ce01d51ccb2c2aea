import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, IsString, validate } from 'class-validator';
import * as contracts from '../index';
import { isStorableText, MAX_PAGE, Nested, nestsDeeperThan, Optional, OptionalOrNull, unstorableTextFields } from '../input-rules';
import { PageQuery } from '../pagination';

describe('unstorableTextFields', () => {
  it('accepts any well-formed text, supplementary characters (surrogate pairs) included', () => {
    expect(unstorableTextFields({ name: 'Zoë 😀 \u202e <b>', tags: ['\ud83d\ude00', ''], nested: { deep: [{ text: 'ok' }] } })).toEqual([]);
  });

  it('names each string holding a NUL or a lone surrogate by its field path, at any depth', () => {
    const fields = unstorableTextFields({
      username: 'ro\u0000ot',
      bindings: [{ roleId: 'x' }, { namespaces: ['ok', 'a\ud800'] }],
      editor: { keymap: '\udc00vim' },
      fine: 'end \ud800\udc00',
    }).map((e) => e.field);
    expect(fields).toEqual(['username', 'bindings[1].namespaces[1]', 'editor.keymap']);
  });

  it('tells what is wrong, in the words of a validation error', () => {
    expect(unstorableTextFields({ q: '\u0000' })).toEqual([{ field: 'q', message: 'q must not contain NUL characters or unpaired UTF-16 surrogates' }]);
  });

  it('refuses such characters in object keys too, naming the key as sent', () => {
    expect(unstorableTextFields({ permissions: { 'FL\u0000OW': ['READ'] } })).toEqual([
      { field: 'permissions.FL\u0000OW', message: 'field names must not contain NUL characters or unpaired UTF-16 surrogates' },
    ]);
  });

  it('isStorableText: a high surrogate at the end, a low one at the start, and reversed pairs are lone', () => {
    for (const text of ['a\ud83d', '\ude00a', '\ude00\ud83d', '\u0000']) expect(isStorableText(text)).toBe(false);
    for (const text of ['\ud83d\ude00', '\uffff', '\u0001', '']) expect(isStorableText(text)).toBe(true);
  });
});

describe('nestsDeeperThan', () => {
  const nested = (levels: number): unknown => (levels === 0 ? 'leaf' : [nested(levels - 1)]);

  it('counts levels of objects and arrays, not scalars', () => {
    expect(nestsDeeperThan({ a: nested(2) }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: nested(3) }, 3)).toBe(true);
    expect(nestsDeeperThan('text', 0)).toBe(false);
  });

  it('walks very deep JSON without recursion', () => {
    const deep = JSON.parse(`{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
    expect(nestsDeeperThan(deep, 32)).toBe(true);
  });
});

class Patch {
  @Optional() @IsString()
  name?: string;

  @OptionalOrNull() @IsString()
  description?: string | null;
}

const errorsOf = async (value: object) =>
  (await validate(plainToInstance(Patch, value))).map((e) => ({ property: e.property, messages: Object.values(e.constraints ?? {}) }));

describe('Optional and OptionalOrNull', () => {
  it('Optional: omitted is fine, null is refused naming the field', async () => {
    expect(await errorsOf({})).toEqual([]);
    expect(await errorsOf({ name: null })).toEqual([{ property: 'name', messages: expect.arrayContaining(['name must not be null; omit it instead']) }]);
    expect(await errorsOf({ name: 42 })).toEqual([{ property: 'name', messages: ['name must be a string'] }]);
  });

  it('OptionalOrNull: omitted and null are both fine', async () => {
    expect(await errorsOf({ description: null })).toEqual([]);
    expect(await errorsOf({ description: 1 })).toEqual([{ property: 'description', messages: ['description must be a string'] }]);
  });
});

class Item {
  @IsString()
  id: string;
}

class Holder {
  @Nested(() => Item)
  one: Item;

  @Nested(() => Item, { each: true })
  many: Item[];
}

describe('Nested', () => {
  const fieldsOf = async (value: object) => (await validate(plainToInstance(Holder, value))).map((e) => e.property);

  it('validates nested objects and each object of an array', async () => {
    expect(await fieldsOf({ one: { id: 'a' }, many: [{ id: 'b' }] })).toEqual([]);
    expect(await fieldsOf({ one: { id: 1 }, many: [{ id: 'b' }] })).toEqual(['one']);
  });

  it('refuses an array where an object belongs (ValidateNested alone validated its items, none, and passed)', async () => {
    expect(await fieldsOf({ one: [], many: [[]] })).toEqual(['one', 'many']);
    expect(await fieldsOf({ one: { id: 'a' }, many: [{ id: 'b' }, 'text', null] })).toEqual(['many']);
  });
});

describe('the DTOs of libs/contracts', () => {
  const dtoClasses = Object.values(contracts).filter(
    (value): value is new () => object =>
      typeof value === 'function' && getMetadataStorage().getTargetValidationMetadatas(value as new () => object, '', true, false).length > 0,
  );

  it('bound every integer they accept on both sides, so no number past 2^53 (or 2^63) reaches a service', () => {
    expect(dtoClasses.length).toBeGreaterThan(50);
    const unbounded = dtoClasses.flatMap((dto) => {
      const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
      const integers = new Set(metadata.filter((m) => m.name === 'isInt').map((m) => m.propertyName));
      const bounded = (bound: string) => new Set(metadata.filter((m) => m.name === bound).map((m) => m.propertyName));
      const [min, max] = [bounded('min'), bounded('max')];
      return [...integers].filter((p) => !min.has(p) || !max.has(p)).map((p) => `${dto.name}.${p}`);
    });
    expect(unbounded).toEqual([]);
  });

  it('refuse a page past MAX_PAGE, including numbers past 2^53 and 2^63', async () => {
    for (const page of [String(MAX_PAGE + 1), '9007199254740993', '9223372036854775808', '99999999999999999999', '1e400']) {
      const errors = await validate(plainToInstance(PageQuery, { page }));
      expect(errors.map((e) => e.property)).toEqual(['page']);
    }
    expect(await validate(plainToInstance(PageQuery, { page: String(MAX_PAGE) }))).toEqual([]);
  });
});
