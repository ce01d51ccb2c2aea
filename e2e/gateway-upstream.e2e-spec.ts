import { createHash } from 'node:crypto';
import { api, bearer, createTenant, createUser, deterministicChunks, superAdminToken, TestSystem } from '@gatehouse/testing';
import request from 'supertest';

const MB = 1024 * 1024;

describe('gateway: upstream HTTP services behind the route table', () => {
  let root: string;
  let admin: Awaited<ReturnType<typeof createUser>>;
  let outsider: Awaited<ReturnType<typeof createUser>>;
  let tenant: string;

  beforeAll(async () => {
    root = await superAdminToken();
    admin = await createUser(root);
    outsider = await createUser(root);
    tenant = (await createTenant(root, { adminUser: admin.username })).id;
    await createTenant(root, { adminUser: outsider.username });
  });

  it('forwards an allowed request with the verified identity, the trace context and the prefix stripped', async () => {
    const traceId = 'a'.repeat(32);
    const response = await api()
      .get(`/api/v1/${tenant}/flows/company.team/my-flow?rev=3`)
      .set(...bearer(admin.token))
      .set('traceparent', `00-${traceId}-${'b'.repeat(16)}-01`)
      .set('x-request-id', 'req-e2e-1')
      .expect(200);
    expect(response.headers['x-upstream']).toBe('echo');
    expect(response.body).toMatchObject({ method: 'GET', path: '/company.team/my-flow', query: { rev: '3' } });
    const headers = response.body.headers;
    expect(headers).toMatchObject({
      'x-gatehouse-subject-id': admin.user.id,
      'x-gatehouse-subject-type': 'USER',
      'x-gatehouse-tenant': tenant,
      'x-request-id': 'req-e2e-1',
    });
    expect(headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(headers.authorization).toBeUndefined();
    expect(response.headers['x-request-id']).toBe('req-e2e-1');
  });

  it('never lets a client-sent identity header reach the upstream', async () => {
    const response = await api()
      .get(`/api/v1/${tenant}/flows/company/x`)
      .set(...bearer(admin.token))
      .set('x-gatehouse-subject-id', '00000000-0000-4000-8000-000000000000')
      .set('x-gatehouse-tenant', 'someone-else')
      .set('X-Gatehouse-Namespaces', '*')
      .expect(200);
    expect(response.body.headers['x-gatehouse-subject-id']).toBe(admin.user.id);
    expect(response.body.headers['x-gatehouse-tenant']).toBe(tenant);
    const anonymous = await api().get('/public/echo/hello').set('x-gatehouse-subject-id', 'forged').set('x-gatehouse-tenant', 'forged').expect(200);
    expect(Object.keys(anonymous.body.headers).filter((h) => h.startsWith('x-gatehouse-'))).toEqual([]);
  });

  it('denies without credentials, without the permission, in another tenant, and to a Super Admin (no tenant data)', async () => {
    await api().get(`/api/v1/${tenant}/flows/company/x`).expect(401);
    const other = await api().get(`/api/v1/${tenant}/flows/company/x`).set(...bearer(outsider.token)).expect(403);
    expect(other.body).toMatchObject({ permission: 'FLOW', action: 'READ' });
    const rootDenied = await api().post(`/api/v1/${tenant}/flows/company/x`).set(...bearer(root)).send({}).expect(403);
    expect(rootDenied.body).toMatchObject({ permission: 'FLOW', action: 'CREATE' });
    const noRights = await createUser(root);
    await api().put(`/api/v1/${tenant}/kv/key?namespace=company.team`).set(...bearer(noRights.token)).send('v').expect(403);
  });

  it('takes the namespace from the query or a header as declared, and refuses a malformed one', async () => {
    await api().get(`/api/v1/${tenant}/kv/key`).query({ namespace: 'company.team' }).set(...bearer(admin.token)).expect(200);
    const bad = await api().get(`/api/v1/${tenant}/kv/key`).query({ namespace: 'no spaces!' }).set(...bearer(admin.token)).expect(400);
    expect(bad.body.errors[0].field).toBe('namespace');
    await api().get(`/api/v1/${tenant}/files/x`).set('x-namespace', 'a..b').set(...bearer(admin.token)).expect(400);
    await api().delete(`/api/v1/${tenant}/kv/key`).set(...bearer(admin.token)).expect(404);
  });

  it('streams a 50 MB upload and a 50 MB download through intact', async () => {
    const body = Buffer.concat([...deterministicChunks(50 * MB)]);
    const expected = createHash('sha256').update(body).digest('hex');
    const upload = await fetch(`${process.env.GATEHOUSE_URL}/api/v1/${tenant}/files/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/octet-stream', 'x-namespace': 'company' },
      body,
    });
    expect(upload.status).toBe(200);
    expect(await upload.json()).toMatchObject({ bodyBytes: 50 * MB, bodySha256: expected });

    const download = await fetch(`${process.env.GATEHOUSE_URL}/api/v1/${tenant}/files/download?bytes=${50 * MB}`, {
      headers: { authorization: `Bearer ${admin.token}`, 'x-namespace': 'company' },
    });
    expect(download.status).toBe(200);
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      hash.update(chunk);
    }
    expect(size).toBe(50 * MB);
    expect(hash.digest('hex')).toBe(expected);
  }, 60_000);

  it('answers 502 when the upstream is down and 504 when it is too slow, as problem+json', async () => {
    const down = await api().get(`/api/v1/${tenant}/broken/x`).set(...bearer(admin.token)).expect(502);
    expect(down.headers['content-type']).toMatch(/problem\+json/);
    expect(down.body.detail).toContain('nowhere');
    const slow = await api().get(`/api/v1/${tenant}/slow/slow?ms=2000`).set(...bearer(admin.token)).expect(504);
    expect(slow.body.status).toBe(504);
  });

  it('exposes Prometheus metrics and sets security headers', async () => {
    // The same check twice within the cache TTL: the second is answered from the decision cache.
    const fresh = await createUser(root);
    await api().get(`/api/v1/${tenant}/flows/company.cache/x`).set(...bearer(fresh.token)).expect(403);
    await api().get(`/api/v1/${tenant}/flows/company.cache/x`).set(...bearer(fresh.token)).expect(403);
    const response = await api().get('/metrics').expect(200);
    const counted = (result: string) => Number(new RegExp(`gatehouse_decision_cache_total\\{result="${result}"\\} (\\d+)`).exec(response.text)?.[1] ?? 0);
    expect(counted('hit')).toBeGreaterThan(0);
    expect(counted('miss')).toBeGreaterThan(0);
    expect(response.text).toMatch(/gatehouse_http_requests_total\{route="\/api\/v1\/:tenant\/flows\/:namespace\/\*",method="GET",status="200"\} \d+/);
    expect(response.text).toContain('gatehouse_upstream_errors_total{upstream="nowhere",kind="unreachable"}');
    const headers = (await api().get('/api/v1/setup')).headers;
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['strict-transport-security']).toBeDefined();
  });
});

describe('gateway: rate limits', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({
      name: 'rate-limits',
      env: { RATE_LIMIT_PER_IP_PER_MINUTE: '20', RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '5' },
    });
  }, 90_000);
  afterAll(() => system?.stop(), 30_000);

  it('answers 429 with Retry-After per subject, then per client address', async () => {
    const url = system.gatewayUrl;
    const owner = { username: 'limits@gatehouse.test', password: 'Limits-Pass-77' };
    await request(url).post('/api/v1/setup').send(owner).expect(201);
    const token = (await request(url).post('/api/v1/login').send(owner).expect(200)).body.accessToken;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await request(url).get('/api/v1/me').set('authorization', `Bearer ${token}`)).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const limited = await request(url).get('/api/v1/me').set('authorization', `Bearer ${token}`).expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['content-type']).toMatch(/problem\+json/);

    let ipLimited = false;
    for (let i = 0; i < 25 && !ipLimited; i++) ipLimited = (await request(url).get('/api/v1/setup')).status === 429;
    expect(ipLimited).toBe(true);
  });
});
