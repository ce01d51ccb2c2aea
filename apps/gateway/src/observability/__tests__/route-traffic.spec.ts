import { Counter, Histogram, Registry } from 'prom-client';
import { LATENCY_BUCKETS, RouteTraffic } from '../route-traffic';

/** The same observations through prom-client's own labelled Counter and Histogram. */
function promClientExposition(observations: Array<[string, string, number, number]>): Promise<string> {
  const registry = new Registry();
  const requests = new Counter({
    name: 'gatehouse_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'HTTP request latency by route and method',
    labelNames: ['route', 'method'],
    buckets: [...LATENCY_BUCKETS],
    registers: [registry],
  });
  for (const [method, route, status, seconds] of observations) {
    requests.inc({ route, method, status: String(status) });
    latency.observe({ route, method }, seconds);
  }
  return registry.metrics();
}

describe('RouteTraffic', () => {
  const observations: Array<[string, string, number, number]> = [
    ['GET', '/api/v1/:tenant/flows/:namespace/*', 200, 0.0004],
    ['GET', '/api/v1/:tenant/flows/:namespace/*', 200, 0.001], // on a bucket's bound: counted in it (le)
    ['GET', '/api/v1/:tenant/flows/:namespace/*', 403, 0.0031],
    ['POST', '/api/v1/:tenant/users', 201, 0.2],
    ['POST', '/api/v1/:tenant/users', 400, 12], // beyond the last bound: +Inf only
    ['GET', '/api/v1/me', 401, 0.00002],
  ];

  it('exposes exactly what prom-client\'s labelled Counter and Histogram would', async () => {
    const registry = new Registry();
    const traffic = new RouteTraffic(registry);
    for (const [method, route, status, seconds] of observations) traffic.route(method, route).observe(status, seconds);
    expect(await registry.metrics()).toBe(await promClientExposition(observations));
  });

  it('binds one series per route and method, and leaves unused routes out', async () => {
    const registry = new Registry();
    const traffic = new RouteTraffic(registry);
    expect(traffic.route('GET', '/a')).toBe(traffic.route('GET', '/a'));
    traffic.route('DELETE', '/never-called');
    traffic.route('GET', '/a').observe(200, 0.002);
    const text = await registry.metrics();
    expect(text).toContain('gatehouse_http_requests_total{route="/a",method="GET",status="200"} 1');
    expect(text).toContain('gatehouse_http_request_duration_seconds_bucket{le="0.0025",route="/a",method="GET"} 1');
    expect(text).toContain('gatehouse_http_request_duration_seconds_bucket{le="0.001",route="/a",method="GET"} 0');
    expect(text).not.toContain('never-called');
  });

  it('starts from zero after the registry is reset', async () => {
    const registry = new Registry();
    const traffic = new RouteTraffic(registry);
    traffic.route('GET', '/a').observe(200, 0.002);
    registry.resetMetrics();
    traffic.route('GET', '/a').observe(500, 0.02);
    const text = await registry.metrics();
    expect(text).not.toContain('status="200"');
    expect(text).toContain('gatehouse_http_requests_total{route="/a",method="GET",status="500"} 1');
    expect(text).toContain('gatehouse_http_request_duration_seconds_count{route="/a",method="GET"} 1');
  });
});
