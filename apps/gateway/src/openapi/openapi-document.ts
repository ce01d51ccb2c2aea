import { ServiceSchemas } from '@gatehouse/contracts';
import { FORWARD_AUTH_ENDPOINTS } from '../request/forward-auth-endpoints';
import { BROWSER_SESSION, BrowserSessionStep, DEFAULT_ACTIONS, isForwardAuthOnly, isHttpBridge, isScim, isUpstream, RouteDefinition } from '../request/route-definition';

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const ACCESS_TOKEN_SCHEMA = {
  type: 'object',
  description: 'The access token only: the refresh token is in the session cookie (Set-Cookie), never in a body',
  required: ['tokenType', 'accessToken', 'expiresIn'],
  properties: {
    tokenType: { type: 'string', enum: ['Bearer'] },
    accessToken: { type: 'string', description: 'A JWT, to send as `Authorization: Bearer`; keep it in memory' },
    expiresIn: { type: 'integer', description: 'Seconds until it expires: refresh before' },
  },
};

/**
 * What a browser-session step adds to its operation: the CSRF header (required), the session cookie, the
 * Set-Cookie of the answer, the access-token body and the refusals; refresh and sign-out take no body.
 */
function browserSessionOperation(step: BrowserSessionStep): { parameters: unknown[]; responses: Record<string, unknown>; description: string } {
  const setCookie = {
    'Set-Cookie': {
      description: `The session cookie, \`${BROWSER_SESSION.cookie}\` (\`${BROWSER_SESSION.insecureCookie}\` where SESSION_COOKIE_SECURE=false): HttpOnly, SameSite=Strict, Secure, Path=${BROWSER_SESSION.path}; ${step === 'sign-out' ? 'cleared' : 'set, or cleared when the session is over'}`,
      schema: { type: 'string' },
    },
  };
  const parameters: unknown[] = [
    {
      name: BROWSER_SESSION.csrfHeader,
      in: 'header',
      required: true,
      description: 'Proves a same-origin script sent the request (a cross-site form cannot); without it: 403',
      schema: { type: 'string', enum: [BROWSER_SESSION.csrfValue] },
    },
  ];
  if (step !== 'sign-in') {
    parameters.push({ name: BROWSER_SESSION.cookie, in: 'cookie', required: false, description: 'The refresh token, set by the sign-in', schema: { type: 'string' } });
  }
  const refused = problem(
    `Cross-site request refused (\`reason\`: \`csrf-header-missing\`, \`origin-not-allowed\`)${step === 'sign-in' ? '; or a new password is required (`password-change-required`)' : ''}`,
  );
  const responses: Record<string, unknown> =
    step === 'sign-out'
      ? { '204': { description: 'Signed out; its access tokens are refused from now on', headers: setCookie } }
      : {
          '200': { description: 'Signed in', headers: setCookie, content: { 'application/json': { schema: ACCESS_TOKEN_SCHEMA } } },
          '401': problem(step === 'sign-in' ? 'Invalid username or password (a locked or unknown account alike); or a second factor is required (`mfa-required` with `mfaToken` and `factors`: post them to /api/v1/session/mfa), wrong (`invalid-second-factor`) or its token spent (`invalid-mfa-token`)' : 'No session, or it is over (the cookie is cleared)'),
        };
  return {
    parameters,
    responses: { ...responses, '403': refused },
    description: `For browsers (the console): the refresh token never reaches a script.${step === 'sign-in' ? ' A session the browser had (its cookie) is ended.' : ''} API clients use /api/v1/login, /api/v1/token/refresh and /api/v1/logout.`,
  };
}

/** `:name` → `{name}`, a trailing `*` → `{path}` (OpenAPI path templating). */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{path}');
}

/**
 * The OpenAPI 3.1 document of the gateway, generated from the route table and the request DTOs each
 * service reports about its own handlers (schemas from their class-validator rules).
 */
export function buildOpenApiDocument(routes: RouteDefinition[], services: ServiceSchemas[], version: string): Record<string, unknown> {
  const requestSchemaOf = new Map<string, string>();
  const schemas: Record<string, unknown> = { Problem: PROBLEM_SCHEMA };
  for (const service of services) {
    for (const [subject, name] of Object.entries(service.requests)) requestSchemaOf.set(subject, name);
    Object.assign(schemas, service.schemas);
  }
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const target = route.target;
    // An ingress's route: not the gateway's to serve (its decisions are the forward-auth operations below).
    if (isForwardAuthOnly(target)) continue;
    const upstream = isUpstream(target);
    // An HTTP bridge (the OpenID Connect provider) answers with its own protocol's bodies, like an upstream.
    const bridge = isHttpBridge(target);
    // A SCIM route (docs/scim.md) takes and answers application/scim+json, its errors SCIM error bodies.
    const scim = isScim(target);
    const service = isUpstream(target) ? `upstream:${target.upstream}` : (isHttpBridge(target) ? target.bridge : isScim(target) ? target.scim : target).subject.split('.')[0];
    const schemaName = isUpstream(target) || isHttpBridge(target) || isScim(target) ? undefined : requestSchemaOf.get(target.subject);
    const session = route.browserSession ? browserSessionOperation(route.browserSession) : undefined;
    const needsBody = ['POST', 'PUT', 'PATCH'].includes(route.method) && (!session || route.browserSession === 'sign-in');
    const operation: Record<string, unknown> = {
      summary: route.summary,
      operationId: `${route.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^a-zA-Z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
      tags: [service],
      security: route.access === 'public' ? [] : scim ? [{ integrationSecret: [] }] : [{ bearer: [] }, { apiToken: [] }, { basic: [] }],
      parameters: [
        ...pathParams.map((name) => ({
          name,
          in: 'path',
          required: true,
          schema: { type: 'string' },
          ...(name === 'tenant' ? { description: 'Tenant id; `default` addresses the default tenant' } : {}),
        })),
        ...(!needsBody && schemaName && !session ? [{ name: 'query', in: 'query', style: 'form', explode: true, schema: { $ref: `#/components/schemas/${schemaName}` } }] : []),
        ...(session?.parameters ?? []),
      ],
      responses: {
        [String(route.status ?? 200)]: {
          description: 'Success', content: upstream || bridge ? {} : { [scim ? 'application/scim+json' : 'application/json']: { schema: { type: 'object' } } },
        },
        '400': problem('Invalid input: `errors[]` names each field'),
        ...(route.access === 'public' ? {} : { '401': problem('Not authenticated') }),
        ...(typeof route.access === 'object'
          ? { '403': problem(`Requires ${route.access.permission}:${route.access.action ?? DEFAULT_ACTIONS[route.method]}`) }
          : {}),
        '404': problem('Not found'),
        '429': problem('Rate limited (see Retry-After)'),
        ...(upstream ? { '502': problem('Upstream unreachable'), '504': problem('Upstream timed out') } : { '503': problem('Service unavailable'), '504': problem('Service timed out') }),
        ...session?.responses,
      },
      ...(session ? { description: session.description } : {}),
      ...(typeof route.access === 'object'
        ? { 'x-gatehouse-permission': { permission: route.access.permission, action: route.access.action ?? DEFAULT_ACTIONS[route.method] } }
        : {}),
      ...(route.grants ? { 'x-gatehouse-grant': route.grants } : {}),
      // Answered by a service in its own protocol (OAuth 2 / OpenID Connect errors, not problems): docs/oidc.md.
      ...(bridge ? { 'x-gatehouse-http-bridge': true } : {}),
      ...(scim ? { 'x-gatehouse-scim': true } : {}),
    };
    if (needsBody) {
      operation.requestBody = {
        required: !upstream,
        content: upstream
          ? { '*/*': { schema: {} } }
          : scim
            ? { 'application/scim+json': { schema: { type: 'object' } } }
            : { 'application/json': { schema: schemaName ? { $ref: `#/components/schemas/${schemaName}` } : { type: 'object' } } },
      };
    }
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation };
  }
  Object.assign(paths, forwardAuthPaths());
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse API',
      version,
      description: 'Multi-tenant identity and access management. Errors are application/problem+json (RFC 9457).',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiToken: { type: 'http', scheme: 'bearer', description: 'API token (`gh_...`)' },
        basic: { type: 'http', scheme: 'basic' },
        integrationSecret: { type: 'http', scheme: 'bearer', description: "A provisioning integration's secret (`ghscim_...`), on its SCIM routes only" },
      },
      schemas,
    },
    paths,
  };
}

const header = (name: string, description: string) => ({ name, in: 'header', required: false, description, schema: { type: 'string' } });

/** The decision endpoints for an ingress (docs/forward-auth.md): any method, the original request in headers. */
function forwardAuthPaths(): Record<string, Record<string, unknown>> {
  const identity = {
    description: 'Allowed: copy the x-gatehouse-* headers upstream',
    headers: Object.fromEntries(
      ['subject-id', 'subject-type', 'tenant', 'namespaces', 'impersonator-id', 'token'].map((h) => [`x-gatehouse-${h}`, { schema: { type: 'string' } }]),
    ),
  };
  const operation = (summary: string, parameters: unknown[], signIn: string) => ({
    get: {
      summary,
      description: 'Any method is accepted (nginx and Envoy ask with the original one); a body is ignored. A request carrying a client\'s x-gatehouse-* header is refused (403, `rule: client-identity-header`).',
      operationId: `forwardAuth${summary.split(' ')[0]}`,
      tags: ['forward-auth'],
      security: [],
      'x-gatehouse-forward-auth': true,
      parameters: [...parameters, header('authorization', 'The original request\'s credentials (Bearer JWT, Bearer API token, Basic)')],
      responses: {
        '200': identity,
        '400': problem('The original method or URI is missing or malformed: `errors[]` names the header'),
        '401': problem(`Not authenticated. ${signIn}`),
        '403': problem('Refused: a missing permission (`permission`, `action`), no route of the routes file (`rule: no-route`), a client\'s x-gatehouse-* header (`rule: client-identity-header`)'),
        '503': problem('Gatehouse unavailable: the ingress must fail closed'),
      },
    },
  });
  const redirect = 'A browser page load on a route with `signInUrl` gets a 302 to it, with the original URL in `rd`.';
  return {
    [FORWARD_AUTH_ENDPOINTS.authRequest]: operation(
      'AuthRequest: nginx auth_request and Kubernetes ingress-nginx auth-url',
      [header('x-original-url', 'The original URL (ingress-nginx)'), header('x-original-uri', 'The original path and query (nginx)'), header('x-original-method', 'The original method')],
      'A browser page load on a route with `signInUrl` also gets `Location` (nginx redirects there: docs/forward-auth.md). Refusals nginx cannot pass on (400, 404, 429) are answered 403 with `originalStatus`.',
    ),
    [FORWARD_AUTH_ENDPOINTS.forwardAuth]: operation(
      'ForwardAuth: Caddy forward_auth and Traefik ForwardAuth',
      ['x-forwarded-method', 'x-forwarded-uri', 'x-forwarded-host', 'x-forwarded-proto'].map((h) => header(h, `The original request's ${h.slice(12)}`)),
      redirect,
    ),
    [`${FORWARD_AUTH_ENDPOINTS.extAuthz}/{path}`]: operation(
      'ExtAuthz: Envoy ext_authz HTTP service (path_prefix)',
      [{ name: 'path', in: 'path', required: true, description: 'The original path (and query)', schema: { type: 'string' } }],
      redirect,
    ),
  };
}
