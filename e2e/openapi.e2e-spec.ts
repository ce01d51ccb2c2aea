import { MAX_PAGE } from '@gatehouse/contracts';
import { api, loadOpenApi, operationsOf, schemaFields, typeOf } from '@gatehouse/testing';

describe('OpenAPI document generated from the code', () => {
  it('documents every route with its permission and the request schema each service validates', async () => {
    const response = await api().get('/api/docs/openapi.json').expect(200);
    const doc = response.body;
    expect(doc.openapi).toBe('3.1.0');
    const createTenant = doc.paths['/api/v1/tenants'].post;
    expect(createTenant['x-gatehouse-permission']).toEqual({ permission: 'TENANT', action: 'CREATE' });
    expect(createTenant.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateTenantRequest' });
    const schema = doc.components.schemas.CreateTenantRequest;
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'name']));
    expect(schema.properties.id.pattern).toBeDefined();
    expect(schema.additionalProperties).toBe(false);
    expect(doc.paths['/api/v1/login'].post.security).toEqual([]);
    expect(doc.paths['/api/v1/{tenant}/auditlogs/search'].get.parameters[0]).toMatchObject({ name: 'tenant', in: 'path' });
    expect(doc.paths['/api/v1/{tenant}/flows/{namespace}/{path}'].get.tags).toEqual(['upstream:echo']);
    // Request schemas only: no service's validated environment (variable names are not the API's business).
    expect(Object.keys(doc.components.schemas).filter((name) => /Env$/.test(name))).toEqual([]);
    expect(JSON.stringify(doc.components.schemas)).not.toContain('DATABASE_URL');
  });

  it('publishes the bounds validation applies: every integer a route takes has a maximum (page included), and which fields admit null', async () => {
    const doc = await loadOpenApi();
    const { schemas } = doc.components;
    expect(schemas.ListGroupsRequest.properties?.page).toMatchObject({ type: 'integer', minimum: 1, maximum: MAX_PAGE });
    const integers = operationsOf(doc).flatMap((op) =>
      schemaFields(doc, op.schema, op.input === 'query', op.pathParams)
        .filter((f) => typeOf(f.schema) === 'integer')
        .map((f) => ({ field: `${op.schemaName}.${f.field}`, maximum: f.schema.maximum })),
    );
    expect(integers.length).toBeGreaterThan(0);
    expect(integers.filter((i) => i.maximum === undefined)).toEqual([]);
    expect(schemas.UpdateGroupRequest.properties?.description.type).toEqual(['string', 'null']);
    expect(schemas.UpdateGroupRequest.properties?.name.type).toBe('string');
    expect(schemas.UpdateTenantRequest.properties?.workerGroup.type).toEqual(['string', 'null']);
  });

  it('serves Swagger UI from the gateway itself', async () => {
    const page = await api().get('/api/docs').expect(200);
    expect(page.text).toContain('/api/docs/assets/swagger-ui-bundle.js');
    await api().get('/api/docs/assets/swagger-ui-bundle.js').expect(200);
  });
});
