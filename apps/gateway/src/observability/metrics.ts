import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface RouteMetrics {
  observe(status: number, seconds: number): void;
}

/** Prometheus metrics of the gateway, served at /metrics. */
@Injectable()
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'gatehouse_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly latency = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'HTTP request latency by route and method',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly decisionCache = new Counter({
    name: 'gatehouse_decision_cache_total',
    help: 'Gateway decision cache look-ups by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  /** Pre-bound children: the hot path increments without building a label object per request. */
  readonly decisionCacheHits = this.decisionCache.labels('hit');
  readonly decisionCacheMisses = this.decisionCache.labels('miss');

  readonly upstreamErrors = new Counter({
    name: 'gatehouse_upstream_errors_total',
    help: 'Failed upstream calls by upstream and kind',
    labelNames: ['upstream', 'kind'] as const,
    registers: [this.registry],
  });

  private readonly perRoute = new Map<string, RouteMetrics>();

  /** The request counter and latency histogram of one route, bound once per route and status. */
  route(method: string, path: string): RouteMetrics {
    const key = `${method} ${path}`;
    let metrics = this.perRoute.get(key);
    if (!metrics) {
      const byStatus = new Map<number, Counter.Internal>();
      const latency = this.latency.labels(path, method);
      metrics = {
        observe: (status: number, seconds: number) => {
          let counter = byStatus.get(status);
          if (!counter) byStatus.set(status, (counter = this.requests.labels(path, method, String(status))));
          counter.inc();
          latency.observe(seconds);
        },
      };
      this.perRoute.set(key, metrics);
    }
    return metrics;
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gatehouse_gateway_' });
  }
}
