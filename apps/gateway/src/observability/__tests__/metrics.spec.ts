import { GatewayMetrics } from '../metrics';

describe('GatewayMetrics (gateway)', () => {
  it('adds the decision cache look-ups counted per request to the counter when scraped', async () => {
    const metrics = new GatewayMetrics();
    metrics.decisionCacheHits.inc();
    metrics.decisionCacheHits.inc();
    metrics.decisionCacheMisses.inc();
    const first = await metrics.registry.getSingleMetricAsString('gatehouse_decision_cache_total');
    expect(first).toContain('gatehouse_decision_cache_total{result="hit"} 2');
    expect(first).toContain('gatehouse_decision_cache_total{result="miss"} 1');
    metrics.decisionCacheHits.inc();
    expect(await metrics.registry.getSingleMetricAsString('gatehouse_decision_cache_total')).toContain('gatehouse_decision_cache_total{result="hit"} 3');
  });

  it("exposes each route's traffic, the upstream errors and the process metrics in one registry", async () => {
    const metrics = new GatewayMetrics();
    metrics.route('GET', '/api/v1/me').observe(200, 0.002);
    metrics.upstreamErrors.inc({ upstream: 'flows', kind: 'timeout' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('gatehouse_http_requests_total{route="/api/v1/me",method="GET",status="200"} 1');
    expect(text).toContain('gatehouse_upstream_errors_total{upstream="flows",kind="timeout"} 1');
    expect(text).toContain('gatehouse_gateway_process_cpu_seconds_total');
    expect(metrics.route('GET', '/api/v1/me')).toBe(metrics.route('GET', '/api/v1/me'));
  });
});
