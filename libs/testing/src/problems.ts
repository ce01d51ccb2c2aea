import { Problem } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';

/**
 * The problem an attempt is refused with, for deny-path assertions: `attempt` is a promise, a value, or a
 * function that throws or returns one. Fails when the attempt succeeds or throws anything but a problem.
 */
export async function problemOf(attempt: unknown): Promise<Problem> {
  try {
    await (typeof attempt === 'function' ? (attempt as () => unknown)() : attempt);
  } catch (error) {
    if (error instanceof ProblemException) return error.problem;
    throw error;
  }
  throw new Error('expected a problem, got a success');
}
