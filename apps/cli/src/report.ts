import { CommanderError } from 'commander';
import { ApiError, NetworkError } from './http-client';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Lines explaining a refused request: the problem's detail, each field error, and a hint. */
export function describeApiError(error: ApiError): string[] {
  const { problem } = error;
  const lines = [`Error: ${problem.status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ''}`];
  for (const fieldError of problem.errors ?? []) lines.push(`  ${fieldError.field}: ${fieldError.message}`);
  const hint = hintFor(error);
  if (hint) lines.push(`Hint: ${hint}`);
  return lines;
}

function hintFor(error: ApiError): string | undefined {
  const { problem } = error;
  if (problem.status === 401) return 'check --token/--user (an access token expires after a few minutes; --user signs in afresh)';
  if (problem.status === 403) {
    const permission = typeof problem.permission === 'string' ? problem.permission : undefined;
    const action = typeof problem.action === 'string' ? problem.action : undefined;
    if (permission) {
      return `your account lacks the ${permission} permission${action ? ` (action ${action})` : ''}; ask an administrator for a role that grants it`;
    }
    return 'your account is not allowed to do this; ask an administrator';
  }
  if (problem.status === 503 || problem.status === 504) return 'a service behind it is down or still starting; try again shortly';
  return undefined;
}

/** Maps anything a command threw to an exit code, writing the explanation to stderr. */
export function reportError(error: unknown, writeErr: (text: string) => void): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (and the usage) through configureOutput.
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (error instanceof ApiError) {
    writeErr(describeApiError(error).join('\n') + '\n');
    return EXIT_FAILED;
  }
  if (error instanceof NetworkError) {
    writeErr(`Error: ${error.message}\nHint: is the gateway running? Set --server or GATEHOUSE_SERVER.\n`);
    return EXIT_FAILED;
  }
  // Anything else may carry a hint (NATS unreachable, a lookup that found nothing, an operator refusal).
  const hint = (error as { hint?: unknown } | null)?.hint;
  writeErr(`Error: ${error instanceof Error ? error.message : String(error)}\n${typeof hint === 'string' ? `Hint: ${hint}.\n` : ''}`);
  return EXIT_FAILED;
}
