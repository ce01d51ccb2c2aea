import fc from 'fast-check';
import {
  api, ApiOperation, bearer, countChanges, createTenantWorld, createUser, describeOperation, FieldValues, fillPath, FuzzCase, hostileText,
  invalidInputs, loadOpenApi, namesField, NON_UTF8_QUERY_VALUES, nullsWhereAdmitted, OpenApiDocument, operationsOf, schemaFields,
  settledRowCounts, stackTraceIn, superAdminToken, TenantWorld, testDb, TestDbClient, TestUser, typeOf, unacceptableValues, validSample,
} from '@gatehouse/testing';

/**
 * Property-based fuzzing of every built-in route's body, query and path parameters, generated from the
 * request schemas of the OpenAPI document (fixed seed, bounded runs), and, exhaustively, the values no
 * service can take in every field at any depth (NUL, lone surrogates, huge integers, null, empty arrays
 * and objects). Each request is wrong in one known way; the gateway must refuse it with a 4xx
 * problem+json naming the field, never a 5xx or a stack trace, and nothing may be written.
 */
const SEED = 20261125;
const RUNS_PER_ROUTE = 10;
const PATH_RUNS_PER_ROUTE = 4;
const TEXT_RUNS_PER_ROUTE = 4;

interface Sent {
  op: ApiOperation;
  path: string;
  input: unknown;
  /** Sent instead of `input` when set: the JSON text of the body, or the query string. */
  encoded?: string;
}

describe('security: fuzzing every route from its OpenAPI schema', () => {
  let doc: OpenApiDocument;
  let ops: ApiOperation[];
  let forwardAuth: ApiOperation[];
  let root: string;
  let world: TenantWorld;
  let self: TestUser;
  let db: TestDbClient;
  const routes = new Set<string>();
  let tried = 0;
  let serverErrors = 0;
  let leaks = 0;

  const valuesOf = (w: TenantWorld): FieldValues => (name) => {
    if (name === 'roleId') return w.role.id;
    if (name === 'groupId') return w.group.id;
    if (name === 'subjectId' || name === 'memberId') return w.serviceAccount.id;
    if (name === 'subjectType' || name === 'memberType') return 'SERVICE_ACCOUNT';
    return undefined;
  };

  /** Who may call the route, so that the request reaches validation rather than stopping at 403. */
  const tokenFor = (op: ApiOperation): string | null =>
    op.public ? null : op.tenantScoped ? world.admin.token : op.permission ? root : self.token;

  async function send({ op, path, input, encoded }: Sent) {
    // The headers the document requires (the browser-session routes' CSRF header): the request reaches validation.
    let req = api()[op.method.toLowerCase() as 'get'](path).set(op.headers);
    const token = tokenFor(op);
    if (token) req = req.set(...bearer(token));
    tried += 1;
    routes.add(describeOperation(op));
    if (op.input === 'query') return req.query(encoded ?? (input as Record<string, string>));
    return req.set('content-type', 'application/json').send(encoded ?? JSON.stringify(input));
  }

  const problems: string[] = [];

  const errorFieldsOf = (response: { body: { errors?: unknown } }): string[] =>
    Array.isArray(response.body.errors) ? (response.body.errors as Array<{ field: string }>).map((e) => e.field) : [];

  /** Routes whose request has a schema: parameterless reads (JWKS, discovery, /me, the catalogue) ignore query strings, as caches and browsers expect. */
  const withInput = () => ops.filter((o) => !(o.input === 'query' && o.schemaName === 'Empty'));

  /** The invariants of every answer: no 5xx, no stack trace, problem+json for errors; breaches are collected. */
  function checkAnswer(sent: Sent, response: { status: number; text: string; headers: Record<string, string>; body: unknown }): boolean {
    const where = `${sent.op.method} ${sent.path.slice(0, 120)} ${JSON.stringify(sent.input)?.slice(0, 120)} -> ${response.status}`;
    const before = problems.length;
    if (response.status >= 500) {
      serverErrors += 1;
      problems.push(`${where}: server error ${response.text?.slice(0, 200)}`);
    }
    const trace = stackTraceIn(response.text ?? '');
    if (trace) {
      leaks += 1;
      problems.push(`${where}: ${trace}`);
    }
    if (response.status >= 400) {
      const body = response.body as { status?: number; title?: unknown; type?: unknown };
      if (!String(response.headers['content-type']).includes('application/problem+json')) problems.push(`${where}: content-type ${response.headers['content-type']}`);
      else if (body.status !== response.status || typeof body.title !== 'string' || typeof body.type !== 'string') problems.push(`${where}: not a problem ${response.text?.slice(0, 200)}`);
    }
    return problems.length === before;
  }

  beforeAll(async () => {
    root = await superAdminToken();
    doc = await loadOpenApi();
    // The OpenID Connect provider's routes speak OAuth 2 (RFC 6749 errors), not the API's problems: not fuzzed from a schema here;
    // the forward-auth endpoints take their input in headers (their own case below).
    ops = operationsOf(doc).filter((op) => !op.upstream && !op.httpBridge && !op.forwardAuth);
    forwardAuth = operationsOf(doc).filter((op) => op.forwardAuth);
    world = await createTenantWorld(root, 'fz');
    self = await createUser(root);
    db = await testDb();
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    console.log(`security fuzzing: ${routes.size} routes, ${tried} cases tried (seed ${SEED}), 5xx = ${serverErrors}, leaks = ${leaks}`);
  });

  it('refuses wrong types, out-of-range values, unknown and prototype keys, missing fields and non-objects, naming the field, and writes nothing', async () => {
    problems.length = 0;
    const before = await settledRowCounts(db);
    for (const op of withInput()) {
      const inQuery = op.input === 'query';
      const path = fillPath(op.path, op.pathParams, () => world);
      const arbitrary = invalidInputs(doc, op.schema, inQuery, op.pathParams, valuesOf(world));
      await fc.assert(
        fc.asyncProperty(arbitrary, async (c: FuzzCase) => {
          const sent = { op, path, input: c.input };
          const response = await send(sent);
          checkAnswer(sent, response);
          const where = `${op.method} ${path} (${c.kind}) ${JSON.stringify(c.input).slice(0, 120)} -> ${response.status}`;
          if (response.status < 400) problems.push(`${where}: accepted`);
          if (response.status === 400 && c.field && !namesField(errorFieldsOf(response), c.field)) {
            problems.push(`${where}: errors[].field does not name ${c.field} (${JSON.stringify(errorFieldsOf(response))})`);
          }
        }),
        { seed: SEED, numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
    }
    expect(problems).toEqual([]);
    expect(countChanges(before, await settledRowCounts(db))).toEqual([]);
  }, 120_000);

  it('refuses NUL, lone surrogates, integers past 2^53 and 2^63, null, [] and {} in every field of every route at any depth with a 400 naming it, and writes nothing', async () => {
    problems.length = 0;
    const before = await settledRowCounts(db);
    let cases = 0;
    for (const op of withInput()) {
      const path = fillPath(op.path, op.pathParams, () => world);
      for (const c of unacceptableValues(doc, op.schema, op.input === 'query', op.pathParams, valuesOf(world))) {
        cases += 1;
        const sent = { op, path, input: c.input, encoded: c.encoded };
        const response = await send(sent);
        const where = `${op.method} ${path} (${c.kind}) ${(c.encoded ?? JSON.stringify(c.input)).slice(0, 120)} -> ${response.status}`;
        if (!checkAnswer(sent, response)) continue;
        if (response.status !== 400) problems.push(`${where}: expected 400 ${response.text?.slice(0, 160)}`);
        else if (c.field && !namesField(errorFieldsOf(response), c.field)) {
          problems.push(`${where}: errors[].field does not name ${c.field} (${JSON.stringify(errorFieldsOf(response))})`);
        }
      }
    }
    expect(cases).toBeGreaterThan(1000);
    expect(problems).toEqual([]);
    expect(countChanges(before, await settledRowCounts(db))).toEqual([]);
  }, 120_000);

  it('refuses hostile path parameters (ids, tenant, namespaces) with a 4xx and writes nothing', async () => {
    problems.length = 0;
    const before = await settledRowCounts(db);
    const hostileSegment = fc.oneof(
      hostileText.filter((t) => t.length > 0),
      fc.constantFrom('..', '%2e%2e', 'null', 'undefined', '0', '-1', 'default/../other', 'a'.repeat(5000), '00000000-0000-0000-0000-000000000000'),
    );
    for (const op of ops.filter((o) => o.pathParams.length > 0)) {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...op.pathParams), hostileSegment, async (param, value) => {
          const segments = fillPath(op.path, op.pathParams, () => world).split('/');
          segments[op.path.split('/').indexOf(`{${param}}`)] = encodeURIComponent(value);
          const path = segments.join('/');
          const body = op.input === 'body' ? validSample(doc, op.schema, '', valuesOf(world)) : {};
          const sent = { op, path, input: body };
          const response = await send(sent);
          // A list filtered by an unknown subject (its groups) may answer, empty.
          const emptyList = op.method === 'GET' && response.status === 200 && response.body.total === 0;
          if (checkAnswer(sent, response) && response.status < 400 && !emptyList) problems.push(`${op.method} ${path.slice(0, 120)}: accepted ${response.status}`);
        }),
        { seed: SEED, numRuns: PATH_RUNS_PER_ROUTE, endOnFailure: true },
      );
    }
    expect(problems).toEqual([]);
    expect(countChanges(before, await settledRowCounts(db))).toEqual([]);
  }, 120_000);

  it('answers unicode, control characters and injection strings in text fields of its own tenant without a 5xx', async () => {
    problems.length = 0;
    for (const op of ops.filter((o) => o.tenantScoped && o.input === 'body' && o.schema?.properties)) {
      const textFields = Object.entries(op.schema?.properties ?? {}).filter(([name, s]) => typeOf(s) === 'string' && !s.format && !s.enum && !op.pathParams.includes(name));
      if (textFields.length === 0) continue;
      const path = fillPath(op.path, op.pathParams, () => world);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...textFields.map(([n]) => n)), hostileText, async (field, text) => {
          const input = { ...(validSample(doc, op.schema, '', valuesOf(world)) as object), [field]: text };
          const sent = { op, path, input };
          checkAnswer(sent, await send(sent));
        }),
        { seed: SEED, numRuns: TEXT_RUNS_PER_ROUTE, endOnFailure: true },
      );
    }
    expect(problems).toEqual([]);
    expect(serverErrors).toBe(0);
    expect(leaks).toBe(0);
  }, 60_000);

  it('answers hostile original requests on the forward-auth endpoints (every header, the ext_authz path) with a 4xx problem or a decision, never a 5xx', async () => {
    problems.length = 0;
    expect(forwardAuth.map((op) => op.path).sort()).toEqual(['/api/v1/authz/auth-request', '/api/v1/authz/ext-authz/{path}', '/api/v1/authz/forward-auth']);
    // Header values must be printable: what an HTTP client can send at all.
    const headerText = fc.oneof(
      fc.string({ maxLength: 80, unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@AZaz[\\]^_`{|}~'.split('')) }),
      fc.constantFrom('', '/', '//evil.example/x', '/../../etc/passwd', '/%2e%2e/x', 'http://x', 'GET', 'get', 'CONNECT', '/a'.repeat(5000), `/${'a'.repeat(9000)}`, '/\\x', '/ x', '[::1]', 'x'.repeat(300)),
    );
    for (const op of forwardAuth) {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...op.headerParams), headerText, fc.boolean(), async (name, value, signedIn) => {
          const filled = op.path.replace('{path}', `api/v1/${world.tenant}/flows/company/x`);
          let req = api().get(filled).set(name, value).set('x-original-method', 'GET').set('x-forwarded-method', 'GET');
          if (name !== 'x-original-uri') req = req.set('x-original-uri', '/x');
          if (name !== 'x-forwarded-uri') req = req.set('x-forwarded-uri', '/x');
          if (signedIn) req = req.set(...bearer(world.admin.token));
          tried += 1;
          routes.add(describeOperation(op));
          checkAnswer({ op, path: `${filled} ${name}: ${value.slice(0, 60)}`, input: {} }, await req);
        }),
        { seed: SEED, numRuns: RUNS_PER_ROUTE * 3, endOnFailure: true },
      );
    }
    const extAuthz = forwardAuth.find((op) => op.path.includes('{path}')) as ApiOperation;
    await fc.assert(
      fc.asyncProperty(hostileText, async (segment) => {
        // Every byte percent-encoded (encodeURIComponent refuses a lone surrogate): the segment as some client sent it.
        const encoded = [...Buffer.from(segment)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
        const path = `/api/v1/authz/ext-authz/api/v1/${encoded}/flows/${encoded}/x`;
        tried += 1;
        checkAnswer({ op: extAuthz, path, input: {} }, await api().get(path).set(...bearer(world.admin.token)));
      }),
      { seed: SEED, numRuns: RUNS_PER_ROUTE * 3, endOnFailure: true },
    );
    expect(problems).toEqual([]);
  }, 60_000);

  it('answers null where a field admits it (its own tenant, own profile) and query bytes that are not UTF-8 on every read, without a 5xx', async () => {
    problems.length = 0;
    for (const op of ops.filter((o) => o.input === 'body' && (o.tenantScoped || o.method === 'PATCH'))) {
      const path = fillPath(op.path, op.pathParams, () => world);
      for (const c of nullsWhereAdmitted(doc, op.schema, op.pathParams, valuesOf(world))) {
        const sent = { op, path, input: c.input };
        checkAnswer(sent, await send(sent));
      }
    }
    // Reads only: such text is not refused (it is percent-escaped text, not a surrogate), so a write could happen.
    for (const op of withInput().filter((o) => o.method === 'GET')) {
      const path = fillPath(op.path, op.pathParams, () => world);
      for (const f of schemaFields(doc, op.schema, true, op.pathParams).filter((field) => typeOf(field.schema) === 'string')) {
        for (const bytes of NON_UTF8_QUERY_VALUES) {
          const sent = { op, path, input: {}, encoded: `${encodeURIComponent(f.field)}=${bytes}` };
          checkAnswer(sent, await send(sent));
        }
      }
    }
    expect(problems).toEqual([]);
    expect(serverErrors).toBe(0);
  }, 60_000);
});
