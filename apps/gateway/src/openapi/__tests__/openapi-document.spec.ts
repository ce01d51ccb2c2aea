import { RouteDefinition } from '../../request/route-definition';
import { ROUTES } from '../../routing/route-table';
import { buildOpenApiDocument, openApiPath } from '../openapi-document';

type Operation = Record<string, unknown> & { parameters: Array<Record<string, unknown>>; responses: Record<string, unknown> };
const target = { subject: 'authorization.groups.create.v1' } as RouteDefinition['target'];
const routes: RouteDefinition[] = [
  { method: 'POST', path: '/api/v1/:tenant/groups', summary: 'Create a group', access: { permission: 'GROUP' }, target, status: 201, grants: 'membership' },
  { method: 'GET', path: '/api/v1/:tenant/groups', summary: 'Search groups', access: { permission: 'GROUP' }, target: { subject: 'authorization.groups.list.v1' } as RouteDefinition['target'] },
  { method: 'POST', path: '/api/v1/login', summary: 'Sign in', access: 'public', target: { subject: 'identity.sessions.login.v1' } as RouteDefinition['target'] },
  { method: 'PUT', path: '/api/v1/:tenant/flows/:namespace/*', summary: 'Flows', access: { permission: 'FLOW', namespaceParam: 'namespace' }, target: { upstream: 'flows', baseUrl: 'http://flows', timeoutMs: 1000 } },
  // An ingress's route (no upstream): decided by forward-auth, not an operation of the gateway.
  { method: 'GET', path: '/ingress/:tenant/apps/*', summary: 'Apps', access: { permission: 'APP' }, target: { forwardAuthOnly: true } },
];
const services = [
  { service: 'authorization', requests: { 'authorization.groups.create.v1': 'CreateGroupRequest', 'authorization.groups.list.v1': 'ListGroupsQuery' }, schemas: { CreateGroupRequest: { type: 'object' }, ListGroupsQuery: { type: 'object' } } },
];

describe('OpenAPI document (gateway)', () => {
  const document = buildOpenApiDocument(routes, services as never, '1.2.3') as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> }; info: { version: string } };
  const operation = (path: string, method: string) => document.paths[path][method];

  it('turns route paths into OpenAPI templates', () => {
    expect(openApiPath('/api/v1/:tenant/groups/:id')).toBe('/api/v1/{tenant}/groups/{id}');
    expect(openApiPath('/api/v1/:tenant/flows/*')).toBe('/api/v1/{tenant}/flows/{path}');
    expect(Object.keys(document.paths)).toEqual([
      '/api/v1/{tenant}/groups',
      '/api/v1/login',
      '/api/v1/{tenant}/flows/{namespace}/{path}',
      // The forward-auth endpoints (docs/forward-auth.md), beside the route table.
      '/api/v1/authz/auth-request',
      '/api/v1/authz/forward-auth',
      '/api/v1/authz/ext-authz/{path}',
    ]);
    expect(document.info.version).toBe('1.2.3');
  });

  it("describes a write with its service's request schema, its status, the permission and the grant marker", () => {
    const create = operation('/api/v1/{tenant}/groups', 'post');
    expect(create).toMatchObject({
      summary: 'Create a group',
      operationId: 'postApiV1TenantGroups',
      tags: ['authorization'],
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateGroupRequest' } } } },
      'x-gatehouse-permission': { permission: 'GROUP', action: 'CREATE' },
      'x-gatehouse-grant': 'membership',
    });
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '404', '429', '503', '504']));
    expect(create.parameters).toEqual([expect.objectContaining({ name: 'tenant', in: 'path', required: true })]);
    expect(document.components.schemas).toHaveProperty('CreateGroupRequest');
  });

  it('describes a read with its query schema, and a public route without security or 401/403', () => {
    expect(operation('/api/v1/{tenant}/groups', 'get').parameters).toContainEqual(expect.objectContaining({ in: 'query', schema: { $ref: '#/components/schemas/ListGroupsQuery' } }));
    const login = operation('/api/v1/login', 'post');
    expect(login.security).toEqual([]);
    expect(login.responses).not.toHaveProperty('401');
    expect(login.responses).not.toHaveProperty('403');
    expect(login).not.toHaveProperty('x-gatehouse-permission');
  });

  it('describes an upstream route with any body and its 502/504', () => {
    const flows = operation('/api/v1/{tenant}/flows/{namespace}/{path}', 'put');
    expect(flows).toMatchObject({ tags: ['upstream:flows'], requestBody: { required: false, content: { '*/*': { schema: {} } } } });
    expect(Object.keys(flows.responses)).toEqual(expect.arrayContaining(['502', '504']));
    expect(flows.parameters.map((p) => p.name)).toEqual(['tenant', 'namespace', 'path']);
  });

  it('publishes the grant marker of every built-in route that declares one', () => {
    const built = buildOpenApiDocument(ROUTES, [], '0') as { paths: Record<string, Record<string, Operation>> };
    const published = Object.values(built.paths).flatMap((methods) => Object.values(methods)).filter((o) => o['x-gatehouse-grant']).length;
    expect(published).toBe(ROUTES.filter((r) => r.grants).length);
    expect(published).toBeGreaterThan(0);
  });

  it('documents the browser-session routes: the CSRF header, the cookie, the access token only, and no body for refresh', () => {
    const built = buildOpenApiDocument(ROUTES, [{ service: 'identity', requests: { 'identity.sessions.login.v1': 'LoginRequest', 'identity.sessions.refresh.v1': 'RefreshRequest' }, schemas: {} }] as never, '0') as {
      paths: Record<string, Record<string, Operation & { requestBody?: { content: Record<string, { schema: unknown }> } }>>;
    };
    const signIn = built.paths['/api/v1/session'].post;
    const refresh = built.paths['/api/v1/session/refresh'].post;
    const signOut = built.paths['/api/v1/session'].delete;
    for (const operation of [signIn, refresh, signOut]) {
      expect(operation.parameters).toContainEqual(expect.objectContaining({ name: 'x-gatehouse-csrf', in: 'header', required: true, schema: { type: 'string', enum: ['1'] } }));
      expect(operation.responses['403']).toBeDefined();
      expect(operation.security).toEqual([]);
      expect(operation.tags).toEqual(['identity']);
    }
    expect(signIn.requestBody?.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/LoginRequest' });
    expect(refresh.requestBody).toBeUndefined();
    expect(refresh.parameters).toContainEqual(expect.objectContaining({ name: '__Secure-gatehouse-session', in: 'cookie' }));
    expect(refresh.parameters.filter((p) => p.in === 'query')).toEqual([]);
    for (const operation of [signIn, refresh]) {
      const ok = operation.responses['200'] as { headers: Record<string, unknown>; content: Record<string, { schema: { properties: Record<string, unknown> } }> };
      expect(Object.keys(ok.content['application/json'].schema.properties)).toEqual(['tokenType', 'accessToken', 'expiresIn']);
      expect(ok.headers).toHaveProperty('Set-Cookie');
    }
    expect(signOut.responses['204']).toMatchObject({ headers: { 'Set-Cookie': expect.anything() } });
  });
});
