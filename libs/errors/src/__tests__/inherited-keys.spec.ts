import { IsString } from 'class-validator';
import { ProblemException } from '../problem.exception';
import { validateDto } from '../validation';

class Named {
  @IsString()
  name: string;
}

describe('validateDto and keys named like Object.prototype members', () => {
  it.each(['hasOwnProperty', 'constructor', 'toString', '__proto__', 'valueOf'])('refuses a field named %s, naming it', async (key) => {
    const value = JSON.parse(`{"name":"a",${JSON.stringify(key)}:{"isAdmin":true}}`);
    const problem = await validateDto(Named, value).then(
      () => null,
      (error: ProblemException) => error.problem,
    );
    expect(problem?.status).toBe(400);
    expect(problem?.errors).toEqual([{ field: key, message: `unknown field ${key}` }]);
  });

  it('finds them nested in arrays and objects', async () => {
    const problem = await validateDto(Named, JSON.parse('{"name":"a","extra":[{"ok":1},{"toString":2}]}')).catch((e: ProblemException) => e.problem);
    expect((problem as { errors: unknown[] }).errors).toEqual([{ field: 'extra[1].toString', message: 'unknown field extra[1].toString' }]);
  });
});
