import type { IntegrationWithSecret } from '@gatehouse/contracts';
import {
  api, bearer, createIntegration, createTenant, createUser, patchOp, SCIM_ENTERPRISE_SCHEMA, SCIM_ERROR_SCHEMA, SCIM_GROUP_SCHEMA, SCIM_LIST_SCHEMA,
  SCIM_USER_SCHEMA, scimClient, ScimClient, scimUser, superAdminToken, TestUser, unique,
} from '@gatehouse/testing';

/**
 * SCIM 2.0 conformance, written from RFC 7644 section by section (and RFC 7643's schemas), against a
 * tenant's integration through the gateway; then the request sequences Microsoft Entra ID's and Okta's
 * provisioning documentation publish, as they send them.
 */
jest.setTimeout(120_000);

type Resource = Record<string, unknown> & { id: string; meta: { version: string; location: string; resourceType: string } };
type ListResponse = { schemas: string[]; totalResults: number; startIndex: number; itemsPerPage: number; Resources: Resource[] };

describe('SCIM 2.0 service provider (RFC 7644)', () => {
  let root: string;
  let admin: TestUser;
  let tenant: string;
  let integration: IntegrationWithSecret;
  let scim: ScimClient;
  const domain = `${unique('scim').toLowerCase()}.example.com`;
  const email = (local: string) => `${local}@${domain}`;

  const expectScimError = (response: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, status: number, scimType?: string) => {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(response.body).toMatchObject({ schemas: [SCIM_ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}) });
    expect(typeof response.body.detail).toBe('string');
  };
  const list = async (path: string, query: Record<string, string | number>) => {
    const response = await scim.get(path, query);
    expect([response.status, response.text]).toEqual([200, expect.any(String)]);
    return response.body as ListResponse;
  };
  const userNames = (page: ListResponse) => page.Resources.map((r) => r.userName as string);

  beforeAll(async () => {
    root = await superAdminToken();
    admin = await createUser(root);
    tenant = (await createTenant(root, { adminUser: admin.username })).id;
    integration = await createIntegration(admin.token, tenant);
    scim = scimClient(integration);
  });

  describe('§4 discovery', () => {
    it('answers ServiceProviderConfig with what is supported: PATCH, filter (maxResults), sort, ETag; no bulk, no password change', async () => {
      const response = await scim.get('/ServiceProviderConfig').expect(200);
      expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect(response.body).toMatchObject({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
        patch: { supported: true }, bulk: { supported: false }, filter: { supported: true, maxResults: 1000 },
        changePassword: { supported: false }, sort: { supported: true }, etag: { supported: true },
        authenticationSchemes: [expect.objectContaining({ type: 'oauthbearertoken' })],
        meta: { resourceType: 'ServiceProviderConfig', location: expect.stringMatching(/\/scim\/v2\/ServiceProviderConfig$/) },
      });
    });

    it('lists ResourceTypes (User with the enterprise extension, Group) and answers each by id; an unknown one is a SCIM 404', async () => {
      const types = await list('/ResourceTypes', {});
      expect(types.schemas).toEqual([SCIM_LIST_SCHEMA]);
      expect(types.Resources.map((t) => [t.id, t.endpoint, t.schema])).toEqual([['User', '/Users', SCIM_USER_SCHEMA], ['Group', '/Groups', SCIM_GROUP_SCHEMA]]);
      expect(types.Resources[0].schemaExtensions).toEqual([{ schema: SCIM_ENTERPRISE_SCHEMA, required: false }]);
      expect((await scim.get('/ResourceTypes/Group').expect(200)).body).toMatchObject({ id: 'Group', meta: { resourceType: 'ResourceType' } });
      expectScimError(await scim.get('/ResourceTypes/Printer'), 404);
    });

    it('lists the Schemas with their attributes and answers each by URN', async () => {
      const schemas = await list('/Schemas', {});
      expect(schemas.Resources.map((s) => s.id)).toEqual([SCIM_USER_SCHEMA, SCIM_GROUP_SCHEMA, SCIM_ENTERPRISE_SCHEMA]);
      const user = (await scim.get(`/Schemas/${SCIM_USER_SCHEMA}`).expect(200)).body as { attributes: Array<{ name: string; uniqueness: string; required: boolean }> };
      expect(user.attributes.find((a) => a.name === 'userName')).toMatchObject({ required: true, uniqueness: 'server' });
      expect(user.attributes.map((a) => a.name)).toEqual(expect.arrayContaining(['name', 'emails', 'active', 'groups']));
      const extension = (await scim.get(`/Schemas/${SCIM_ENTERPRISE_SCHEMA}`).expect(200)).body as { attributes: Array<{ name: string }> };
      expect(extension.attributes.map((a) => a.name)).toEqual(['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager']);
      expectScimError(await scim.get('/Schemas/urn:nothing'), 404);
    });
  });

  describe('§3.3 creating resources, §3.4.1 retrieving them', () => {
    it('creates a User (201, Location, ETag = meta.version), reads it back, and refuses a duplicate userName with 409 uniqueness', async () => {
      const body = scimUser(email('ada'), {
        externalId: 'ext-ada', name: { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada Lovelace' }, displayName: 'Ada L.',
        emails: [{ value: email('ada'), type: 'work', primary: true }], title: 'Analyst', locale: 'en-GB',
        schemas: [SCIM_USER_SCHEMA, SCIM_ENTERPRISE_SCHEMA], [SCIM_ENTERPRISE_SCHEMA]: { employeeNumber: '1815', department: 'Engines', manager: { value: 'babbage' } },
      });
      const created = await scim.post('/Users', body).expect(201);
      const user = created.body as Resource;
      expect(created.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect(created.headers['location']).toBe(user.meta.location);
      expect(user.meta.location).toMatch(new RegExp(`${integration.scimPath}/Users/${user.id}$`));
      expect(created.headers['etag']).toBe(user.meta.version);
      expect(user).toMatchObject({
        schemas: [SCIM_USER_SCHEMA, SCIM_ENTERPRISE_SCHEMA], userName: email('ada'), externalId: 'ext-ada', active: true, displayName: 'Ada L.',
        name: { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada Lovelace' }, groups: [], title: 'Analyst',
        [SCIM_ENTERPRISE_SCHEMA]: { employeeNumber: '1815', department: 'Engines', manager: { value: 'babbage' } },
        meta: { resourceType: 'User', created: expect.any(String), lastModified: expect.any(String), version: expect.stringMatching(/^W\/".+"$/) },
      });
      const read = await scim.get(`/Users/${user.id}`).expect(200);
      expect(read.body).toEqual(user);
      expect(read.headers['etag']).toBe(user.meta.version);
      // An instance user, with the account's names and address.
      const account = await api().get(`/api/v1/users/${user.id}`).set(...bearer(root));
      expect([account.status, account.body]).toEqual([200, expect.objectContaining({ username: email('ada'), email: email('ada'), firstName: 'Ada', lastName: 'Lovelace', status: 'ACTIVE' })]);
      expectScimError(await scim.post('/Users', scimUser(email('ada'))), 409, 'uniqueness');
      expectScimError(await scim.post('/Users', scimUser(email('ADA'))), 409, 'uniqueness');
    });

    it('refuses a User without userName, with an unknown attribute, a bad email or without the User schema (400), and answers an unknown id with a SCIM 404', async () => {
      expectScimError(await scim.post('/Users', { schemas: [SCIM_USER_SCHEMA], name: { givenName: 'x' } }), 400, 'invalidValue');
      expectScimError(await scim.post('/Users', scimUser(email('x1'), { shoeSize: 42 })), 400, 'invalidPath');
      expectScimError(await scim.post('/Users', scimUser('not-an-email', { emails: [{ value: 'nope' }] })), 400, 'invalidValue');
      expectScimError(await scim.post('/Users', { userName: email('x2') }), 400, 'invalidValue');
      expectScimError(await scim.get('/Users/7d2bd0b4-4a53-4d2c-9a0a-000000000000'), 404);
      expectScimError(await scim.get('/Users/not-a-uuid'), 404);
    });

    it('creates a Group with members (201) and reads it; members must be users provisioned in this tenant', async () => {
      const member = (await scim.post('/Users', scimUser(email('grace'))).expect(201)).body as Resource;
      const created = await scim.post('/Groups', { schemas: [SCIM_GROUP_SCHEMA], displayName: unique('Engineers'), externalId: 'g-eng', members: [{ value: member.id }] }).expect(201);
      const group = created.body as Resource;
      expect(created.headers['location']).toBe(group.meta.location);
      expect(group).toMatchObject({ schemas: [SCIM_GROUP_SCHEMA], externalId: 'g-eng', members: [{ value: member.id, type: 'User' }], meta: { resourceType: 'Group' } });
      expect((await scim.get(`/Groups/${group.id}`).expect(200)).body).toEqual(group);
      const user = (await scim.get(`/Users/${member.id}`).expect(200)).body as Resource;
      expect(user.groups).toEqual([{ value: group.id, display: group.displayName, $ref: group.meta.location, type: 'direct' }]);
      const stranger = await createUser(root);
      expectScimError(await scim.post('/Groups', { schemas: [SCIM_GROUP_SCHEMA], displayName: unique('x'), members: [{ value: stranger.user.id }] }), 400, 'invalidValue');
      expectScimError(await scim.post('/Groups', { schemas: [SCIM_GROUP_SCHEMA], displayName: group.displayName }), 409, 'uniqueness');
      expectScimError(await scim.post('/Groups', { schemas: [SCIM_GROUP_SCHEMA] }), 400, 'invalidValue');
    });
  });

  describe('§3.4.2 query: filtering, sorting, pagination, attributes', () => {
    const people = [
      { local: 'f-alice', given: 'Alice', family: 'Archer', title: 'Engineer', type: 'Employee', work: 'alice@work.example', dept: 'R&D' },
      { local: 'f-bob', given: 'Bob', family: 'Baker', title: 'Engineer', type: 'Contractor', work: 'bob@work.example', dept: 'Sales' },
      { local: 'f-carol', given: 'Carol', family: 'Carter', title: 'Manager', type: 'Employee', work: 'carol@elsewhere.example', dept: 'R&D' },
      { local: 'f-dave', given: 'Dave', family: 'Dalton', title: null, type: 'Employee', work: 'dave@work.example', dept: null },
    ];
    const ids = new Map<string, string>();
    let createdAfter: string;

    beforeAll(async () => {
      for (const p of people) {
        const body = scimUser(email(p.local), {
          schemas: [SCIM_USER_SCHEMA, SCIM_ENTERPRISE_SCHEMA],
          name: { givenName: p.given, familyName: p.family }, userType: p.type, ...(p.title ? { title: p.title } : {}),
          emails: [{ value: email(p.local), type: 'home' }, { value: p.work, type: 'work', primary: true }],
          ...(p.dept ? { [SCIM_ENTERPRISE_SCHEMA]: { department: p.dept } } : {}),
        });
        const created = (await scim.post('/Users', body).expect(201)).body as Resource;
        ids.set(p.local, created.id);
        if (p.local === 'f-bob') createdAfter = (created.meta as unknown as { created: string }).created;
      }
    });

    /** Only this section's users: the filter is and-ed with the f- prefix. */
    const matching = async (filter: string) => userNames(await list('/Users', { filter: `(${filter}) and userName sw "f-"`, sortBy: 'userName' })).map((n) => n.split('@')[0]);

    it.each([
      ['eq', 'name.givenName eq "Alice"', ['f-alice']],
      ['eq (attribute names and string values are case-insensitive where caseExact is false)', 'USERNAME eq "F-BOB@' + 'DOMAIN"', ['f-bob']],
      ['ne', 'title ne "Engineer"', ['f-carol', 'f-dave']],
      ['co', 'name.familyName co "a"', ['f-alice', 'f-bob', 'f-carol', 'f-dave']],
      ['co (case-insensitive)', 'name.familyName co "ART"', ['f-carol']],
      ['sw', 'name.familyName sw "Ba"', ['f-bob']],
      ['ew', 'name.familyName ew "er"', ['f-alice', 'f-bob', 'f-carol']],
      ['pr', 'title pr', ['f-alice', 'f-bob', 'f-carol']],
      ['gt', 'name.givenName gt "Bob"', ['f-carol', 'f-dave']],
      ['ge', 'name.givenName ge "Bob"', ['f-bob', 'f-carol', 'f-dave']],
      ['lt', 'name.givenName lt "Bob"', ['f-alice']],
      ['le', 'name.givenName le "Bob"', ['f-alice', 'f-bob']],
      ['and', 'title eq "Engineer" and userType eq "Employee"', ['f-alice']],
      ['or', 'name.givenName eq "Alice" or name.givenName eq "Dave"', ['f-alice', 'f-dave']],
      ['not', 'not (userType eq "Employee")', ['f-bob']],
      ['parentheses change precedence', '(name.givenName eq "Alice" or name.givenName eq "Bob") and userType eq "Contractor"', ['f-bob']],
      ['and before or without parentheses', 'name.givenName eq "Alice" or name.givenName eq "Bob" and userType eq "Employee"', ['f-alice']],
      ['a multi-valued sub-attribute', 'emails.value ew "@elsewhere.example"', ['f-carol']],
      ['a value filter (complex attribute filter grouping)', 'emails[type eq "work" and value co "@work."]', ['f-alice', 'f-bob', 'f-dave']],
      ['a multi-valued attribute compared by its value', 'emails eq "carol@elsewhere.example"', ['f-carol']],
      ['the enterprise extension by URN', `${SCIM_ENTERPRISE_SCHEMA}:department eq "R&D"`, ['f-alice', 'f-carol']],
      ['a boolean', 'active eq true and userType eq "Contractor"', ['f-bob']],
      ['a core attribute by its full URN', `${SCIM_USER_SCHEMA}:name.familyName eq "Dalton"`, ['f-dave']],
    ])('filters with %s', async (_what, filter, expected) => {
      expect(await matching(filter.replace('DOMAIN', domain.toUpperCase()))).toEqual(expected);
    });

    it('filters on dates (meta.created gt) and on id and externalId (caseExact)', async () => {
      const after = await matching(`meta.created gt "${createdAfter}"`);
      expect(after).toEqual(['f-carol', 'f-dave']);
      expect(await matching(`id eq "${ids.get('f-dave')}"`)).toEqual(['f-dave']);
      expect(await matching(`id eq "${ids.get('f-dave')?.toUpperCase()}"`)).toEqual([]);
    });

    it.each([
      ['an unknown operator', 'userName zz "x"'],
      ['a missing value', 'userName eq'],
      ['an unknown attribute', 'shoeSize eq "42"'],
      ['an unbalanced parenthesis', '(userName eq "a"'],
      ['co on a boolean', 'active co "t"'],
      ['a value filter on a single-valued attribute', 'userName[value eq "x"]'],
      ['a date that is not one', 'meta.created gt "yesterday"'],
      ['deep nesting', `${'('.repeat(60)}userName eq "a"${')'.repeat(60)}`],
    ])('refuses %s with 400 invalidFilter', async (_what, filter) => {
      expectScimError(await scim.get('/Users', { filter }), 400, 'invalidFilter');
    });

    it('sorts by sortBy and sortOrder (§3.4.2.3), and refuses an unknown sortBy', async () => {
      const filter = 'userName sw "f-"';
      const by = async (sortBy: string, sortOrder?: string) =>
        userNames(await list('/Users', { filter, sortBy, ...(sortOrder ? { sortOrder } : {}) })).map((n) => n.split('@')[0]);
      expect(await by('userName')).toEqual(['f-alice', 'f-bob', 'f-carol', 'f-dave']);
      expect(await by('userName', 'descending')).toEqual(['f-dave', 'f-carol', 'f-bob', 'f-alice']);
      expect(await by('name.familyName', 'descending')).toEqual(['f-dave', 'f-carol', 'f-bob', 'f-alice']);
      // Resources without the attribute come last either way.
      const byTitle = await by('title', 'descending');
      expect([byTitle[0], byTitle[3]]).toEqual(['f-carol', 'f-dave']);
      expect(await by('emails.value', 'descending')).toEqual(['f-dave', 'f-carol', 'f-bob', 'f-alice']);
      expectScimError(await scim.get('/Users', { sortBy: 'shoeSize' }), 400, 'invalidValue');
      expectScimError(await scim.get('/Users', { sortBy: 'userName', sortOrder: 'sideways' }), 400, 'invalidValue');
    });

    it('pages with startIndex and count (§3.4.2.4): totalResults, itemsPerPage, past the end, count=0, out-of-range values', async () => {
      const filter = 'userName sw "f-"';
      const page = await list('/Users', { filter, sortBy: 'userName', startIndex: 2, count: 2 });
      expect(page).toMatchObject({ schemas: [SCIM_LIST_SCHEMA], totalResults: 4, startIndex: 2, itemsPerPage: 2 });
      expect(userNames(page).map((n) => n.split('@')[0])).toEqual(['f-bob', 'f-carol']);
      expect(await list('/Users', { filter, startIndex: 10 })).toMatchObject({ totalResults: 4, itemsPerPage: 0, Resources: [] });
      expect(await list('/Users', { filter, count: 0 })).toMatchObject({ totalResults: 4, itemsPerPage: 0, Resources: [] });
      // Below 1 reads as 1; a negative count as 0.
      expect(await list('/Users', { filter, startIndex: -5, count: 1, sortBy: 'userName' })).toMatchObject({ startIndex: 1, itemsPerPage: 1 });
      expect(await list('/Users', { filter, count: -3 })).toMatchObject({ itemsPerPage: 0 });
      expectScimError(await scim.get('/Users', { startIndex: 'two' }), 400, 'invalidValue');
    });

    it('returns only the attributes asked for, or all but the excluded ones (§3.4.2.5); id and schemas always', async () => {
      const only = await list('/Users', { filter: `userName eq "${email('f-carol')}"`, attributes: 'userName,name.familyName' });
      expect(only.Resources).toEqual([{ schemas: [SCIM_USER_SCHEMA, SCIM_ENTERPRISE_SCHEMA], id: ids.get('f-carol'), userName: email('f-carol'), name: { familyName: 'Carter' } }]);
      const without = await list('/Users', { filter: `userName eq "${email('f-carol')}"`, excludedAttributes: 'emails,groups,meta' });
      expect(Object.keys(without.Resources[0]).sort()).toEqual(['active', 'id', 'name', 'schemas', 'title', 'userName', 'userType', SCIM_ENTERPRISE_SCHEMA].sort());
      const one = await scim.get(`/Users/${ids.get('f-carol')}`, { attributes: `${SCIM_ENTERPRISE_SCHEMA}:department` }).expect(200);
      expect(one.body).toEqual({ schemas: [SCIM_USER_SCHEMA, SCIM_ENTERPRISE_SCHEMA], id: ids.get('f-carol'), [SCIM_ENTERPRISE_SCHEMA]: { department: 'R&D' } });
    });

    it('filters, sorts and pages Groups, members included (members[value eq ...])', async () => {
      const names = ['q-alpha', 'q-beta', 'q-gamma'].map((n) => unique(n));
      const made: Resource[] = [];
      for (const [i, displayName] of names.entries()) {
        const members = i === 1 ? [{ value: ids.get('f-alice') }] : [];
        made.push((await scim.post('/Groups', { schemas: [SCIM_GROUP_SCHEMA], displayName, externalId: `q-${i}`, members }).expect(201)).body as Resource);
      }
      const of = (page: ListResponse) => page.Resources.map((g) => g.displayName);
      expect(of(await list('/Groups', { filter: `displayName eq "${names[2]}"`, excludedAttributes: 'members' }))).toEqual([names[2]]);
      expect((await list('/Groups', { filter: `displayName eq "${names[2]}"`, excludedAttributes: 'members' })).Resources[0]).not.toHaveProperty('members');
      expect(of(await list('/Groups', { filter: `members[value eq "${ids.get('f-alice')}"] and displayName sw "q-"` }))).toEqual([names[1]]);
      expect(of(await list('/Groups', { filter: `members.value eq "${ids.get('f-alice')}" and displayName sw "q-"` }))).toEqual([names[1]]);
      expect(of(await list('/Groups', { filter: 'displayName sw "q-" and externalId pr', sortBy: 'displayName', sortOrder: 'descending' }))).toEqual([...names].sort().reverse());
      const page = await list('/Groups', { filter: 'displayName sw "q-"', sortBy: 'externalId', startIndex: 2, count: 1 });
      expect([page.totalResults, of(page)]).toEqual([3, [names[1]]]);
      expect(of(await list('/Groups', { filter: `id eq "${made[0].id}"` }))).toEqual([names[0]]);
      expectScimError(await scim.get('/Groups', { filter: 'members[type eq' }), 400, 'invalidFilter');
    });
  });

  describe('§3.5.1 replacing (PUT) and §3.14 versions', () => {
    it('replaces a User: attributes not sent are cleared, read-only ones ignored; If-Match with the current ETag passes, a stale one is 412', async () => {
      const created = (await scim.post('/Users', scimUser(email('put'), { title: 'Intern', nickName: 'P', name: { givenName: 'Pat', familyName: 'Put' } })).expect(201)).body as Resource;
      const stale = created.meta.version;
      const replaced = await scim.put(`/Users/${created.id}`, scimUser(email('put'), {
        id: 'ignored', meta: { version: 'ignored' }, groups: [{ value: 'ignored' }], title: 'Engineer', name: { givenName: 'Pat', familyName: 'Putnam' },
      })).set('if-match', stale).expect(200);
      const user = replaced.body as Resource;
      expect(user).toMatchObject({ id: created.id, title: 'Engineer', name: { givenName: 'Pat', familyName: 'Putnam' }, groups: [] });
      expect(user).not.toHaveProperty('nickName');
      expect(user.meta.version).not.toBe(stale);
      expect(replaced.headers['etag']).toBe(user.meta.version);
      expectScimError(await scim.put(`/Users/${created.id}`, scimUser(email('put'), { title: 'Lost update' })).set('if-match', stale), 412);
      expect(((await scim.get(`/Users/${created.id}`).expect(200)).body as Resource).title).toBe('Engineer');
      await scim.put(`/Users/${created.id}`, scimUser(email('put'), { title: 'Any version' })).set('if-match', '*').expect(200);
      expectScimError(await scim.put('/Users/7d2bd0b4-4a53-4d2c-9a0a-000000000000', scimUser(email('nobody'))), 404);
    });

    it('replaces a Group and its members; a stale If-Match is 412 and changes nothing', async () => {
      const a = (await scim.post('/Users', scimUser(email('gp-a'))).expect(201)).body as Resource;
      const b = (await scim.post('/Users', scimUser(email('gp-b'))).expect(201)).body as Resource;
      const group = (await scim.post('/Groups', { schemas: [SCIM_GROUP_SCHEMA], displayName: unique('put-group'), members: [{ value: a.id }] }).expect(201)).body as Resource;
      const name = unique('put-group-renamed');
      const replaced = (await scim.put(`/Groups/${group.id}`, { schemas: [SCIM_GROUP_SCHEMA], displayName: name, members: [{ value: b.id }] }).set('if-match', group.meta.version).expect(200)).body as Resource;
      expect(replaced).toMatchObject({ displayName: name, members: [{ value: b.id, type: 'User' }] });
      expect(replaced.meta.version).not.toBe(group.meta.version);
      expectScimError(await scim.put(`/Groups/${group.id}`, { schemas: [SCIM_GROUP_SCHEMA], displayName: 'late', members: [] }).set('if-match', group.meta.version), 412);
      expect(((await scim.get(`/Groups/${group.id}`).expect(200)).body as Resource).displayName).toBe(name);
    });
  });

  describe('§3.5.2 modifying (PATCH)', () => {
    let user: Resource;

    beforeAll(async () => {
      user = (await scim.post('/Users', scimUser(email('patch'), {
        name: { givenName: 'Pam', familyName: 'Patch' }, title: 'Clerk',
        emails: [{ value: email('patch'), type: 'work', primary: true }, { value: 'pam@home.example', type: 'home' }],
      })).expect(201)).body as Resource;
    });
    const patch = async (...operations: Array<Record<string, unknown>>) => (await scim.patch(`/Users/${user.id}`, patchOp(...operations)).expect(200)).body as Resource;

    it('add: with a path (a sub-attribute, a multi-valued attribute) and without one (a value object)', async () => {
      expect(await patch({ op: 'add', path: 'nickName', value: 'P.' })).toMatchObject({ nickName: 'P.' });
      const phones = await patch({ op: 'add', path: 'phoneNumbers', value: [{ value: '+44 20 7946 0000', type: 'work' }] });
      expect(phones.phoneNumbers).toEqual([{ value: '+44 20 7946 0000', type: 'work' }]);
      const objects = await patch({ op: 'add', value: { displayName: 'Pam P.', 'name.middleName': 'Q', [`${SCIM_ENTERPRISE_SCHEMA}:costCenter`]: 'CC-7' } });
      expect(objects).toMatchObject({ displayName: 'Pam P.', name: { givenName: 'Pam', familyName: 'Patch', middleName: 'Q' }, [SCIM_ENTERPRISE_SCHEMA]: { costCenter: 'CC-7' } });
      expect(objects.schemas).toEqual([SCIM_USER_SCHEMA, SCIM_ENTERPRISE_SCHEMA]);
    });

    it('replace: with a path, with a value filter path (emails[type eq "work"].value), and without a path', async () => {
      expect(await patch({ op: 'replace', path: 'title', value: 'Manager' })).toMatchObject({ title: 'Manager' });
      const moved = await patch({ op: 'replace', path: 'emails[type eq "home"].value', value: 'pam@new-home.example' });
      expect(moved.emails).toEqual([{ value: email('patch'), type: 'work', primary: true }, { value: 'pam@new-home.example', type: 'home' }]);
      expect(await patch({ op: 'replace', value: { title: 'Director', name: { givenName: 'Pamela', familyName: 'Patch' } } })).toMatchObject({ title: 'Director', name: { givenName: 'Pamela' } });
    });

    it('remove: an attribute, a sub-attribute, and the values a filter selects', async () => {
      const noNick = await patch({ op: 'remove', path: 'nickName' });
      expect(noNick).not.toHaveProperty('nickName');
      expect((await patch({ op: 'remove', path: 'name.middleName' })).name).not.toHaveProperty('middleName');
      const onlyWork = await patch({ op: 'remove', path: 'emails[type eq "home"]' });
      expect(onlyWork.emails).toEqual([{ value: email('patch'), type: 'work', primary: true }]);
    });

    it('applies all operations or none: a failing one leaves the resource as it was', async () => {
      const before = (await scim.get(`/Users/${user.id}`).expect(200)).body as Resource;
      expectScimError(await scim.patch(`/Users/${user.id}`, patchOp({ op: 'replace', path: 'title', value: 'Changed' }, { op: 'replace', path: 'shoeSize', value: 42 })), 400, 'invalidPath');
      expect((await scim.get(`/Users/${user.id}`).expect(200)).body).toEqual(before);
    });

    it.each([
      ['remove without a path', patchOp({ op: 'remove' }), 'noTarget'],
      ['an unknown op', patchOp({ op: 'merge', path: 'title', value: 'x' }), 'invalidSyntax'],
      ['a malformed path', patchOp({ op: 'replace', path: 'emails[type eq', value: 'x' }), 'invalidPath'],
      ['an unknown attribute', patchOp({ op: 'add', path: 'shoeSize', value: 42 }), 'invalidPath'],
      ['a value of the wrong type', patchOp({ op: 'replace', path: 'active', value: 'maybe' }), 'invalidValue'],
      ['no PatchOp schema', { Operations: [{ op: 'replace', path: 'title', value: 'x' }] }, 'invalidSyntax'],
      ['no operations', patchOp(), 'invalidSyntax'],
      ['add without a value', patchOp({ op: 'add', path: 'title' }), 'invalidValue'],
    ])('refuses %s with a SCIM 400', async (_what, body, scimType) => {
      expectScimError(await scim.patch(`/Users/${user.id}`, body), 400, scimType);
    });

    it('PATCHes a Group: displayName, members added, removed by a value filter path, replaced, all removed', async () => {
      const members: Resource[] = [];
      for (const n of ['pm-a', 'pm-b', 'pm-c']) members.push((await scim.post('/Users', scimUser(email(n))).expect(201)).body as Resource);
      const group = (await scim.post('/Groups', { schemas: [SCIM_GROUP_SCHEMA], displayName: unique('patch-group') }).expect(201)).body as Resource;
      const path = `/Groups/${group.id}`;
      const patchGroup = async (...operations: Array<Record<string, unknown>>) => (await scim.patch(path, patchOp(...operations)).expect(200)).body as Resource;
      const valuesOf = (g: Resource) => ((g.members as Array<{ value: string }> | undefined) ?? []).map((m) => m.value).sort();
      const renamed = unique('patched-name');
      expect((await patchGroup({ op: 'replace', path: 'displayName', value: renamed })).displayName).toBe(renamed);
      expect(valuesOf(await patchGroup({ op: 'add', path: 'members', value: members.map((m) => ({ value: m.id })) }))).toEqual(members.map((m) => m.id).sort());
      expect(valuesOf(await patchGroup({ op: 'remove', path: `members[value eq "${members[0].id}"]` }))).toEqual([members[1].id, members[2].id].sort());
      expect(valuesOf(await patchGroup({ op: 'replace', path: 'members', value: [{ value: members[0].id }] }))).toEqual([members[0].id]);
      expect(valuesOf(await patchGroup({ op: 'remove', path: 'members' }))).toEqual([]);
      expectScimError(await scim.patch(path, patchOp({ op: 'add', path: 'members', value: [{ value: 'not-an-id' }] })), 400, 'invalidValue');
      expectScimError(await scim.patch(path, patchOp({ op: 'replace', path: 'displayName', value: 'x' })).set('if-match', group.meta.version), 412);
    });
  });

  describe('§3.6 deleting', () => {
    it('deletes a User and a Group (204); both are then 404; a stale If-Match is 412', async () => {
      const user = (await scim.post('/Users', scimUser(email('gone'))).expect(201)).body as Resource;
      const group = (await scim.post('/Groups', { schemas: [SCIM_GROUP_SCHEMA], displayName: unique('gone'), members: [{ value: user.id }] }).expect(201)).body as Resource;
      expectScimError(await scim.del(`/Groups/${group.id}`).set('if-match', 'W/"stale"'), 412);
      await scim.del(`/Groups/${group.id}`).set('if-match', group.meta.version).expect(204);
      expectScimError(await scim.get(`/Groups/${group.id}`), 404);
      await scim.del(`/Users/${user.id}`).expect(204);
      expectScimError(await scim.get(`/Users/${user.id}`), 404);
      // Created by provisioning and used nowhere else: the account went with it.
      expect((await api().get(`/api/v1/users/${user.id}`).set(...bearer(root))).status).toBe(404);
      expectScimError(await scim.del(`/Users/${user.id}`), 404);
    });
  });

  describe('§3.12 errors', () => {
    it('answers a missing, unknown or foreign credential with a SCIM 401, a bad JSON body with 400 invalidSyntax', async () => {
      const anonymous = await api().get(`${integration.scimPath}/Users`);
      expectScimError(anonymous as never, 401);
      expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
      expectScimError(await scimClient(integration, 'ghscim_' + 'x'.repeat(60)).get('/Users') as never, 401);
      // The tenant admin's own session does not speak for the integration.
      expectScimError(await api().get(`${integration.scimPath}/Users`).set(...bearer(admin.token)) as never, 401);
      expectScimError(await scim.post('/Users', '{"userName": ') as never, 400, 'invalidSyntax');
      expectScimError(await scim.post('/Users', '[1,2]') as never, 400, 'invalidSyntax');
    });
  });

  describe('Microsoft Entra ID: the requests its provisioning documentation publishes', () => {
    const msGroupSchema = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

    it('creates a user after a userName lookup finds none, updates multi- and single-valued properties, disables and deletes it', async () => {
      const userName = `Test_User_${unique('entra')}@${domain}`;
      const lookup = await list('/Users', { filter: `userName eq "${userName}"` });
      expect(lookup).toMatchObject({ totalResults: 0, Resources: [], startIndex: 1, itemsPerPage: 0 });
      const created = await scim.post('/Users', {
        schemas: [SCIM_USER_SCHEMA, SCIM_ENTERPRISE_SCHEMA],
        externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef', userName, active: true,
        emails: [{ primary: true, type: 'work', value: `Test_User_${unique('mail')}@${domain}` }],
        meta: { resourceType: 'User' },
        name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
        roles: [],
      }).expect(201);
      const id = (created.body as Resource).id;
      expect((await list('/Users', { filter: `userName eq "${userName}"` })).Resources.map((r) => r.id)).toEqual([id]);
      const multi = await scim.patch(`/Users/${id}`, patchOp(
        { op: 'Replace', path: 'emails[type eq "work"].value', value: `updatedEmail_${unique('m')}@${domain}` },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      )).expect(200);
      expect(multi.body).toMatchObject({ name: { familyName: 'updatedFamilyName' }, emails: [{ type: 'work', value: expect.stringMatching(/^updatedEmail_/) }] });
      const newName = `${unique('renamed')}@${domain}`;
      const single = await scim.patch(`/Users/${id}`, patchOp({ op: 'Replace', path: 'userName', value: newName })).expect(200);
      expect(single.body).toMatchObject({ userName: newName });
      // Entra ID has sent the boolean as a string ("False") as well as a JSON boolean.
      expect((await scim.patch(`/Users/${id}`, patchOp({ op: 'Replace', path: 'active', value: 'False' })).expect(200)).body).toMatchObject({ active: false });
      expect((await scim.patch(`/Users/${id}`, patchOp({ op: 'Replace', path: 'active', value: true })).expect(200)).body).toMatchObject({ active: true });
      expect((await scim.patch(`/Users/${id}`, patchOp({ op: 'Replace', path: 'active', value: false })).expect(200)).body).toMatchObject({ active: false });
      expect((await list('/Users', { filter: `userName eq "${newName}"` })).Resources[0]).toMatchObject({ active: false });
      await scim.del(`/Users/${id}`).expect(204);
      expectScimError(await scim.get(`/Users/${id}`), 404);
    });

    it('creates a group, reads it without members, finds it by displayName, renames it, adds and removes members by value objects, deletes it', async () => {
      const displayName = unique('entra-group');
      const created = await scim.post('/Groups', { externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName, meta: { resourceType: 'Group' }, schemas: [SCIM_GROUP_SCHEMA, msGroupSchema] }).expect(201);
      const id = (created.body as Resource).id;
      expect((await scim.get(`/Groups/${id}`, { excludedAttributes: 'members' }).expect(200)).body).not.toHaveProperty('members');
      expect((await list('/Groups', { excludedAttributes: 'members', filter: `displayName eq "${displayName}"` })).Resources.map((g) => g.id)).toEqual([id]);
      const renamed = `${displayName}updatedDisplayName`;
      await scim.patch(`/Groups/${id}`, patchOp({ op: 'Replace', path: 'displayName', value: renamed })).expect(200);
      const member = (await scim.post('/Users', scimUser(email(unique('entra-member')))).expect(201)).body as Resource;
      const added = await scim.patch(`/Groups/${id}`, patchOp({ op: 'Add', path: 'members', value: [{ $ref: null, value: member.id }] })).expect(200);
      expect(added.body).toMatchObject({ displayName: renamed, members: [{ value: member.id }] });
      // Entra ID asks whether a user is a member with a filter on the group.
      expect((await list('/Groups', { filter: `id eq "${id}" and members[value eq "${member.id}"]`, excludedAttributes: 'members' })).totalResults).toBe(1);
      const removed = await scim.patch(`/Groups/${id}`, patchOp({ op: 'Remove', path: 'members', value: [{ $ref: null, value: member.id }] })).expect(200);
      expect((removed.body as Resource).members).toEqual([]);
      await scim.del(`/Groups/${id}`).expect(204);
    });
  });

  describe('Okta: the requests its SCIM 2.0 reference publishes', () => {
    it('checks the connection, looks the user up by userName, creates it (groups and a password included), deactivates it with a value object, and reads it again', async () => {
      await list('/Users', { startIndex: 1, count: 2 });
      await list('/Groups', { startIndex: 1, count: 100 });
      const userName = `${unique('test.user')}@okta.local`;
      expect(await list('/Users', { filter: `userName eq "${userName}"`, startIndex: 1, count: 100 })).toMatchObject({ totalResults: 0 });
      const created = await scim.post('/Users', {
        schemas: [SCIM_USER_SCHEMA], userName, name: { givenName: 'Test', familyName: 'User' },
        emails: [{ primary: true, value: userName, type: 'work' }], displayName: 'Test User', locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7', groups: [], password: 'Okta-Sync-9x!q', active: true,
      }).expect(201);
      const user = created.body as Resource;
      expect(user).not.toHaveProperty('password');
      // The synchronised password is the account's, and its setting is audited (never the password).
      expect((await api().post('/api/v1/login').send({ username: userName, password: 'Okta-Sync-9x!q' })).status).toBe(200);
      const audited = async () =>
        ((await api().get('/api/v1/auditlogs/search').query({ resourceId: user.id }).set(...bearer(root)).expect(200)).body.results as Array<{ details?: { action?: string } }>)
          .some((e) => e.details?.action === 'set-password');
      for (let attempt = 0; attempt < 50 && !(await audited()); attempt++) await new Promise((done) => setTimeout(done, 200));
      expect(await audited()).toBe(true);
      const deactivated = await scim.patch(`/Users/${user.id}`, patchOp({ op: 'replace', value: { active: false } })).expect(200);
      expect(deactivated.body).toMatchObject({ active: false });
      expect((await scim.get(`/Users/${user.id}`).expect(200)).body).toMatchObject({ active: false });
      const replaced = await scim.put(`/Users/${user.id}`, { ...user, active: true, name: { givenName: 'Another', familyName: 'User' }, meta: undefined }).expect(200);
      expect(replaced.body).toMatchObject({ active: true, name: { givenName: 'Another' } });
    });

    it('creates a group, renames it with a value object carrying its id, adds a member and removes it by a members[value eq] path', async () => {
      const member = (await scim.post('/Users', scimUser(`${unique('okta.member')}@okta.local`)).expect(201)).body as Resource;
      const group = (await scim.post('/Groups', { schemas: [SCIM_GROUP_SCHEMA], displayName: unique('Test SCIMv2'), members: [] }).expect(201)).body as Resource;
      const name = unique('Test SCIMv2 renamed');
      expect((await scim.patch(`/Groups/${group.id}`, patchOp({ op: 'replace', value: { id: group.id, displayName: name } })).expect(200)).body).toMatchObject({ id: group.id, displayName: name });
      const added = await scim.patch(`/Groups/${group.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: member.id, display: member.userName }] })).expect(200);
      expect((added.body as Resource).members).toEqual([expect.objectContaining({ value: member.id })]);
      const removed = await scim.patch(`/Groups/${group.id}`, patchOp({ op: 'remove', path: `members[value eq "${member.id}"]` })).expect(200);
      expect((removed.body as Resource).members).toEqual([]);
      await scim.del(`/Groups/${group.id}`).expect(204);
    });
  });
});
