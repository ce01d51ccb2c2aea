import { Type } from 'class-transformer';
import { IsInt, IsString, MaxLength, ValidateNested } from 'class-validator';
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

  it('refuses bodies that are not objects', async () => {
    for (const body of [null, 'text', 42, [1]]) {
      expect((await problemOf(body)).detail).toBe('The request body must be a JSON object');
    }
  });
});
