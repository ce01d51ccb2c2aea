import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { RouteMetrics, RouteTraffic } from './route-traffic';

/** Prometheus metrics of the gateway, served at /metrics. */
@Injectable()
export class GatewayMetrics {
  readonly registry = new Registry();

  /** Requests and latency per route (see RouteTraffic for why not prom-client's labelled metrics). */
  private readonly traffic = new RouteTraffic(this.registry);

  /** Decision cache look-ups, counted in plain numbers per request and added to the counter when scraped. */
  private readonly cacheLookups = { hit: 0, miss: 0 };

  readonly decisionCache = new Counter({
    name: 'gatehouse_decision_cache_total',
    help: 'Gateway decision cache look-ups by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
    collect: () => {
      for (const result of ['hit', 'miss'] as const) {
        if (this.cacheLookups[result] > 0) this.decisionCache.inc({ result }, this.cacheLookups[result]);
        this.cacheLookups[result] = 0;
      }
    },
  });

  readonly decisionCacheHits = { inc: (): void => void this.cacheLookups.hit++ };
  readonly decisionCacheMisses = { inc: (): void => void this.cacheLookups.miss++ };

  readonly upstreamErrors = new Counter({
    name: 'gatehouse_upstream_errors_total',
    help: 'Failed upstream calls by upstream and kind',
    labelNames: ['upstream', 'kind'] as const,
    registers: [this.registry],
  });

  /** The request counter and latency histogram of one route. */
  route(method: string, path: string): RouteMetrics {
    return this.traffic.route(method, path);
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gatehouse_gateway_' });
  }
}
