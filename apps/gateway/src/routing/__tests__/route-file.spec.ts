import { parseRouteFile, RouteFileError } from '../route-file';

const valid = `upstreams:
  flows: { url: http://flows:8080/base/, timeoutMs: 1500 }
routes:
  - path: /api/v1/{tenant}/flows/{namespace}/**
    methods: [GET, DELETE]
    permission: FLOW
    namespace: { from: path, name: namespace }
    upstream: flows
    stripPrefix: /api/v1/{tenant}/flows
  - path: /status
    public: true
    upstream: flows
`;

function errorOf(text: string): string {
  try {
    parseRouteFile(text, 'routes.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(RouteFileError);
    return (error as Error).message;
  }
  throw new Error('expected the file to be refused');
}

describe('routes file', () => {
  it('compiles each method of a route to a gateway route with its upstream target', () => {
    const routes = parseRouteFile(valid);
    expect(routes).toHaveLength(2 + 5); // no `methods` = every method
    expect(routes[0]).toEqual({
      method: 'GET',
      path: '/api/v1/:tenant/flows/:namespace/*',
      summary: 'GET /api/v1/{tenant}/flows/{namespace}/** → flows',
      access: { permission: 'FLOW', namespace: { from: 'path', name: 'namespace' } },
      target: { upstream: 'flows', baseUrl: 'http://flows:8080/base', timeoutMs: 1500, stripPrefix: '/api/v1/:tenant/flows' },
    });
    expect(routes[1].method).toBe('DELETE');
    expect(routes[2]).toMatchObject({ method: 'GET', path: '/status', access: 'public' });
  });

  it('names the line and field of every mistake', () => {
    const message = errorOf(`upstreams:
  flows: { url: ftp://nope }
routes:
  - path: /api/v1/{tenant}/flows/**
    permission: FLOWS
    action: RUN
    upstream: flow
    colour: blue
`);
    expect(message).toContain('routes.yaml:2 upstreams.flows.url: must be an http(s) URL');
    expect(message).toContain('routes.yaml:5 routes[0].permission: "FLOWS" is not a permission of the catalogue');
    expect(message).toContain('routes.yaml:6 routes[0].action: must be one of CREATE, READ, UPDATE, DELETE');
    expect(message).toContain('routes.yaml:7 routes[0].upstream: must name one of the upstreams (flows)');
    expect(message).toContain('routes.yaml:8 routes[0].colour: unknown field');
  });

  it('refuses a namespace parameter the path does not have, and a stripPrefix that is not a prefix', () => {
    const message = errorOf(`upstreams:
  a: { url: http://a }
routes:
  - path: /x/{ns}
    namespace: { from: path, name: namespace }
    stripPrefix: /y
    upstream: a
`);
    expect(message).toContain('routes.yaml:5 routes[0].namespace: the path has no {namespace} parameter');
    expect(message).toContain('routes.yaml:6 routes[0].stripPrefix: must be a leading part of path');
  });

  it('compiles a route without an upstream for the forward-auth endpoints only, with its sign-in URL', () => {
    const [route] = parseRouteFile(`upstreams: {}
routes:
  - path: /apps/{tenant}/**
    methods: [GET]
    permission: APP
    signInUrl: https://login.example.com/start
`);
    expect(route).toEqual({
      method: 'GET',
      path: '/apps/:tenant/*',
      summary: 'GET /apps/{tenant}/** → an ingress (forward-auth)',
      access: { permission: 'APP' },
      target: { forwardAuthOnly: true },
      signInUrl: 'https://login.example.com/start',
    });
    expect(parseRouteFile('upstreams: {}\nroutes:\n  - path: /a\n    signInUrl: /sign-in\n')[0].signInUrl).toBe('/sign-in');
  });

  it('refuses a stripPrefix without an upstream and a sign-in URL that is neither http(s) nor a path', () => {
    const message = errorOf(`upstreams: {}
routes:
  - path: /x/y
    stripPrefix: /x
    signInUrl: javascript:alert(1)
`);
    expect(message).toContain('routes.yaml:4 routes[0].stripPrefix: applies to a route with an upstream only');
    expect(message).toContain('routes.yaml:5 routes[0].signInUrl: must be an http(s) URL or an absolute path like /sign-in');
  });

  it('reports YAML syntax errors with their line', () => {
    expect(errorOf('upstreams:\n  a: [unclosed\nroutes: []\n')).toMatch(/^routes.yaml:\d+: /);
  });
});
