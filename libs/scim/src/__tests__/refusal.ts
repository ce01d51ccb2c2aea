import { Problem } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';

/** The problem a call is refused with (the spec fails if it is not refused). */
export function refusalOf(run: () => unknown): Problem {
  try {
    run();
  } catch (error) {
    return (error as ProblemException).problem;
  }
  throw new Error('not refused');
}
