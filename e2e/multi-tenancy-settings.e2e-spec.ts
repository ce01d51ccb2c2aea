import { TestSystem } from '@gatehouse/testing';
import request from 'supertest';

const FIRST = { username: 'owner@gatehouse.test', password: 'Owner-Pass-2024' };

/** Starts a separate system with the given multi-tenancy settings for one describe block. */
function withSystem(env: Record<string, string>): () => TestSystem {
  let system: TestSystem;
  beforeAll(async () => {
    system = await TestSystem.start({ name: `mt-${Object.values(env).join('-')}`, env });
  }, 90_000);
  afterAll(() => system?.stop(), 30_000);
  return () => system;
}

async function tokenOf(url: string): Promise<string> {
  return (await request(url).post('/api/v1/login').send(FIRST).expect(200)).body.accessToken;
}

describe('multi-tenancy disabled (the default)', () => {
  const system = withSystem({ MULTI_TENANCY_ENABLED: 'false' });

  it('keeps everything in the default tenant and refuses to create tenants', async () => {
    const url = system().gatewayUrl;
    expect((await request(url).get('/api/v1/setup').expect(200)).body.multiTenancy).toEqual({ enabled: false, defaultTenant: true });
    const withTenant = await request(url).post('/api/v1/setup').send({ ...FIRST, tenant: 'prod' }).expect(400);
    expect(withTenant.body.errors[0].field).toBe('tenant');
    const setup = await request(url).post('/api/v1/setup').send(FIRST).expect(201);
    expect(setup.body.tenant).toBeNull();

    const token = await tokenOf(url);
    const refused = await request(url).post('/api/v1/tenants').set('authorization', `Bearer ${token}`).send({ id: 'dev', name: 'Dev' }).expect(409);
    expect(refused.body.detail).toMatch(/Multi-tenancy is disabled/);
    // The first user is Admin of the default tenant, addressed as /api/v1/default/...
    await request(url).get('/api/v1/default/auditlogs/search').set('authorization', `Bearer ${token}`).expect(200);
    const other = await request(url).get('/api/v1/dev/auditlogs/search').set('authorization', `Bearer ${token}`).expect(404);
    expect(other.body.detail).toMatch(/multi-tenancy is disabled/);
  });
});

describe('multi-tenancy enabled without a default tenant', () => {
  const system = withSystem({ MULTI_TENANCY_ENABLED: 'true', DEFAULT_TENANT_ENABLED: 'false' });

  it('needs a first tenant at set-up, makes the first user its Admin, and hides the default tenant', async () => {
    const url = system().gatewayUrl;
    expect((await request(url).get('/api/v1/setup').expect(200)).body.multiTenancy).toEqual({ enabled: true, defaultTenant: false });
    const missing = await request(url).post('/api/v1/setup').send(FIRST).expect(400);
    expect(missing.body.errors).toEqual([{ field: 'tenant', message: 'tenant is required: multi-tenancy is on without a default tenant' }]);
    expect((await request(url).get('/api/v1/setup')).body.setupComplete).toBe(false);

    const setup = await request(url).post('/api/v1/setup').send({ ...FIRST, tenant: 'main' }).expect(201);
    expect(setup.body.tenant).toMatchObject({ id: 'main', status: 'ACTIVE' });
    const token = await tokenOf(url);
    await request(url).get('/api/v1/main/auditlogs/search').set('authorization', `Bearer ${token}`).expect(200);
    await request(url).get('/api/v1/default/auditlogs/search').set('authorization', `Bearer ${token}`).expect(404);
    await request(url).post('/api/v1/tenants').set('authorization', `Bearer ${token}`).send({ id: 'second', name: 'Second' }).expect(201);
  });
});

describe('multi-tenancy enabled with the default tenant', () => {
  const system = withSystem({ MULTI_TENANCY_ENABLED: 'true', DEFAULT_TENANT_ENABLED: 'true' });

  it('serves the default tenant next to created tenants', async () => {
    const url = system().gatewayUrl;
    await request(url).post('/api/v1/setup').send(FIRST).expect(201);
    const token = await tokenOf(url);
    await request(url).get('/api/v1/default/auditlogs/search').set('authorization', `Bearer ${token}`).expect(200);
    await request(url).post('/api/v1/tenants').set('authorization', `Bearer ${token}`).send({ id: 'dev', name: 'Development environment' }).expect(201);
    await request(url).get('/api/v1/dev/auditlogs/search').set('authorization', `Bearer ${token}`).expect(200);
  });
});
