import { api } from '../api';

/** A JSON Schema as the gateway's OpenAPI document publishes it (class-validator rules of each DTO). */
export interface JsonSchema {
  /** One type, or (OpenAPI 3.1) a list such as `['string', 'null']` for a field that admits null. */
  type?: string | string[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  additionalProperties?: boolean;
  $ref?: string;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonSchema> };
}

interface OpenApiOperation {
  security: unknown[];
  tags: string[];
  parameters: Array<{ name: string; in: string; required?: boolean; schema: JsonSchema }>;
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  'x-gatehouse-permission'?: { permission: string; action: string };
  'x-gatehouse-grant'?: string;
  'x-gatehouse-http-bridge'?: boolean;
  'x-gatehouse-forward-auth'?: boolean;
  'x-gatehouse-scim'?: boolean;
}

/** One route of the gateway, read from its OpenAPI document. */
export interface ApiOperation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI template, e.g. `/api/v1/{tenant}/roles/{id}`. */
  path: string;
  pathParams: string[];
  public: boolean;
  /** Permission and action the gateway checks, absent for public and any-signed-in routes. */
  permission?: { permission: string; action: string };
  tenantScoped: boolean;
  /** An HTTP service behind the gateway (from the routes file) rather than a built-in service. */
  upstream: boolean;
  /** Answered by a service in its own protocol (the OpenID Connect provider: RFC 6749 errors, not problems). */
  httpBridge: boolean;
  /** A decision endpoint for an ingress (docs/forward-auth.md): its input is the original request, in headers. */
  forwardAuth: boolean;
  /** Header parameters the document names (a forward-auth endpoint's original request). */
  headerParams: string[];
  /** A SCIM route (docs/scim.md): reached with an integration's secret, answered with SCIM bodies and SCIM errors. */
  scim: boolean;
  /** The request DTO (body for POST/PUT/PATCH, query otherwise), resolved; absent for upstream routes. */
  schema?: JsonSchema;
  schemaName?: string;
  input: 'body' | 'query';
  /** Required headers that take one value (the browser-session routes' CSRF header): what a client must send. */
  headers: Record<string, string>;
  /** What the route can grant (access, a credential, an account action): each must be in the escalation matrix. */
  grants?: string;
}

export async function loadOpenApi(): Promise<OpenApiDocument> {
  const response = await api().get('/api/docs/openapi.json');
  if (response.status !== 200) throw new Error(`GET /api/docs/openapi.json answered ${response.status}`);
  return response.body as OpenApiDocument;
}

/** `#/components/schemas/X` → the schema X (references inside it are resolved lazily by the callers). */
export function resolveSchema(doc: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema | undefined {
  if (!schema?.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const resolved = doc.components.schemas[name];
  if (!resolved) throw new Error(`the OpenAPI document references a schema it does not define: ${name}`);
  return resolved;
}

/** The type a value of the schema has when it is not null: `['string', 'null']` → `string`. */
export function typeOf(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null');
  if (schema.type) return schema.type;
  const variant = schema.anyOf?.find((v) => v.type !== 'null');
  return variant ? typeOf(variant) : undefined;
}

/** Whether the schema admits null: `type: [..., 'null']` or an `anyOf` with a null variant. */
export function admitsNull(schema: JsonSchema): boolean {
  return (Array.isArray(schema.type) && schema.type.includes('null')) || !!schema.anyOf?.some((v) => v.type === 'null');
}

/** The schema of the field's non-null values, references resolved (`anyOf: [{$ref}, {type: 'null'}]` → the referenced schema). */
export function valueSchema(doc: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema {
  const resolved = resolveSchema(doc, schema) ?? {};
  const variant = resolved.anyOf?.find((v) => v.type !== 'null');
  return variant ? valueSchema(doc, variant) : resolved;
}

export function operationsOf(doc: OpenApiDocument): ApiOperation[] {
  const operations: ApiOperation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const upper = method.toUpperCase() as ApiOperation['method'];
      const input = ['POST', 'PUT', 'PATCH'].includes(upper) ? 'body' : 'query';
      const raw = input === 'body' ? op.requestBody?.content['application/json']?.schema : op.parameters.find((p) => p.in === 'query')?.schema;
      operations.push({
        method: upper,
        path,
        pathParams: op.parameters.filter((p) => p.in === 'path').map((p) => p.name),
        public: op.security.length === 0,
        permission: op['x-gatehouse-permission'],
        tenantScoped: path.includes('{tenant}'),
        upstream: op.tags.some((t) => t.startsWith('upstream:')),
        httpBridge: op['x-gatehouse-http-bridge'] === true,
        forwardAuth: op['x-gatehouse-forward-auth'] === true,
        headerParams: op.parameters.filter((p) => p.in === 'header').map((p) => p.name),
        scim: op['x-gatehouse-scim'] === true,
        schema: resolveSchema(doc, raw),
        schemaName: raw?.$ref?.replace('#/components/schemas/', ''),
        input,
        headers: Object.fromEntries(
          op.parameters
            .filter((p) => p.in === 'header' && p.required && p.schema.enum?.length === 1)
            .map((p) => [p.name, String(p.schema.enum?.[0])]),
        ),
        grants: op['x-gatehouse-grant'],
      });
    }
  }
  return operations;
}

export const describeOperation = (op: Pick<ApiOperation, 'method' | 'path'>): string => `${op.method} ${op.path}`;
