import fc from 'fast-check';
import {
  api, ApiOperation, bearer, countChanges, createTenantWorld, createUser, describeOperation, FieldValues, fillPath, FuzzCase, generateSigningKey, hostileText, idpMetadata,
  invalidInputs, loadOpenApi, mintSamlResponse, namesField, NON_UTF8_QUERY_VALUES, nullsWhereAdmitted, OpenApiDocument, operationsOf, schemaFields,
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
  let scimOps: ApiOperation[];
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
    // the forward-auth endpoints take their input in headers (their own case below); SCIM routes speak SCIM (its error bodies,
    // its own filter and PATCH grammar): fuzzed by their own case too.
    ops = operationsOf(doc).filter((op) => !op.upstream && !op.httpBridge && !op.forwardAuth && !op.scim);
    forwardAuth = operationsOf(doc).filter((op) => op.forwardAuth);
    scimOps = operationsOf(doc).filter((op) => op.scim);
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

  it('answers hostile posts to the SAML service provider (SAMLResponse, RelayState, spoiled signed responses, ids) with a 4xx problem, never a 5xx, and writes nothing', async () => {
    problems.length = 0;
    const samlOps = operationsOf(doc).filter((op) => op.httpBridge && op.path.startsWith('/saml/'));
    expect(samlOps.map((op) => `${op.method} ${op.path}`).sort()).toEqual(['GET /saml/{id}/metadata', 'POST /saml/{id}/acs']);
    const idp = { entityId: 'https://idp.fuzz.example/idp', ssoUrl: 'https://idp.fuzz.example/sso', ...generateSigningKey() };
    const provider = (await api().post(`/api/v1/${world.tenant}/identity-providers`).set(...bearer(world.admin.token))
      .send({ type: 'saml', name: `fuzz-saml-${SEED}`, saml: { metadataXml: idpMetadata(idp) } }).expect(201)).body as { id: string; saml: { acsUrl: string; spEntityId: string } };
    try {
      const before = await settledRowCounts(db);
      const acs = samlOps.find((op) => op.method === 'POST') as ApiOperation;
      const metadata = samlOps.find((op) => op.method === 'GET') as ApiOperation;
      const signed = mintSamlResponse(idp, { attributes: { email: 'x@fuzz.example' } }, {
        inResponseTo: '_not-asked', acsUrl: provider.saml.acsUrl, audience: provider.saml.spEntityId, account: 'fuzz',
      });
      const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
      const samlResponse = fc.oneof(
        hostileText,
        hostileText.map(b64),
        fc.constantFrom('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>', '<r>', '<?xml version="1.0"?>', '<!DOCTYPE r [<!ENTITY a SYSTEM "file:///etc/passwd">]><r>&a;</r>', `<a>${'<b>'.repeat(2000)}`).map(b64),
        // The signed response with one base64 character changed: a broken signature, broken XML or broken base64.
        fc.nat({ max: signed.length - 1 }).chain((at) => fc.constantFrom('A', '+', '/', '=', '%').map((c) => `${signed.slice(0, at)}${c}${signed.slice(at + 1)}`)),
      );
      await fc.assert(
        fc.asyncProperty(samlResponse, fc.option(hostileText), fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/xml', ''), async (response, relayState, type) => {
          const form = new URLSearchParams({ SAMLResponse: response, ...(relayState !== null ? { RelayState: relayState } : {}) }).toString();
          tried += 1;
          routes.add(describeOperation(acs));
          const path = `/saml/${provider.id}/acs`;
          const answer = await api().post(path).set('content-type', type || 'application/x-www-form-urlencoded').send(form);
          checkAnswer({ op: acs, path, input: { SAMLResponse: response.slice(0, 80), type } }, answer);
          if (answer.status < 400) problems.push(`POST ${path} ${response.slice(0, 80)} -> ${answer.status}: accepted`);
        }),
        { seed: SEED, numRuns: RUNS_PER_ROUTE * 6, endOnFailure: true },
      );
      await fc.assert(
        fc.asyncProperty(hostileText, async (id) => {
          tried += 2;
          routes.add(describeOperation(metadata));
          const encoded = Buffer.from(id, 'utf8').toString('hex');
          checkAnswer({ op: metadata, path: `/saml/${encoded}/metadata`, input: {} }, await api().get(`/saml/${encoded}/metadata`));
          checkAnswer({ op: acs, path: `/saml/${encoded}/acs`, input: {} }, await api().post(`/saml/${encoded}/acs`).type('form').send({ SAMLResponse: signed }));
        }),
        { seed: SEED, numRuns: PATH_RUNS_PER_ROUTE * 3, endOnFailure: true },
      );
      expect(problems).toEqual([]);
      expect(countChanges(before, await settledRowCounts(db))).toEqual([]);
    } finally {
      await api().delete(`/api/v1/${world.tenant}/identity-providers/${provider.id}`).set(...bearer(world.admin.token)).expect(204);
    }
  }, 120_000);

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
  it('answers malformed SCIM bodies, filters, PATCH paths and parameters on every SCIM route with a SCIM 400 (a SCIM 404 for a hostile id), never a 5xx, and writes nothing', async () => {
    problems.length = 0;
    const before = await settledRowCounts(db);
    const scimSchemas = { user: 'urn:ietf:params:scim:schemas:core:2.0:User', group: 'urn:ietf:params:scim:schemas:core:2.0:Group', patch: 'urn:ietf:params:scim:api:messages:2.0:PatchOp' };
    /** Every refusal is a SCIM error body (RFC 7644 §3.12) as application/scim+json; a 400 says its scimType. */
    const checkScim = (where: string, response: { status: number; text: string; headers: Record<string, string>; body: Record<string, unknown> }, allowed: number[]) => {
      tried += 1;
      if (response.status >= 500) serverErrors += 1;
      const trace = stackTraceIn(response.text ?? '');
      if (trace) {
        leaks += 1;
        problems.push(`${where}: ${trace}`);
      }
      if (!allowed.includes(response.status)) problems.push(`${where} -> ${response.status} ${response.text?.slice(0, 160)}`);
      if (response.status >= 400) {
        if (!String(response.headers['content-type']).includes('application/scim+json')) problems.push(`${where}: content-type ${response.headers['content-type']}`);
        const body = response.body;
        const isError = Array.isArray(body.schemas) && body.schemas.includes('urn:ietf:params:scim:api:messages:2.0:Error') && body.status === String(response.status);
        if (!isError || (response.status === 400 && typeof body.scimType !== 'string')) problems.push(`${where}: not a SCIM error ${response.text?.slice(0, 160)}`);
      }
    };
    const send = (op: ApiOperation, path: string, body?: string, query?: string) => {
      routes.add(describeOperation(op));
      let req = api()[op.method.toLowerCase() as 'get'](query ? `${path}?${query}` : path).set(...bearer(world.integration.secret));
      if (body !== undefined) req = req.set('content-type', 'application/scim+json').send(body);
      return req;
    };
    const resourceOf = (op: ApiOperation) => (op.path.includes('/Groups') ? scimSchemas.group : scimSchemas.user);
    const malformedBodies = (op: ApiOperation): string[] => {
      const schema = resourceOf(op);
      const common = [
        '', '{', '{"schemas": [', 'null', '[]', '"text"', '42', 'true', '{}', '{"schemas": "x"}', `{"schemas": ["${schema}"], "\u0000": 1}`,
        JSON.stringify({ schemas: [schema], displayName: '\u0000', userName: '\ud800' }), `${'['.repeat(100)}${']'.repeat(100)}`,
        `{"schemas": ["${schema}"], "__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}`,
      ];
      if (op.method === 'PATCH') {
        const patch = (operations: unknown) => JSON.stringify({ schemas: [scimSchemas.patch], Operations: operations });
        return [
          ...common, patch([]), patch('x'), patch([null]), patch([{ op: 'replace' }]), patch([{ op: 'delete', path: 'title' }]), patch([{ op: 'remove' }]),
          ...['emails[type eq', 'members[value eq "x"', 'name..givenName', '[]', 'emails[type eq "work"].value.x', 'members[value zz "x"]', 'urn:x:y:z', ']', '%00', 'a'.repeat(2000), 'members[value eq "x"].value[type eq "y"]']
            .flatMap((path) => [patch([{ op: 'remove', path }]), patch([{ op: 'replace', path, value: 'x' }]), patch([{ op: 'add', path, value: [{ value: 1 }] }])]),
          patch([{ op: 'add', value: 'not-an-object' }]), patch([{ op: 'replace', value: { userName: 42, displayName: ['x'], members: 'x', active: 'maybe' } }]),
          patch([{ op: 'add', path: 'members', value: [{ value: 'not-a-uuid' }] }]), patch([{ op: 'add', path: 'members', value: { value: 1 } }]),
          patch(Array.from({ length: 1001 }, () => ({ op: 'remove', path: 'title' }))),
        ];
      }
      return [
        ...common,
        JSON.stringify({ schemas: [schema], userName: 42, displayName: 42 }), JSON.stringify({ schemas: [schema], userName: 'a b', displayName: '' }),
        JSON.stringify({ schemas: [schema], userName: 'x@example.com', displayName: 'x', emails: 'x', members: 'x' }),
        JSON.stringify({ schemas: [schema], userName: 'x@example.com', displayName: 'x', emails: [{ value: 'nope' }], members: [{ value: 'nope' }] }),
        JSON.stringify({ schemas: [schema], userName: 'x@example.com', displayName: 'x', name: 'x', active: 'maybe', members: [{ value: 1 }] }),
        JSON.stringify({ schemas: [schema], userName: 'x@example.com', displayName: 'x'.repeat(5000), unknownAttribute: 1 }),
        JSON.stringify({ schemas: [schema], userName: 'y@example.com', displayName: 'y', emails: Array.from({ length: 50 }, (_, i) => ({ value: `a${i}@example.com` })), members: Array.from({ length: 3 }, () => ({ value: '00000000-0000-0000-0000-000000000000' })) }),
      ];
    };
    const malformedQueries = [
      'filter=', 'filter=userName', 'filter=userName%20eq', 'filter=userName%20zz%20%22x%22', 'filter=(userName%20eq%20%22a%22', 'filter=userName%20eq%20%22a%22)',
      'filter=shoeSize%20eq%201', 'filter=emails[type%20eq', 'filter=active%20co%20%22x%22', 'filter=meta.created%20gt%20%22never%22', 'filter=members[members[value%20eq%20%22x%22]]',
      `filter=${'('.repeat(300)}`, `filter=${encodeURIComponent('userName eq "' + 'a'.repeat(5000) + '"')}`, 'filter=%00', 'filter=userName%20eq%20%22%ED%A0%80%22',
      'startIndex=x', 'count=1e9', 'count=99999999999', 'sortBy=shoeSize', 'sortOrder=up', 'attributes=a%20b', 'excludedAttributes=%3Cscript%3E', 'filter=a&filter=b',
    ];
    const randomFilters = fc.sample(fc.oneof(hostileText, fc.string({ maxLength: 40 }).map((t) => `userName ${t}`), fc.string({ maxLength: 40 }).map((t) => `${t} eq "x"`)), { seed: SEED, numRuns: 40 });
    for (const op of scimOps) {
      const path = fillPath(op.path, op.pathParams, () => world);
      if (op.input === 'body') {
        for (const body of malformedBodies(op)) checkScim(`${op.method} ${path} ${body.slice(0, 80)}`, await send(op, path, body), [400, 413]);
        for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
          const response = await send(op, path).set('content-type', type).send('userName=x');
          checkScim(`${op.method} ${path} as ${type}`, response, [400]);
        }
        const stale = await send(op, path, JSON.stringify({ schemas: [scimSchemas.patch], Operations: [{ op: 'remove', path: 'nickName' }] })).set('if-match', 'W/"stale"');
        if (op.pathParams.includes('resourceId')) checkScim(`${op.method} ${path} stale If-Match`, stale, [400, 412]);
      } else if (/\/(Users|Groups)$/.test(op.path)) {
        for (const query of malformedQueries) checkScim(`${op.method} ${path}?${query.slice(0, 80)}`, await send(op, path, undefined, query), [400]);
        // Text with a lone surrogate has no URL encoding (malformedQueries sends its bytes).
        for (const filter of randomFilters.filter((f) => !/[\ud800-\udfff]/.test(f.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')))) {
          const response = await send(op, path, undefined, `filter=${encodeURIComponent(filter)}`);
          // A random filter may happen to be valid: then it answers a list.
          checkScim(`${op.method} ${path} filter=${filter.slice(0, 60)}`, response, response.status === 200 ? [200] : [400]);
          if (response.status === 200 && !Array.isArray(response.body.Resources)) problems.push(`${path} filter=${filter}: not a list`);
        }
      }
      for (const param of op.pathParams.filter((p) => p === 'resourceId')) {
        // (Past 100 characters a segment matches no route: the gateway's 414, before any SCIM route.)
        for (const value of ['..', 'null', '0', '-1', 'a'.repeat(99), '00000000-0000-0000-0000-000000000000', '\u0000', '%2e%2e', "' OR 1=1 --", 'urn:x']) {
          const segments = path.split('/');
          segments[op.path.split('/').indexOf(`{${param}}`)] = encodeURIComponent(value);
          const body = op.input === 'body' ? JSON.stringify(op.method === 'PATCH' ? { schemas: [scimSchemas.patch], Operations: [{ op: 'remove', path: 'nickName' }] } : { schemas: [resourceOf(op)], userName: 'z@example.com', displayName: 'z' }) : undefined;
          checkScim(`${op.method} ${segments.join('/')}`, await send(op, segments.join('/'), body), [400, 404]);
        }
      }
    }
    expect(scimOps.length).toBeGreaterThanOrEqual(16);
    expect(problems).toEqual([]);
    expect(serverErrors).toBe(0);
    expect(countChanges(before, await settledRowCounts(db))).toEqual([]);
  }, 180_000);
});
