import { Problem } from '@gatehouse/contracts';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';
import { QueryFailedError } from 'typeorm';
import { ProblemException } from './problem.exception';

const UNIQUE_VIOLATION = '23505';

/** Maps any thrown value to a Problem; unexpected errors are logged here and never leak details. */
export function toProblem(exception: unknown, logger: Logger, where: string, logFields?: Record<string, unknown>): Problem {
  if (exception instanceof ProblemException) return exception.problem;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return new ProblemException(status, `http-${status}`, exception.message).problem;
  }
  if (exception instanceof QueryFailedError && (exception.driverError as { code?: string })?.code === UNIQUE_VIOLATION) {
    return ProblemException.conflict('A resource with the same unique value already exists').problem;
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
