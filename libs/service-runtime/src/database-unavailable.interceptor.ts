import { ProblemException } from '@gatehouse/errors';
import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { catchError, Observable, throwError } from 'rxjs';

/**
 * Postgres SQLSTATEs and socket errors that mean "the database cannot be reached right now". 25006 (a
 * write refused as read-only) is a server in recovery: the database address led to a standby (HAProxy
 * has not marked it down yet) or to a primary being demoted; the write did not happen and a retry, once
 * the address leads to the primary, can succeed (docs/resilience.md, Postgres high availability).
 */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300', '25006']);
const UNREACHABLE_MESSAGES = [/connection terminated/i, /timeout exceeded when trying to connect/i, /connection is closed/i, /the database system is/i];

export function isDatabaseUnreachable(error: unknown): boolean {
  const candidates = [error, (error as { driverError?: unknown })?.driverError];
  return candidates.some((e) => {
    if (!e || typeof e !== 'object') return false;
    const code = String((e as { code?: unknown }).code ?? '');
    const message = String((e as { message?: unknown }).message ?? '');
    return UNREACHABLE_CODES.has(code) || code.startsWith('08') || UNREACHABLE_MESSAGES.some((m) => m.test(message));
  });
}

/**
 * While Postgres is down or restarting, a handler's query fails with a connection error: answer 503
 * (retry later) instead of a 500, so clients and load balancers treat it as the outage it is.
 */
@Injectable()
export class DatabaseUnavailableInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Database');

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (!isDatabaseUnreachable(error)) return throwError(() => error);
        this.logger.warn(`Database unreachable: ${(error as Error).message}`);
        return throwError(() => ProblemException.unavailable('The database is not reachable right now; try again shortly'));
      }),
    );
  }
}
