/** RFC 9457 problem details, the error format of every HTTP and RPC answer. */
export interface FieldError {
  /** Dotted path of the offending field, e.g. `permissions.FLOW[0]`. */
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  /** Extra machine-readable members, e.g. the missing permission on a 403. */
  [extension: string]: unknown;
}

export const PROBLEM_TYPE_BASE = 'https://gatehouse.dev/problems/';

export function isProblem(value: unknown): value is Problem {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Problem).status === 'number' &&
    typeof (value as Problem).title === 'string'
  );
}
