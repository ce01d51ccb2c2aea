import Router from 'find-my-way';
import { RouteDefinition } from '../request/route-definition';

export interface MatchedRoute {
  route: RouteDefinition;
  params: Record<string, string>;
  query: Record<string, string | string[]>;
}

/**
 * The routes file's routes, matched against an ingress's original request by the router Fastify itself
 * uses (find-my-way, with Fastify's defaults), so a path means the same route whether the gateway proxies
 * it or an ingress asks about it. HEAD is a GET route's, as Fastify exposes it.
 */
export class IngressRoutes {
  // Semicolons are not path delimiters (find-my-way's default, as Fastify's).
  private readonly router = Router({
    caseSensitive: true,
    ignoreTrailingSlash: false,
    ignoreDuplicateSlashes: false,
    maxParamLength: 100,
    allowUnsafeRegex: false,
  });

  constructor(routes: RouteDefinition[]) {
    for (const route of routes) this.router.on(route.method, route.path, () => undefined, route);
  }

  match(method: string, uri: string): MatchedRoute | undefined {
    const found = this.router.find((method === 'HEAD' ? 'GET' : method) as Router.HTTPMethod, uri);
    if (!found) return undefined;
    return { route: found.store as RouteDefinition, params: found.params as Record<string, string>, query: found.searchParams };
  }
}
