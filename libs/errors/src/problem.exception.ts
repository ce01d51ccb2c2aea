import { FieldError, Problem, PROBLEM_TYPE_BASE } from '@gatehouse/contracts';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  423: 'Locked',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function titleFor(status: number): string {
  return TITLES[status] ?? 'Error';
}

/**
 * The one exception type services throw for an expected failure. It crosses NATS as a Problem and the
 * gateway turns it into an `application/problem+json` answer with the same status.
 */
export class ProblemException extends Error {
  readonly problem: Problem;

  constructor(status: number, slug: string, detail?: string, extensions: Record<string, unknown> = {}) {
    super(detail ?? titleFor(status));
    this.problem = {
      type: PROBLEM_TYPE_BASE + slug,
      title: titleFor(status),
      status,
      ...(detail ? { detail } : {}),
      ...extensions,
    };
  }

  /** Rebuilds the exception from a Problem received over NATS, keeping every member. */
  static fromProblem(problem: Problem): ProblemException {
    const exception = new ProblemException(problem.status, 'x', problem.detail);
    Object.assign(exception, { problem: { ...problem } });
    return exception;
  }

  static badRequest(detail: string, errors?: FieldError[]): ProblemException {
    return new ProblemException(400, 'bad-request', detail, errors ? { errors } : {});
  }

  static validation(errors: FieldError[]): ProblemException {
    const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return new ProblemException(400, 'validation', detail, { errors });
  }

  static unauthorized(detail = 'Authentication is required'): ProblemException {
    return new ProblemException(401, 'unauthorized', detail);
  }

  static forbidden(detail: string, extensions: Record<string, unknown> = {}): ProblemException {
    return new ProblemException(403, 'forbidden', detail, extensions);
  }

  static notFound(detail: string): ProblemException {
    return new ProblemException(404, 'not-found', detail);
  }

  static conflict(detail: string): ProblemException {
    return new ProblemException(409, 'conflict', detail);
  }

  /** Every 429 says when to come back: `retryAfter` (whole seconds, at least 1) becomes the Retry-After header. */
  static tooManyRequests(slug: string, detail: string, retryAfterSeconds: number): ProblemException {
    return new ProblemException(429, slug, detail, { retryAfter: Math.max(1, Math.ceil(retryAfterSeconds)) });
  }

  static unavailable(detail: string): ProblemException {
    return new ProblemException(503, 'unavailable', detail);
  }

  static timeout(detail: string): ProblemException {
    return new ProblemException(504, 'timeout', detail);
  }

  static internal(): ProblemException {
    return new ProblemException(500, 'internal', 'An unexpected error occurred; it has been logged');
  }
}
