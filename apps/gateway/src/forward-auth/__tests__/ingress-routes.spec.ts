import { parseRouteFile } from '../../routing/route-file';
import { IngressRoutes } from '../ingress-routes';

const routes = parseRouteFile(`upstreams:
  flows: { url: http://flows:8080 }
routes:
  - path: /api/v1/{tenant}/flows/{namespace}/**
    methods: [GET, DELETE]
    permission: FLOW
    namespace: { from: path, name: namespace }
    upstream: flows
  - path: /apps/{tenant}/status
    public: true
`);

describe('the routes file matched for an ingress (forward-auth)', () => {
  const matcher = new IngressRoutes(routes);

  it('finds the route, its parameters and the query, as Fastify would', () => {
    const match = matcher.match('DELETE', '/api/v1/acme/flows/a.b/x/y?rev=3&rev=4');
    expect(match?.route.method).toBe('DELETE');
    expect(match?.params).toEqual({ tenant: 'acme', namespace: 'a.b', '*': 'x/y' });
    expect(match?.query).toEqual({ rev: ['3', '4'] });
    expect(matcher.match('GET', '/apps/acme/status')?.route).toMatchObject({ access: 'public', target: { forwardAuthOnly: true } });
  });

  it('matches HEAD as the GET route, and nothing for an undeclared method or path', () => {
    expect(matcher.match('HEAD', '/api/v1/acme/flows/a.b/x')?.route.method).toBe('GET');
    expect(matcher.match('PATCH', '/api/v1/acme/flows/a.b/x')).toBeUndefined();
    expect(matcher.match('GET', '/api/v1/acme/other')).toBeUndefined();
    expect(matcher.match('GET', '/API/v1/acme/flows/a.b/x')).toBeUndefined();
    expect(matcher.match('GET', '/api/v1/acme/flows/%zz/x')).toBeUndefined();
  });
});
