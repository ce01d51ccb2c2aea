import { GOVERNANCE_PERMISSIONS } from '@gatehouse/contracts';
import {
  api, ApiOperation, bearer, bindInstanceRole, createTenantWorld, createUser, describeOperation, FieldValues, fillPath, loadOpenApi,
  markersIn, OpenApiDocument, operationsOf, patchOp, pathValue, SCIM_GROUP_SCHEMA, scimUser, secretFieldsIn, stackTraceIn, superAdminToken, TenantWorld,
  TestUser, validSample,
} from '@gatehouse/testing';

/**
 * Cross-tenant isolation over every route of the OpenAPI document: two tenants A and B, each with an
 * Admin, a member with a custom role, a service account (Admin there) with an API token, a role, a
 * group, a binding and an invitation. On tenant A, B's subjects, an Instance Admin and the Super Admin
 * (on tenant data) are refused, A's Admin is refused B's objects by id in the path and in the body, and
 * no answer carries an id or name of the other tenant's objects, a password hash or a token hash.
 */
/** What an Instance Admin governs inside every tenant (authorization's INSTANCE_GOVERNED_IN_TENANTS). */
const INSTANCE_ADMIN_GOVERNS = ['USER', 'GROUP', 'ROLE', 'SERVICE_ACCOUNT'];
const DENIED = [403, 404];

interface Outcome {
  status: number;
  text: string;
  body: unknown;
}

describe('security: cross-tenant isolation matrix', () => {
  let doc: OpenApiDocument;
  let ops: ApiOperation[];
  let root: string;
  let A: TenantWorld;
  let B: TenantWorld;
  let instanceAdmin: TestUser;
  let snapshotOfB: Record<string, unknown>;
  const routesCovered = new Set<string>();
  let cases = 0;
  let serverErrors = 0;
  const leaks: string[] = [];
  const reads: Array<{ what: string; body: unknown }> = [];

  /** Values of request fields that point at a world's objects. */
  const valuesOf = (world: TenantWorld): FieldValues => (name) => {
    if (name === 'roleId') return world.role.id;
    if (name === 'groupId') return world.group.id;
    if (name === 'groupIds') return [world.group.id];
    if (name === 'subjectId' || name === 'memberId') return world.serviceAccount.id;
    if (name === 'subjectType' || name === 'memberType') return 'SERVICE_ACCOUNT';
    if (name === 'email') return world.member.username;
    return undefined;
  };

  /**
   * SCIM routes take an integration's secret only: a world's subjects call them with its integration's
   * secret (the Super Admin and the Instance Admin have none: their tokens are refused with 401).
   */
  const credentialFor = (op: ApiOperation, token: string | null): string | null => {
    if (!op.scim || token === null) return token;
    const world = [A, B].find((w) => [w.admin.token, w.member.token, w.serviceAccountToken].includes(token));
    return world ? world.integration.secret : token;
  };
  const deniedFor = (op: ApiOperation) => (op.scim ? [401, ...DENIED] : DENIED);

  /** Calls an operation; counts it, and records a 5xx, a stack trace or another tenant's markers as leaks. */
  async function call(op: ApiOperation, path: string, subjectToken: string | null, body: unknown, forbiddenMarkers: string[]): Promise<Outcome> {
    const token = credentialFor(op, subjectToken);
    const upstreamQuery = op.path.includes('/kv/') ? { namespace: 'company.team' } : {};
    let req = api()[op.method.toLowerCase() as 'get'](path).query(upstreamQuery).set('x-namespace', 'company.team');
    if (token) req = req.set(...bearer(token));
    const response = ['POST', 'PUT', 'PATCH'].includes(op.method) ? await req.send((body ?? {}) as object) : await req;
    cases += 1;
    routesCovered.add(describeOperation(op));
    const text = response.text ?? '';
    const sent = `${path} ${JSON.stringify(body ?? '')}`;
    if (response.status >= 500 && !op.path.includes('/broken/')) {
      serverErrors += 1;
      leaks.push(`${op.method} ${path}: ${response.status} ${text.slice(0, 200)}`);
    }
    const trace = stackTraceIn(text);
    if (trace) leaks.push(`${op.method} ${path}: stack trace (${trace})`);
    const found = markersIn(text, forbiddenMarkers.filter((m) => !sent.includes(m)));
    if (found.length) leaks.push(`${op.method} ${path} answered ${response.status} with ${found.join(', ')}`);
    if (op.method === 'GET' && response.status === 200) reads.push({ what: `${op.method} ${path}`, body: response.body });
    return { status: response.status, text, body: response.body };
  }

  const tenantOps = () => ops.filter((op) => op.tenantScoped);
  const bodyFor = (op: ApiOperation, world: TenantWorld) => {
    if (op.scim) return op.input === 'body' ? scimBodyFor(op) : undefined;
    return op.input === 'body' && !op.upstream ? validSample(doc, op.schema, '', valuesOf(world)) : undefined;
  };
  /** A well-formed SCIM request, so that only whose objects it names can refuse it. */
  const scimBodyFor = (op: ApiOperation) => {
    if (op.method === 'PATCH') return patchOp({ op: 'replace', path: 'displayName', value: 'isolation' });
    return op.path.includes('/Groups') ? { schemas: [SCIM_GROUP_SCHEMA], displayName: 'isolation' } : scimUser('isolation@gatehouse.test');
  };

  async function snapshot(world: TenantWorld): Promise<Record<string, unknown>> {
    const base = `/api/v1/${world.tenant}`;
    const paths = [
      `${base}/roles/${world.role.id}`, `${base}/groups/${world.group.id}`, `${base}/groups/${world.group.id}/members`,
      `${base}/bindings/${world.binding.id}`, `${base}/service-accounts/${world.serviceAccount.id}`,
      `${base}/service-accounts/${world.serviceAccount.id}/api-tokens`, `${base}/invitations/${world.invitation.id}`,
      `${base}/bindings`, `${base}/groups`, `${base}/roles`, `${base}/service-accounts`, `${base}/invitations`, `${base}/tenant-access`,
    ];
    const out: Record<string, unknown> = {};
    for (const path of paths) {
      const response = await api().get(path).query({ size: 500 }).set(...bearer(world.admin.token));
      out[path] = { status: response.status, body: stripVolatile(response.body) };
    }
    return out;
  }

  beforeAll(async () => {
    root = await superAdminToken();
    doc = await loadOpenApi();
    ops = operationsOf(doc).filter((op) => !op.public);
    A = await createTenantWorld(root, 'a');
    B = await createTenantWorld(root, 'b');
    instanceAdmin = await createUser(root);
    await bindInstanceRole(root, 'Instance Admin', instanceAdmin.user.id);
    snapshotOfB = await snapshot(B);
  }, 120_000);

  afterAll(() => {
    console.log(
      `security isolation: ${routesCovered.size} routes covered, ${cases} cases tried, leaks found = ${leaks.length}, 5xx = ${serverErrors}`,
    );
  });

  it('positive control: A\u2019s Admin reads every tenant-scoped route of A with A\u2019s ids (the fixtures are real)', async () => {
    const failures: string[] = [];
    for (const op of tenantOps().filter((o) => o.method === 'GET')) {
      const path = fillPath(op.path, op.pathParams, () => A);
      const query = op.path.endsWith('/lookup') ? `?email=${encodeURIComponent(A.member.username)}` : '';
      const outcome = await call(op, `${path}${query}`, A.admin.token, undefined, B.markers);
      const expected = op.path.includes('/broken/') ? 502 : 200;
      if (outcome.status !== expected) failures.push(`${describeOperation(op)} -> ${outcome.status} ${outcome.text.slice(0, 160)}`);
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('B\u2019s Admin, member and service account token are refused on every route of tenant A and every instance route', async () => {
    const subjects = { 'B admin': B.admin.token, 'B member': B.member.token, 'B service account token': B.serviceAccountToken };
    const wrong: string[] = [];
    for (const op of ops.filter((o) => o.permission)) {
      for (const [who, token] of Object.entries(subjects)) {
        for (const ids of [A, B]) {
          const path = fillPath(op.path, op.pathParams, () => ids, A.tenant);
          const outcome = await call(op, path, token, bodyFor(op, ids), [...A.markers, ...(ids === A ? B.markers : [])]);
          if (!deniedFor(op).includes(outcome.status)) wrong.push(`${who}: ${op.method} ${path} -> ${outcome.status}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('B\u2019s subjects on A\u2019s any-signed-in routes (catalogue, own checks, own settings) see nothing of A', async () => {
    for (const op of tenantOps().filter((o) => !o.permission)) {
      for (const token of [B.admin.token, B.serviceAccountToken]) {
        const outcome = await call(op, fillPath(op.path, op.pathParams, () => A), token, bodyFor(op, A), A.markers);
        expect(outcome.status).toBeLessThan(500);
      }
    }
    const decisions = await api().post(`/api/v1/${A.tenant}/acls/check`).set(...bearer(B.admin.token))
      .send({ checks: [{ permission: 'ROLE', action: 'READ' }, { permission: 'FLOW', action: 'READ', namespace: 'company' }] }).expect(200);
    expect(decisions.body.map((d: { allowed: boolean }) => d.allowed)).toEqual([false, false]);
  });

  it('an Instance Admin and the Super Admin are refused tenant data (and what they do not govern) in tenant A', async () => {
    const wrong: string[] = [];
    const admins = [
      { who: 'Super Admin', token: root, governs: GOVERNANCE_PERMISSIONS as readonly string[] },
      { who: 'Instance Admin', token: instanceAdmin.token, governs: INSTANCE_ADMIN_GOVERNS },
    ];
    for (const { who, token, governs } of admins) {
      for (const op of tenantOps().filter((o) => o.permission && !governs.includes(o.permission.permission))) {
        const path = fillPath(op.path, op.pathParams, () => A);
        const outcome = await call(op, path, token, bodyFor(op, A), A.markers.filter((m) => !path.includes(m)));
        if (outcome.status !== (op.scim ? 401 : 403)) wrong.push(`${who}: ${op.method} ${path} (${op.permission?.permission}) -> ${outcome.status}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  it('A\u2019s Admin on tenant A is refused B\u2019s objects named in the path (each id parameter, and all of them)', async () => {
    const wrong: string[] = [];
    for (const op of tenantOps().filter((o) => o.permission && !o.upstream)) {
      // Resource types and schemas are the same in every tenant: not B's objects.
      const idParams = op.pathParams.filter((p) => p !== 'tenant' && pathValue(A, op.path, p) !== pathValue(B, op.path, p));
      if (idParams.length === 0) continue;
      const variants = [...idParams.map((p) => [p]), ...(idParams.length > 1 ? [idParams] : [])];
      for (const fromB of variants) {
        const path = fillPath(op.path, op.pathParams, (p) => (fromB.includes(p) ? B : A), A.tenant);
        const outcome = await call(op, path, A.admin.token, bodyFor(op, A), B.markers);
        // A list filtered by a foreign subject (its groups here) may answer, empty.
        if (op.method === 'GET' && outcome.status === 200 && (outcome.body as { total?: number }).total === 0) continue;
        if (!deniedFor(op).includes(outcome.status)) wrong.push(`${op.method} ${path} (B's ${fromB.join('+')}) -> ${outcome.status} ${outcome.text.slice(0, 120)}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  it('A\u2019s Admin on tenant A is refused B\u2019s roles, groups and service accounts named in the body', async () => {
    const T = `/api/v1/${A.tenant}`;
    const bulk = (binding: object) => ({ bindings: [{ roleId: A.role.id, subjectType: 'SERVICE_ACCOUNT', subjectId: A.serviceAccount.id }, binding] });
    const bodyCases: Array<[string, string, object]> = [
      ['POST', `${T}/bindings`, { roleId: B.role.id, subjectType: 'USER', subjectId: A.member.user.id }],
      ['POST', `${T}/bindings`, { roleId: B.adminRole.id, subjectType: 'USER', subjectId: A.member.user.id }],
      ['POST', `${T}/bindings`, { roleId: A.role.id, subjectType: 'GROUP', subjectId: B.group.id }],
      ['POST', `${T}/bindings`, { roleId: A.role.id, subjectType: 'SERVICE_ACCOUNT', subjectId: B.serviceAccount.id }],
      ['POST', `${T}/bindings/bulk`, bulk({ roleId: B.role.id, subjectType: 'USER', subjectId: A.member.user.id })],
      ['POST', `${T}/bindings/bulk`, bulk({ roleId: A.role.id, subjectType: 'GROUP', subjectId: B.group.id })],
      ['POST', `${T}/bindings/bulk`, bulk({ roleId: A.role.id, subjectType: 'SERVICE_ACCOUNT', subjectId: B.serviceAccount.id })],
      ['POST', `${T}/groups/${A.group.id}/members`, { memberType: 'SERVICE_ACCOUNT', memberId: B.serviceAccount.id }],
      ['POST', `${T}/users/${A.member.user.id}/groups`, { groupId: B.group.id }],
      ['POST', `${T}/users/${B.serviceAccount.id}/groups`, { groupId: A.group.id }],
      ['POST', `${T}/invitations`, { email: 'x-invitee@gatehouse.test', roles: [{ roleId: B.role.id }] }],
      ['POST', `${T}/invitations`, { email: 'y-invitee@gatehouse.test', groupIds: [B.group.id] }],
      ['POST', `${T}/tenant-access`, { email: B.member.username, roles: [{ roleId: B.role.id }] }],
      ['POST', `${T}/tenant-access`, { email: B.member.username, groupIds: [B.group.id] }],
    ];
    const wrong: string[] = [];
    for (const [method, path, body] of bodyCases) {
      const template = ops.find((o) => o.method === method && new RegExp(`^${o.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(path));
      if (!template) throw new Error(`no route for ${method} ${path}`);
      const outcome = await call(template, path, A.admin.token, body, B.markers);
      if (![400, 403, 404].includes(outcome.status)) wrong.push(`${method} ${path} ${JSON.stringify(body)} -> ${outcome.status} ${outcome.text.slice(0, 160)}`);
    }
    expect(wrong).toEqual([]);

    // Searches filtered by B's ids find nothing in A.
    const searches: Array<Record<string, string>> = [{ roleId: B.role.id }, { subjectId: B.serviceAccount.id }, { subjectId: B.member.user.id }, { q: B.role.name }];
    for (const query of searches) {
      const op = ops.find((o) => o.method === 'GET' && o.path === '/api/v1/{tenant}/bindings') as ApiOperation;
      const outcome = await call(op, `${T}/bindings?${new URLSearchParams(query)}`, A.admin.token, undefined, B.markers);
      if (outcome.status === 200) expect((outcome.body as { total: number }).total).toBe(0);
      else expect(outcome.status).toBeGreaterThanOrEqual(400);
    }
  });

  it('B\u2019s objects are unchanged after every attempt, and no answer leaked another tenant\u2019s data', async () => {
    expect(await snapshot(B)).toEqual(snapshotOfB);
    expect(leaks).toEqual([]);
    expect(serverErrors).toBe(0);
  });

  it('no read returns a password hash, a token hash or an API token secret', async () => {
    const instanceReads = [
      '/api/v1/users', `/api/v1/users/${A.member.user.id}`, '/api/v1/tenants', `/api/v1/tenants/${A.tenant}`, '/api/v1/roles', '/api/v1/bindings',
      '/api/v1/auditlogs/search', '/api/v1/notifications/deliveries', '/api/v1/me', '/api/v1/me/api-tokens',
    ];
    for (const path of instanceReads) {
      const list = !/\/(me|users\/[^/]+|tenants\/[^/]+)$/.test(path);
      const response = await api().get(path).query(list ? { size: 100 } : {}).set(...bearer(root));
      expect([path, response.status]).toEqual([path, 200]);
      reads.push({ what: `GET ${path}`, body: response.body });
    }
    const audit = await api().get(`/api/v1/${A.tenant}/auditlogs/search`).query({ size: 500 }).set(...bearer(A.admin.token)).expect(200);
    reads.push({ what: 'A audit', body: audit.body });
    const found = reads.flatMap(({ what, body }) => secretFieldsIn(body).map((f) => `${what} ${f}`));
    expect(found).toEqual([]);
    expect(reads.length).toBeGreaterThan(40);
  });
});

/** Drops what changes without anyone touching the object (last use of a token). */
function stripVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripVolatile);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => !['lastUsedAt', 'expiresAt'].includes(k)).map(([k, v]) => [k, stripVolatile(v)]));
  }
  return value;
}
