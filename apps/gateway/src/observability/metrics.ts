import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

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

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gatehouse_gateway_' });
  }
}
