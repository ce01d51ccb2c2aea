import { Problem, ScimResponse } from '@gatehouse/contracts';
import { SCIM_MEDIA_TYPE, scimErrorBody } from '@gatehouse/scim';
import { FastifyReply } from 'fastify';

/** A refusal on a SCIM route: RFC 7644 §3.12's error body, with the headers its status calls for. */
export function sendScimError(reply: FastifyReply, problem: Problem): FastifyReply {
  if (problem.status === 401) reply.header('www-authenticate', 'Bearer realm="SCIM"');
  if (problem.status === 429 && typeof problem.retryAfter === 'number') reply.header('retry-after', String(problem.retryAfter));
  return reply.status(problem.status).type(SCIM_MEDIA_TYPE).send(scimErrorBody(problem));
}

/** A SCIM answer: application/scim+json, with the resource's ETag and, for a creation, its Location. */
export function sendScim(reply: FastifyReply, answer: ScimResponse): FastifyReply {
  if (answer.etag) reply.header('etag', answer.etag);
  if (answer.location) reply.header('location', answer.location);
  if (answer.body === undefined) return reply.status(answer.status).send();
  return reply.status(answer.status).type(SCIM_MEDIA_TYPE).send(answer.body);
}
