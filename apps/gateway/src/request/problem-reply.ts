import { MFA_PROBLEMS, Problem, PROBLEM_TYPE_BASE } from '@gatehouse/contracts';
import { FastifyReply } from 'fastify';

/** Answers with a problem+json body and the headers its status calls for (WWW-Authenticate, Retry-After). */
export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  if (problem.status === 401) reply.header('www-authenticate', problem.type === STEP_UP_REQUIRED ? stepUpChallenge(problem) : 'Bearer');
  if (problem.status === 429 && typeof problem.retryAfter === 'number') reply.header('retry-after', String(problem.retryAfter));
  return reply.status(problem.status).type('application/problem+json').send(problem);
}

const STEP_UP_REQUIRED = `${PROBLEM_TYPE_BASE}${MFA_PROBLEMS.stepUpRequired}`;

/**
 * RFC 9470 (OAuth 2.0 Step Up Authentication Challenge): an OpenID Connect client learns from the header alone
 * that it must send the user through the authorization endpoint again, with `max_age` (a console or CLI
 * session can also step up in place, POST /api/v1/me/mfa/step-up, as the problem's detail says).
 */
function stepUpChallenge(problem: Problem): string {
  const maxAge = typeof problem['maxAgeSeconds'] === 'number' ? `, max_age=${problem['maxAgeSeconds']}` : '';
  return `Bearer error="insufficient_user_authentication", error_description="A recent second factor is required"${maxAge}`;
}
