import { Type } from 'class-transformer';
import { IsInt, IsString, MaxLength, ValidateNested } from 'class-validator';
import { MAX_NESTING_DEPTH, Optional, OptionalOrNull } from '@gatehouse/contracts';
import { ProblemException } from '../problem.exception';
import { validateDto } from '../validation';

class Inner {
  @IsInt()
  count: number;
}

class Outer {
  @IsString() @MaxLength(5)
  name: string;

  @ValidateNested({ each: true }) @Type(() => Inner)
  items: Inner[];

  @Optional() @IsString()
  label?: string;

  @OptionalOrNull() @IsString()
  note?: string | null;
}

async function problemOf(value: unknown) {
  try {
    await validateDto(Outer, value);
  } catch (error) {
    return (error as ProblemException).problem;
  }
  throw new Error('expected a validation problem');
}

describe('validateDto', () => {
  it('accepts a valid object and returns a class instance', async () => {
    const value = await validateDto(Outer, { name: 'abc', items: [{ count: 1 }] });
    expect(value).toBeInstanceOf(Outer);
    expect(value.items[0]).toBeInstanceOf(Inner);
  });

  it('names nested fields with dotted paths and indexes', async () => {
    const problem = await problemOf({ name: 'too long a name', items: [{ count: 1 }, { count: 'x' }] });
    expect(problem.status).toBe(400);
    expect(problem.errors).toEqual([
      { field: 'name', message: 'name must be shorter than or equal to 5 characters' },
      { field: 'items[1].count', message: 'count must be an integer number' },
    ]);
  });

  it('refuses unknown fields by name', async () => {
    const problem = await problemOf({ name: 'a', items: [], admin: true });
    expect(problem.errors).toEqual([{ field: 'admin', message: 'unknown field admin' }]);
  });

  it('refuses text no service can store (NUL, lone surrogates) anywhere in the value, naming each path', async () => {
    const problem = await problemOf({ name: 'a\u0000', items: [{ count: 1 }], extra: { deep: ['ok', '\ud800'] } });
    expect(problem.status).toBe(400);
    expect(problem.errors?.map((e) => e.field)).toEqual(['name', 'extra.deep[1]']);
  });

  it('refuses JSON nested deeper than MAX_NESTING_DEPTH before walking it', async () => {
    const deep = JSON.parse(`{"name":"a","items":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect((await problemOf(deep)).detail).toBe(`The request nests objects and arrays deeper than ${MAX_NESTING_DEPTH} levels`);
  });

  it('refuses null for a field that may be omitted but not cleared (Optional), and accepts it where null means clear', async () => {
    expect((await problemOf({ name: 'a', items: [], label: null })).errors).toEqual(
      expect.arrayContaining([{ field: 'label', message: 'label must not be null; omit it instead' }]),
    );
    await expect(validateDto(Outer, { name: 'a', items: [], note: null })).resolves.toMatchObject({ note: null });
  });

  it('refuses bodies that are not objects', async () => {
    for (const body of [null, 'text', 42, [1]]) {
      expect((await problemOf(body)).detail).toBe('The request body must be a JSON object');
    }
  });
});
