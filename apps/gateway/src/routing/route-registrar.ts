import { Problem } from '@gatehouse/contracts';
import { toProblem } from '@gatehouse/errors';
import { Injectable, Logger } from '@nestjs/common';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RequestDispatcher } from './request-dispatcher';
import { RouteDefinition } from './route-definition';
import { ROUTES } from './route-table';

/** Registers every route of the table on Fastify (radix-tree matching) with one generic handler. */
@Injectable()
export class RouteRegistrar {
  private readonly logger = new Logger('Gateway');

  constructor(private readonly dispatcher: RequestDispatcher) {}

  register(fastify: FastifyInstance, routes: RouteDefinition[] = ROUTES): void {
    for (const route of routes) {
      fastify.route({
        method: route.method,
        url: route.path,
        handler: (request, reply) => this.handle(route, request, reply),
      });
    }
  }

  private async handle(route: RouteDefinition, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    reply.header('x-request-id', request.id);
    try {
      const result = await this.dispatcher.dispatch(route, {
        params: request.params as Record<string, string>,
        query: request.query as Record<string, unknown>,
        body: request.body,
        authorization: request.headers.authorization,
        ip: request.ip,
        requestId: request.id,
      });
      reply.status(result.status);
      await reply.send(result.body);
    } catch (error) {
      await sendProblem(reply, toProblem(error, this.logger, `${route.method} ${route.path}`));
    }
  }
}

export async function sendProblem(reply: FastifyReply, problem: Problem): Promise<void> {
  if (problem.status === 401) reply.header('www-authenticate', 'Bearer');
  await reply.status(problem.status).type('application/problem+json').send(problem);
}
