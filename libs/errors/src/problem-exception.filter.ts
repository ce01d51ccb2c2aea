import { Problem } from '@gatehouse/contracts';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';
import { ProblemException } from './problem.exception';

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';
/**
 * Raised by the services' tenant write guards (database triggers, see libs/database tenant-write-guard)
 * when a row is written for a tenant that is deleted or was never created.
 */
export const TENANT_NOT_LIVE_SQLSTATE = 'GH404';

/**
 * Whether a Postgres error, from pg directly or wrapped in TypeORM's QueryFailedError, has this SQLSTATE.
 * Recognised by its code rather than `instanceof`, so that processes without a database (the gateway)
 * do not load TypeORM (~370 modules, a quarter of the gateway's heap) for this check.
 */
function hasSqlState(error: unknown, sqlState: string): boolean {
  const candidate = error as { driverError?: { code?: unknown }; code?: unknown } | null | undefined;
  return candidate?.driverError?.code === sqlState || candidate?.code === sqlState;
}

export function isUniqueViolation(error: unknown): boolean {
  return hasSqlState(error, UNIQUE_VIOLATION);
}

/**
 * The 4xx status of an error the HTTP framework raised before any handler ran (Fastify's body too large,
 * unsupported media type, invalid JSON...): these carry a `statusCode` and a message meant for the client.
 */
function clientErrorStatus(exception: unknown): number | undefined {
  const candidate = exception as { statusCode?: unknown; message?: unknown } | null | undefined;
  const status = candidate?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 && typeof candidate?.message === 'string' ? status : undefined;
}

/** Maps any thrown value to a Problem; unexpected errors are logged here and never leak details. */
export function toProblem(exception: unknown, logger: Logger, where: string, logFields?: Record<string, unknown>): Problem {
  if (exception instanceof ProblemException) return exception.problem;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return new ProblemException(status, `http-${status}`, exception.message).problem;
  }
  const clientStatus = clientErrorStatus(exception);
  if (clientStatus) return new ProblemException(clientStatus, `http-${clientStatus}`, (exception as Error).message).problem;
  if (isUniqueViolation(exception)) {
    return ProblemException.conflict('A resource with the same unique value already exists').problem;
  }
  if (hasSqlState(exception, TENANT_NOT_LIVE_SQLSTATE)) return ProblemException.notFound('This tenant does not exist').problem;
  // A row this write refers to was deleted between the service's check and its commit (a role, group or tenant
  // removed by a concurrent request): the client's view is stale, not the server broken.
  if (hasSqlState(exception, FOREIGN_KEY_VIOLATION)) {
    return ProblemException.conflict('Something this change refers to was removed meanwhile: reload and try again').problem;
  }
  logger.error({ err: exception, where, ...logFields }, 'Unhandled error');
  return ProblemException.internal().problem;
}

interface ReplyLike {
  status(code: number): ReplyLike;
  header(name: string, value: string): ReplyLike;
  send(body: unknown): void;
}

/**
 * The one exception filter of every Gatehouse process. NATS handlers answer with the Problem (the
 * caller's RpcClient rethrows it); HTTP answers `application/problem+json`, except HttpExceptions that
 * carry their own body (health checks), which keep it.
 */
@Catch()
export class ProblemExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): Observable<Problem> | void {
    if (host.getType() === 'rpc') {
      const subject = host.switchToRpc().getContext()?.getSubject?.() ?? 'rpc';
      return throwError(() => toProblem(exception, this.logger, subject));
    }
    const reply = host.switchToHttp().getResponse<ReplyLike>();
    if (exception instanceof HttpException && typeof exception.getResponse() === 'object' && !(exception instanceof ProblemException)) {
      const body = exception.getResponse() as Record<string, unknown>;
      if ('status' in body && 'info' in body) {
        reply.status(exception.getStatus()).send(body);
        return;
      }
    }
    const problem = toProblem(exception, this.logger, 'http');
    reply.status(problem.status).header('content-type', 'application/problem+json').send(problem);
  }
}
