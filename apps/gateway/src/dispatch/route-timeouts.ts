import { Injectable } from '@nestjs/common';
import { GatewayEnv } from '../gateway.env';
import { RouteDefinition } from '../request/route-definition';

/**
 * How long the gateway waits for each built-in route's service (GATEWAY_ROUTE_TIMEOUTS, else the route
 * kind's default): the request's deadline, which travels with it to the service and its onward calls.
 */
@Injectable()
export class RouteTimeouts {
  private readonly configured = new Map<string, number>();

  constructor(env: GatewayEnv) {
    for (const entry of env.GATEWAY_ROUTE_TIMEOUTS.split(',').map((e) => e.trim()).filter(Boolean)) {
      const [, method, path, ms] = /^(\w+)\s+(\S+)=(\d+)$/.exec(entry) ?? [];
      this.configured.set(`${method} ${path}`, Number(ms));
    }
  }

  /** The configured deadline of `route`, else `fallback` (undefined: the RPC client's RPC_TIMEOUT_MS). */
  of(route: RouteDefinition, fallback?: number): number | undefined {
    return this.configured.get(`${route.method} ${route.path}`) ?? fallback;
  }

  /** Refuses, at start-up, an entry that names no route of the table (a typo would silently keep the default). */
  assertKnown(routes: RouteDefinition[]): void {
    const known = new Set(routes.map((r) => `${r.method} ${r.path}`));
    const unknown = [...this.configured.keys()].filter((key) => !known.has(key));
    if (unknown.length > 0) throw new Error(`GATEWAY_ROUTE_TIMEOUTS names no built-in route of the gateway: ${unknown.join(', ')}`);
  }
}
