import { ProblemException } from '@gatehouse/errors';

/** An action that takes no input (its schema is `Empty`): any field is refused by name (400). */
export function assertNoInput(input: Record<string, unknown> | undefined): void {
  const fields = Object.keys(input ?? {});
  if (fields.length > 0) throw ProblemException.validation(fields.map((field) => ({ field, message: `unknown field ${field}` })));
}
