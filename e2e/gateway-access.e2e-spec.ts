import { createPublicKey, JsonWebKey, verify } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { IdentityRpc } from '@gatehouse/contracts';
import { NatsClient, RpcClient } from '@gatehouse/messaging';
import { api, bearer, bindRole, createRole, createTenant, createUser, superAdminToken, TestUser, unique } from '@gatehouse/testing';

/** Decodes and verifies an EdDSA JWT against the published JWKS (jose is ESM-only, so node:crypto here). */
async function verifyWithJwks(token: string): Promise<{ header: Record<string, unknown>; payload: Record<string, unknown> }> {
  const [h, p, s] = token.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  const jwks = (await api().get('/.well-known/jwks.json').expect(200)).body as { keys: Array<JsonWebKey & { kid: string }> };
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`kid ${String(header.kid)} is not in the JWKS`);
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  if (!verify(null, Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) throw new Error('bad signature');
  return { header, payload };
}

/** A GET with the path sent exactly as written (fetch and supertest would resolve dot segments first). */
function rawGet(path: string, token: string): Promise<{ status: number; body: string }> {
  const base = new URL(process.env.GATEHOUSE_URL as string);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: base.hostname, port: base.port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('gateway: upstream access by namespace and method', () => {
  let root: string;
  let admin: TestUser;
  let reader: TestUser;
  let tenant: string;

  beforeAll(async () => {
    root = await superAdminToken();
    admin = await createUser(root);
    reader = await createUser(root);
    tenant = (await createTenant(root, { adminUser: admin.username })).id;
    const role = await createRole(admin.token, tenant, { name: unique('flow-reader'), permissions: { FLOW: ['READ'] } });
    await bindRole(admin.token, tenant, { roleId: role.id, subjectId: reader.user.id, namespaces: ['company.team'] });
    await bindRole(admin.token, tenant, { roleId: role.id, subjectId: reader.user.id, namespaces: ['acme.ops'] });
  });

  it('allows the bound namespace and its children, denies a sibling prefix and another namespace', async () => {
    const get = (namespace: string) => api().get(`/api/v1/${tenant}/flows/${namespace}/x`).set(...bearer(reader.token));
    const own = await get('company.team').expect(200);
    expect(own.body).toMatchObject({ method: 'GET', path: '/company.team/x' });
    expect(own.body.headers['x-gatehouse-subject-id']).toBe(reader.user.id);
    await get('company.team.sub').expect(200);
    await get('company.team.sub.deeper').expect(200);
    const sibling = await get('company.teamx').expect(403);
    expect(sibling.body).toMatchObject({ permission: 'FLOW', action: 'READ' });
    expect(sibling.body.detail).toContain('company.teamx');
    await get('company').expect(403);
    await get('other').expect(403);
  });

  it('refuses dot segments that would take a request out of the namespace it was authorized for', async () => {
    for (const escape of ['../other/x', '%2e%2e/other/x', '.%2E/other/x', 'a/../../other/x', './x', '..']) {
      const response = await rawGet(`/api/v1/${tenant}/flows/company.team/${escape}`, reader.token);
      expect({ escape, status: response.status }).toEqual({ escape, status: 400 });
      expect(response.body).not.toContain('"x-gatehouse-subject-id"');
    }
    const fine = await rawGet(`/api/v1/${tenant}/flows/company.team/v1..2/x.y`, reader.token);
    expect(fine.status).toBe(200);
    expect(JSON.parse(fine.body).path).toBe('/company.team/v1..2/x.y');
  });

  it('denies every write method to a READ-only binding, even in its own namespace', async () => {
    const path = `/api/v1/${tenant}/flows/company.team/x`;
    const post = await api().post(path).set(...bearer(reader.token)).send({ a: 1 }).expect(403);
    expect(post.body).toMatchObject({ permission: 'FLOW', action: 'CREATE' });
    const put = await api().put(path).set(...bearer(reader.token)).send({ a: 1 }).expect(403);
    expect(put.body).toMatchObject({ permission: 'FLOW', action: 'UPDATE' });
    const patch = await api().patch(path).set(...bearer(reader.token)).send({ a: 1 }).expect(403);
    expect(patch.body).toMatchObject({ permission: 'FLOW', action: 'UPDATE' });
    const del = await api().delete(path).set(...bearer(reader.token)).expect(403);
    expect(del.body).toMatchObject({ permission: 'FLOW', action: 'DELETE' });
    // The tenant's Admin may write there: the deny above is about the action, not the route.
    await api().post(path).set(...bearer(admin.token)).send({ a: 1 }).expect(200);
  });

  it('tells the upstream of a list call without a namespace exactly which prefixes the caller may see', async () => {
    const list = await api()
      .get(`/api/v1/${tenant}/flow-search`)
      .set(...bearer(reader.token))
      .set('x-gatehouse-namespaces', '*')
      .expect(200);
    expect(String(list.body.headers['x-gatehouse-namespaces']).split(',').sort()).toEqual(['acme.ops', 'company.team']);
    const adminList = await api().get(`/api/v1/${tenant}/flow-search`).set(...bearer(admin.token)).expect(200);
    expect(adminList.body.headers['x-gatehouse-namespaces']).toBe('*');
    const stranger = await createUser(root);
    await api().get(`/api/v1/${tenant}/flow-search`).set(...bearer(stranger.token)).expect(403);
  });

  it('gives an upstream declared with internalToken a short-lived JWT it can verify with the JWKS', async () => {
    const forged = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.';
    const first = await api()
      .get(`/api/v1/${tenant}/signed/company.team/x`)
      .set(...bearer(reader.token))
      .set('x-gatehouse-token', forged)
      .expect(200);
    const token = first.body.headers['x-gatehouse-token'] as string;
    expect(token).toBeDefined();
    expect(token).not.toBe(forged);
    const { header, payload } = await verifyWithJwks(token);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'gatehouse-internal+jwt' });
    expect(payload).toMatchObject({ sub: reader.user.id, sub_type: 'USER', tenant, aud: 'echo-signed', iss: process.env.E2E_ISSUER });
    expect(Number(payload.exp) - Number(payload.iat)).toBe(60);
    expect(Number(payload.exp) * 1000).toBeGreaterThan(Date.now());

    // Reused for the same (subject, tenant, upstream) instead of one identity call per request.
    const again = await api().get(`/api/v1/${tenant}/signed/company.team/y`).set(...bearer(reader.token)).expect(200);
    expect(again.body.headers['x-gatehouse-token']).toBe(token);
    const other = await api().get(`/api/v1/${tenant}/signed/company.team/y`).set(...bearer(admin.token)).expect(200);
    const adminClaims = (await verifyWithJwks(other.body.headers['x-gatehouse-token'])).payload;
    expect(adminClaims).toMatchObject({ sub: admin.user.id, tenant, aud: 'echo-signed' });

    // Denied requests never reach the upstream, and an upstream without the option gets no token (a forged one is dropped).
    await api().get(`/api/v1/${tenant}/signed/other/x`).set(...bearer(reader.token)).expect(403);
    const plain = await api().get(`/api/v1/${tenant}/flows/company.team/x`).set(...bearer(reader.token)).set('x-gatehouse-token', forged).expect(200);
    expect(plain.body.headers['x-gatehouse-token']).toBeUndefined();
  });

  it('issues internal tokens to the gateway only', async () => {
    const nats = new NatsClient();
    await nats.connect({ servers: process.env.E2E_NATS_URL, name: 'e2e-internal-token' });
    try {
      const rpc = new RpcClient(nats);
      const data = { subjectId: reader.user.id, subjectType: 'USER' as const, tenantId: tenant, audience: 'echo-signed' };
      await expect(rpc.request(IdentityRpc.issueInternalToken, { caller: { type: 'SERVICE', id: 'tenancy', via: 'internal' }, data })).rejects.toMatchObject({
        problem: { status: 403 },
      });
      const viaUser = { type: 'USER' as const, id: reader.user.id, via: 'jwt' as const };
      await expect(rpc.request(IdentityRpc.issueInternalToken, { caller: viaUser, data })).rejects.toMatchObject({ problem: { status: 403 } });
      await expect(
        rpc.request(IdentityRpc.issueInternalToken, { caller: { type: 'SERVICE', id: 'gateway', via: 'internal' }, data: { ...data, subjectId: 'nope' } }),
      ).rejects.toMatchObject({ problem: { status: 400 } });
    } finally {
      await nats.onApplicationShutdown();
    }
  });
});
