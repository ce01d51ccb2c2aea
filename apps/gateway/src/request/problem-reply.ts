import { Problem } from '@gatehouse/contracts';
import { FastifyReply } from 'fastify';

/** Answers with a problem+json body and the headers its status calls for (WWW-Authenticate, Retry-After). */
export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  if (problem.status === 401) reply.header('www-authenticate', 'Bearer');
  if (problem.status === 429 && typeof problem.retryAfter === 'number') reply.header('retry-after', String(problem.retryAfter));
  return reply.status(problem.status).type('application/problem+json').send(problem);
}
