import {
  api, bearer, countChanges, createGroup, createRole, createTenant, errorFields, settledRowCounts, stackTraceIn, superAdminToken, testDb,
  TestDbClient, unique,
} from '@gatehouse/testing';

/**
 * Issue #20, "no input yields a 5xx": text Postgres cannot store (NUL, lone UTF-16 surrogates), numbers
 * past what a page or any integer can be, and null for fields that may be omitted but not cleared are
 * each a 400 problem naming the field, on every route, the anonymous ones included. Fields where null
 * means "clear" keep accepting it.
 */
type Answer = { status: number; headers: Record<string, string>; body: { status?: number; errors?: Array<{ field: string }> }; text: string };

const refusedNaming = (response: Answer, field: string) => {
  expect({ status: response.status, fields: errorFields(response) }).toEqual({ status: 400, fields: expect.arrayContaining([field]) });
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(response.body.status).toBe(400);
  expect(stackTraceIn(response.text)).toBeNull();
};

const json = (value: unknown) => JSON.stringify(value);

describe('input hardening: text, numbers and nulls a service cannot take are 400s naming the field', () => {
  let root: string;
  let tenant: string;
  let db: TestDbClient;

  beforeAll(async () => {
    root = await superAdminToken();
    tenant = (await createTenant(root)).id;
    db = await testDb();
  });

  afterAll(async () => {
    await db?.end();
  });

  const send = (method: 'post' | 'patch' | 'put', path: string, body: string) =>
    api()[method](path).set(...bearer(root)).set('content-type', 'application/json').send(body);

  it('a NUL byte in the username of the anonymous login', async () => {
    const response = await api().post('/api/v1/login').set('content-type', 'application/json').send(json({ username: 'ro\u0000ot@gatehouse.test', password: 'x' }));
    refusedNaming(response, 'username');
  });

  it('a NUL byte in Basic credentials is refused as bad credentials, not a server error', async () => {
    const credentials = Buffer.from('ro\u0000ot@gatehouse.test:secret').toString('base64');
    const response = await api().get('/api/v1/me').set('authorization', `Basic ${credentials}`);
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('a NUL byte in the q of a list route', async () => {
    refusedNaming(await api().get(`/api/v1/${tenant}/groups`).query({ q: 'a\u0000b' }).set(...bearer(root)), 'q');
    refusedNaming(await api().get('/api/v1/users').query({ q: '\u0000' }).set(...bearer(root)), 'q');
  });

  it.each(['99999999999999999999', '9223372036854775808', '9007199254740993', '10000001'])('page=%s on a list route', async (page) => {
    refusedNaming(await api().get(`/api/v1/${tenant}/groups?page=${page}`).set(...bearer(root)), 'page');
    refusedNaming(await api().get(`/api/v1/tenants?page=${page}&size=500`).set(...bearer(root)), 'page');
  });

  it('the largest page is answered (empty)', async () => {
    const last = await api().get(`/api/v1/${tenant}/groups?page=10000000&size=500`).set(...bearer(root));
    expect(last.status).toBe(200);
    expect(last.body.results).toEqual([]);
  });

  it.each([2 ** 53 + 2, 2 ** 63, 1e20])('the JSON number %d for an integer of a body', async (fontSize) => {
    refusedNaming(await send('put', `/api/v1/${tenant}/settings/me`, `{"editor":{"fontSize":${fontSize}}}`), 'editor.fontSize');
  });

  it('null for the name on PATCH of a group, a tenant and a role', async () => {
    const group = await createGroup(root, tenant, unique('grp'));
    refusedNaming(await send('patch', `/api/v1/${tenant}/groups/${group.id}`, json({ name: null })), 'name');
    refusedNaming(await send('patch', `/api/v1/tenants/${tenant}`, json({ name: null })), 'name');
    const role = await createRole(root, tenant, { name: unique('role'), permissions: { FLOW: ['READ'] } });
    refusedNaming(await send('patch', `/api/v1/${tenant}/roles/${role.id}`, json({ name: null })), 'name');
    refusedNaming(await send('patch', `/api/v1/${tenant}/roles/${role.id}`, json({ permissions: null })), 'permissions');
    refusedNaming(await send('patch', `/api/v1/${tenant}/roles/${role.id}`, json({ isDefault: null })), 'isDefault');
  });

  it('null still clears the fields where it means "clear"', async () => {
    const group = await createGroup(root, tenant, unique('grp'));
    await send('patch', `/api/v1/${tenant}/groups/${group.id}`, json({ description: 'to be cleared' })).expect(200);
    const cleared = await send('patch', `/api/v1/${tenant}/groups/${group.id}`, json({ description: null })).expect(200);
    expect(cleared.body.description).toBeNull();
    const tenantCleared = await send('patch', `/api/v1/tenants/${tenant}`, json({ workerGroup: null })).expect(200);
    expect(tenantCleared.body.workerGroup).toBeNull();
  });

  it('a lone UTF-16 surrogate in a group name, on create and update', async () => {
    refusedNaming(await send('post', `/api/v1/${tenant}/groups`, '{"name":"half \\ud800 a pair"}'), 'name');
    const group = await createGroup(root, tenant, unique('grp'));
    refusedNaming(await send('patch', `/api/v1/${tenant}/groups/${group.id}`, '{"name":"\\udc00"}'), 'name');
    // A well-formed pair (an emoji) is text like any other.
    const emoji = await send('post', `/api/v1/${tenant}/groups`, json({ name: unique('\ud83d\ude00') }));
    expect(emoji.status).toBe(201);
  });

  it('names the nested path of bad text inside arrays and objects', async () => {
    const role = await createRole(root, tenant, { name: unique('role'), permissions: { FLOW: ['READ'] } });
    const binding = { roleId: role.id, subjectType: 'GROUP', subjectId: (await createGroup(root, tenant, unique('grp'))).id };
    refusedNaming(
      await send('post', `/api/v1/${tenant}/bindings/bulk`, json({ bindings: [binding, { ...binding, namespaces: ['ok', 'bad\u0000'] }] })),
      'bindings[1].namespaces[1]',
    );
    refusedNaming(await send('put', `/api/v1/${tenant}/settings/me`, json({ timezone: 'Europe/Paris', editor: { keymap: 'vim\u0000' } })), 'editor.keymap');
  });

  it('JSON nested deeper than 32 levels is a 400 at the gateway, not a 503 from encoding it for NATS', async () => {
    const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    for (const levels of [40, 5000, 200_000]) {
      const login = await api().post('/api/v1/login').set('content-type', 'application/json').send(`{"username":"x","password":${nested(levels)}}`);
      expect({ levels, status: login.status }).toEqual({ levels, status: 400 });
      expect(login.headers['content-type']).toContain('application/problem+json');
    }
    const group = await send('post', `/api/v1/${tenant}/groups`, `{"name":"x","description":${nested(5000)}}`);
    expect(group.status).toBe(400);
  });

  it('writes nothing for any of them', async () => {
    const before = await settledRowCounts(db);
    const group = (await api().get(`/api/v1/${tenant}/groups`).set(...bearer(root))).body.results[0] as { id: string };
    for (const [path, body] of [
      [`/api/v1/${tenant}/groups`, json({ name: 'x\u0000' })],
      [`/api/v1/${tenant}/groups`, '{"name":"\\ud800"}'],
      [`/api/v1/${tenant}/service-accounts`, json({ name: 'sa', description: 'd\u0000' })],
      [`/api/v1/${tenant}/roles`, json({ name: 'r', permissions: { 'FL\u0000OW': ['READ'] } })],
      [`/api/v1/${tenant}/groups/${group.id}/members`, json({ memberType: 'USER', memberId: null })],
    ]) {
      const response = await send('post', path, body);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
    }
    expect(countChanges(before, await settledRowCounts(db))).toEqual([]);
  });
});
