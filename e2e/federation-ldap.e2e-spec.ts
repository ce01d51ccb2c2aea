import {
  api, freePort, bearer, bindRole, createGroup, createTenant, createUser, LdapServer, ldapGroup, ldapPerson, rolesByName, superAdminToken, TestUser, unique,
} from '@gatehouse/testing';
import { ConnectionTestResult, IdentityProviderView, UserAuthenticationView } from '@gatehouse/contracts';
import { gatehouse } from './cli-support';
import { eventually } from './notification-support';

/**
 * Federation with LDAP (docs/federation.md) against a real OpenLDAP slapd the suite starts on a free port
 * (generated config and seed LDIF, unprivileged): a tenant's Admin configures the directory; people sign in
 * with their directory password through the same login, Basic and the CLI's --user; just-in-time accounts;
 * linking only by a verified address or an admin's link; group mappings added and removed at each sign-in,
 * through the grant guard, audited; disabled and removed entries refused; a directory down answers 503 naming
 * the provider while password users sign in as before.
 */
jest.setTimeout(120_000);

const SVC_PASSWORD = 'svc-reader-secret';

describe('federation: LDAP sign-in against slapd', () => {
  let ldap: LdapServer;
  let root: string;
  let admin: TestUser;
  let tenant: string;
  let domain: string;
  let engineers: string;
  let operators: string;
  let provider: IdentityProviderView;
  const suffix = 'dc=example,dc=com';
  const dn = (uid: string) => `uid=${uid},ou=people,${suffix}`;
  const mail = (uid: string) => `${uid}@${domain}`;
  const T = () => `/api/v1/${tenant}/identity-providers`;

  const as = (token: string) => ({
    get: (path: string, query: Record<string, string> = {}) => api().get(path).query(query).set(...bearer(token)),
    post: (path: string, body: object = {}) => api().post(path).set(...bearer(token)).send(body),
    patch: (path: string, body: object) => api().patch(path).set(...bearer(token)).send(body),
    put: (path: string, body: object) => api().put(path).set(...bearer(token)).send(body),
  });
  const login = (username: string, password: string) => api().post('/api/v1/login').send({ username, password });
  const ldapSettings = (extra: object = {}) => ({
    url: ldap.url, bindDn: `uid=svc,ou=services,${suffix}`, bindPassword: SVC_PASSWORD, userBase: `ou=people,${suffix}`,
    groupBase: `ou=groups,${suffix}`, activeFilter: '(!(description=disabled))', emailVerified: true, ...extra,
  });
  const userNamed = async (email: string) =>
    ((await as(root).get('/api/v1/users', { q: email }).expect(200)).body.results as Array<{ id: string; email: string; authMethod: string; emailVerified: boolean }>)
      .find((u) => u.email === email);
  const membersOf = async (groupId: string) =>
    ((await as(root).get(`/api/v1/${tenant}/groups/${groupId}/members`).expect(200)).body.results as Array<{ memberId: string }>).map((m) => m.memberId);
  const tenantTrail = (query: Record<string, string>) =>
    as(admin.token).get(`/api/v1/${tenant}/auditlogs/search`, { size: '100', ...query }).expect(200)
      .then((r) => r.body.results as Array<{ type: string; resourceType: string; details?: Record<string, unknown>; after?: Record<string, unknown>; before?: Record<string, unknown> }>);
  const instanceTrail = (query: Record<string, string>) =>
    as(root).get('/api/v1/auditlogs/search', { size: '100', ...query }).expect(200)
      .then((r) => r.body.results as Array<{ type: string; resourceType: string; details?: Record<string, unknown>; after?: Record<string, unknown> }>);

  beforeAll(async () => {
    domain = `${unique('corp').toLowerCase().replace(/[^a-z0-9-]/g, '')}.example.com`;
    const people = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'].map((uid) =>
      ldapPerson(suffix, uid, { password: `${uid}-directory-pass`, mail: mail(uid), givenName: uid[0].toUpperCase() + uid.slice(1), sn: 'Ldap' }),
    );
    ldap = await LdapServer.start({
      suffix,
      seed: [
        `dn: ou=people,${suffix}\nobjectClass: organizationalUnit\nou: people\n`,
        `dn: ou=groups,${suffix}\nobjectClass: organizationalUnit\nou: groups\n`,
        `dn: ou=services,${suffix}\nobjectClass: organizationalUnit\nou: services\n`,
        `dn: uid=svc,ou=services,${suffix}\nobjectClass: inetOrgPerson\nuid: svc\ncn: svc\nsn: svc\nuserPassword: ${SVC_PASSWORD}\n`,
        ...people,
        ldapGroup(suffix, 'engineers', [dn('alice'), dn('bob')]),
        ldapGroup(suffix, 'operators', [dn('bob'), dn('grace')]),
      ].join('\n'),
    });
    root = await superAdminToken();
    admin = await createUser(root);
    tenant = (await createTenant(root, { adminUser: admin.username })).id;
    const roles = await rolesByName(admin.token, tenant);
    engineers = (await createGroup(admin.token, tenant, unique('engineers'))).id;
    await bindRole(admin.token, tenant, { roleId: roles.Viewer.id, subjectType: 'GROUP', subjectId: engineers });
    operators = (await createGroup(admin.token, tenant, unique('operators'))).id;
    await bindRole(admin.token, tenant, { roleId: roles.Editor.id, subjectType: 'GROUP', subjectId: operators });
    const created = await as(admin.token).post(T(), {
      type: 'ldap', name: unique('Corporate directory'), jitProvisioning: true, domains: [domain], ldap: ldapSettings(),
      groupMappings: [{ providerGroup: 'engineers', groupId: engineers }, { providerGroup: `cn=operators,ou=groups,${suffix}`, groupId: operators }],
    });
    expect([created.status, created.body.detail]).toEqual([201, undefined]);
    provider = created.body;
  });

  afterAll(async () => {
    await ldap?.stop();
  });

  it('stores the bind password encrypted and never answers it; refuses bad settings with a 400 naming the field', async () => {
    expect(provider.ldap).toMatchObject({ bindPasswordSet: true, url: ldap.url, userFilter: '(|(uid={login})(mail={login}))' });
    expect(JSON.stringify(provider)).not.toContain(SVC_PASSWORD);
    const read = await as(admin.token).get(`${T()}/${provider.id}`).expect(200);
    expect(JSON.stringify(read.body)).not.toContain(SVC_PASSWORD);
    const base = { type: 'ldap', name: unique('bad'), ldap: ldapSettings() };
    const cases: Array<[object, string, RegExp]> = [
      [{ ...base, ldap: ldapSettings({ url: 'http://127.0.0.1:389' }) }, 'ldap.url', /ldaps/],
      [{ ...base, ldap: ldapSettings({ url: 'ldaps://10.1.2.3' }) }, 'ldap.url', /private, loopback, link-local or reserved/],
      [{ ...base, ldap: ldapSettings({ url: 'ldap://directory.example.com' }) }, 'ldap.url', /startTls/],
      [{ ...base, ldap: ldapSettings({ userFilter: '(uid={login}' }) }, 'ldap.userFilter', /not an LDAP filter/],
      [{ ...base, ldap: ldapSettings({ userFilter: '(uid=alice)' }) }, 'ldap.userFilter', /\{login\}/],
      [{ type: 'ldap', name: unique('bad') }, 'ldap', /required/],
      [{ ...base, groupMappings: [{ providerGroup: 'x', groupId: engineers, tenantId: 'another-tenant' }] }, 'groupMappings[0].tenantId', /own tenant/],
      [{ ...base, groupMappings: [{ providerGroup: 'x', groupId: '00000000-0000-4000-8000-000000000000' }] }, 'groupMappings', /does not exist/],
      [{ ...base, domains: ['Not A Domain'] }, 'domains', /domain/],
    ];
    for (const [body, field, message] of cases) {
      const response = await as(admin.token).post(T(), body);
      expect({ field, status: response.status, type: response.headers['content-type'] }).toEqual({ field, status: 400, type: expect.stringContaining('application/problem+json') });
      const error = (response.body.errors as Array<{ field: string; message: string }>).find((e) => e.field === field);
      expect({ field, message: error?.message }).toEqual({ field, message: expect.stringMatching(message) });
    }
    // A domain already claimed by a provider: home-realm discovery has one answer per domain.
    const claimed = await as(admin.token).post(T(), { ...base, domains: [domain] });
    expect(claimed.status).toBe(409);
  });

  it('"test connection" reports each step and exactly which one failed', async () => {
    const ok = (await as(admin.token).post(`${T()}/${provider.id}/test`, { login: 'alice' }).expect(200)).body as ConnectionTestResult;
    expect(ok).toMatchObject({ ok: true, step: 'ok' });
    expect(ok.steps.map((s) => s.step)).toEqual(['dns', 'connect', 'tls', 'bind', 'search', 'search']);
    expect(ok.steps[5].detail).toMatch(/engineers/);

    const wrongBind = (await as(admin.token).post(T(), { type: 'ldap', name: unique('wrong-bind'), ldap: ldapSettings({ bindPassword: 'not-it' }) }).expect(201)).body;
    expect((await as(admin.token).post(`${T()}/${wrongBind.id}/test`).expect(200)).body).toMatchObject({ ok: false, step: 'bind', detail: expect.stringMatching(/invalid credentials/) });
    const wrongBase = (await as(admin.token).post(T(), { type: 'ldap', name: unique('wrong-base'), ldap: ldapSettings({ userBase: `ou=nowhere,${suffix}` }) }).expect(201)).body;
    expect((await as(admin.token).post(`${T()}/${wrongBase.id}/test`).expect(200)).body).toMatchObject({ ok: false, step: 'search' });
    const closed = (await as(admin.token).post(T(), { type: 'ldap', name: unique('closed'), ldap: ldapSettings({ url: `ldap://127.0.0.1:${await freePort()}` }) }).expect(201)).body;
    expect((await as(admin.token).post(`${T()}/${closed.id}/test`).expect(200)).body).toMatchObject({ ok: false, step: 'connect', detail: expect.stringMatching(/ECONNREFUSED|connect/) });
    const unknown = (await as(admin.token).post(`${T()}/${provider.id}/test`, { login: 'nobody-here' }).expect(200)).body;
    expect(unknown).toMatchObject({ ok: false, step: 'search', detail: expect.stringMatching(/no entry/) });
  });

  it('signs a new person in with the directory password (login, Basic, the CLI --user), created just in time; a wrong password is refused and audited', async () => {
    expect((await login(mail('alice'), 'alice-directory-pass')).status).toBe(200);
    const alice = await userNamed(mail('alice'));
    expect(alice).toMatchObject({ authMethod: 'FEDERATED', emailVerified: true });
    const wrong = await login(mail('alice'), 'not-alice');
    expect(wrong.status).toBe(401);
    const basic = await api().get('/api/v1/me').set('authorization', `Basic ${Buffer.from(`${mail('alice')}:alice-directory-pass`).toString('base64')}`);
    expect([basic.status, basic.body.id]).toEqual([200, alice?.id]);
    const cli = gatehouse(['me', '--user', `${mail('alice')}:alice-directory-pass`, '--output', 'json']);
    expect([cli.status, cli.stderr]).toEqual([0, '']);
    expect(JSON.parse(cli.stdout).id).toBe(alice?.id);
    // A federated-only user has no Gatehouse password: a guessed one never signs in locally.
    const auth = (await as(root).get(`/api/v1/users/${alice?.id}/authentication`).expect(200)).body as UserAuthenticationView;
    expect(auth).toMatchObject({ password: false, links: [{ providerId: provider.id, linkedBy: 'JIT' }] });
    const trail = await eventually(async () => {
      const entries = await instanceTrail({ resourceId: alice?.id as string });
      const kinds = entries.map((e) => `${e.resourceType}:${e.type}:${e.details?.['reason'] ?? ''}`);
      return ['USER:CREATE:', 'USER:LOGIN:', 'USER:LOGIN_FAILURE:invalid-credentials'].every((k) => kinds.includes(k)) ? entries : null;
    }, 15_000, 'the sign-ins in the instance trail');
    expect(trail.find((e) => e.type === 'LOGIN_FAILURE')?.details).toMatchObject({ providerId: provider.id });
    const links = await eventually(async () => {
      const entries = await tenantTrail({ resourceType: 'IDENTITY_LINK', resourceId: alice?.id as string });
      return entries.length > 0 ? entries : null;
    }, 15_000, 'the link in the tenant trail');
    expect(links[0].after).toMatchObject({ providerId: provider.id, linkedBy: 'JIT' });
  });

  it('maps directory groups to Gatehouse groups at each sign-in, adding and removing memberships, audited', async () => {
    expect((await login(mail('bob'), 'bob-directory-pass')).status).toBe(200);
    const bob = (await userNamed(mail('bob')))?.id as string;
    expect(await membersOf(engineers)).toContain(bob);
    expect(await membersOf(operators)).toContain(bob);
    // The directory removes bob from engineers: the next sign-in removes the membership, the other stays.
    ldap.modify(`dn: cn=engineers,ou=groups,${suffix}\nchangetype: modify\ndelete: member\nmember: ${dn('bob')}\n`);
    expect((await login(mail('bob'), 'bob-directory-pass')).status).toBe(200);
    expect(await membersOf(engineers)).not.toContain(bob);
    expect(await membersOf(operators)).toContain(bob);
    // And adds him back: the membership returns.
    ldap.modify(`dn: cn=engineers,ou=groups,${suffix}\nchangetype: modify\nadd: member\nmember: ${dn('bob')}\n`);
    expect((await login(mail('bob'), 'bob-directory-pass')).status).toBe(200);
    expect(await membersOf(engineers)).toContain(bob);
    const memberships = await eventually(async () => {
      const entries = (await tenantTrail({ resourceType: 'GROUP_MEMBERSHIP', resourceId: engineers })).filter(
        (e) => (e.after ?? e.before)?.['memberId'] === bob,
      );
      return entries.length >= 3 ? entries : null;
    }, 15_000, "bob's membership changes in the trail");
    expect(memberships.map((e) => e.type).sort()).toEqual(['CREATE', 'CREATE', 'DELETE']);
    expect(memberships.find((e) => e.type === 'DELETE')?.details).toMatchObject({ via: 'federation', providerId: provider.id });
  });

  it('refuses at the next sign-in an entry disabled or removed in the directory', async () => {
    expect((await login(mail('carol'), 'carol-directory-pass')).status).toBe(200);
    expect((await login(mail('dave'), 'dave-directory-pass')).status).toBe(200);
    ldap.modify(`dn: ${dn('carol')}\nchangetype: modify\nadd: description\ndescription: disabled\n`);
    ldap.modify(`dn: ${dn('dave')}\nchangetype: delete\n`);
    const carol = await login(mail('carol'), 'carol-directory-pass');
    expect([carol.status, carol.body.detail]).toEqual([401, 'This account is disabled in its directory']);
    const dave = await login(mail('dave'), 'dave-directory-pass');
    expect(dave.status).toBe(401);
    const carolId = (await userNamed(mail('carol')))?.id as string;
    const failures = await eventually(async () => {
      const entries = (await instanceTrail({ resourceId: carolId })).filter((e) => e.type === 'LOGIN_FAILURE');
      return entries.length > 0 ? entries : null;
    }, 15_000, "carol's refusal in the trail");
    expect(failures[0].details).toMatchObject({ reason: 'directory-disabled', providerId: provider.id });
  });

  it('links an existing account only by a verified address or an admin link: an unverified address never takes it over', async () => {
    // An account exists with erin's address; the directory's addresses are not vouched for (emailVerified false).
    const erin = await createUser(root, { username: mail('erin'), password: 'Erin-Local-Pass-1' });
    const unverified = (await as(admin.token).post(T(), {
      type: 'ldap', name: unique('unverified'), jitProvisioning: true, ldap: ldapSettings({ emailVerified: false }),
    }).expect(201)).body as IdentityProviderView;
    await as(admin.token).patch(`${T()}/${provider.id}`, { enabled: false, domains: [] }).expect(200);
    await as(admin.token).patch(`${T()}/${unverified.id}`, { domains: [domain] }).expect(200);
    const refused = await login(mail('erin'), 'erin-directory-pass');
    expect([refused.status, refused.body.detail]).toEqual([409, expect.stringMatching(/an administrator must link it/)]);
    expect((await as(root).get(`/api/v1/users/${erin.user.id}/authentication`).expect(200)).body.links).toEqual([]);
    expect((await login(mail('erin'), 'Erin-Local-Pass-1')).status).toBe(200);
    // The admin links erin, a user of the tenant, explicitly: her directory password now signs her in, as her own account.
    await as(admin.token).post(`/api/v1/${tenant}/groups/${engineers}/members`, { memberType: 'USER', memberId: erin.user.id }).expect(201);
    const link = await as(admin.token).post(`${T()}/${unverified.id}/links`, { userId: erin.user.id, login: 'erin' });
    expect([link.status, link.body.linkedBy, link.body.userId]).toEqual([201, 'ADMIN', erin.user.id]);
    const signedIn = await login(mail('erin'), 'erin-directory-pass');
    expect(signedIn.status).toBe(200);
    expect((await api().get('/api/v1/me').set(...bearer(signedIn.body.accessToken)).expect(200)).body.id).toBe(erin.user.id);
    await as(admin.token).patch(`${T()}/${unverified.id}`, { domains: [] }).expect(200);
    await as(admin.token).patch(`${T()}/${provider.id}`, { enabled: true, domains: [domain] }).expect(200);

    // With verified addresses, frank's existing account is linked at his first directory sign-in.
    const frank = await createUser(root, { username: mail('frank'), password: 'Frank-Local-Pass-1' });
    expect((await login(mail('frank'), 'frank-directory-pass')).status).toBe(200);
    expect((await as(root).get(`/api/v1/users/${frank.user.id}/authentication`).expect(200)).body).toMatchObject({
      password: true, links: [{ providerId: provider.id, linkedBy: 'VERIFIED_EMAIL' }],
    });
    // Both methods work for him; the admin makes him federated only, and his Gatehouse password stops.
    expect((await login(mail('frank'), 'Frank-Local-Pass-1')).status).toBe(200);
    const federatedOnly = await as(root).put(`/api/v1/users/${frank.user.id}/authentication`, { password: false });
    expect([federatedOnly.status, federatedOnly.body.password]).toEqual([200, false]);
    expect((await login(mail('frank'), 'Frank-Local-Pass-1')).status).toBe(401);
    expect((await login(mail('frank'), 'frank-directory-pass')).status).toBe(200);
    // Without any link, removing the password would lock the user out: refused.
    const lonely = await createUser(root);
    expect((await as(root).put(`/api/v1/users/${lonely.user.id}/authentication`, { password: false })).status).toBe(409);
  });

  it('the CLI lists, tests and shows providers and links', () => {
    const cli = (args: string[]) => gatehouse([...args, '--tenant', tenant, '--token', admin.token]);
    const list = cli(['identity-providers', 'list', '--output', 'json']);
    expect(list.status).toBe(0);
    expect((JSON.parse(list.stdout).results as Array<{ id: string }>).map((p) => p.id)).toContain(provider.id);
    const test = cli(['identity-providers', 'test', provider.name, '--login', 'alice']);
    expect([test.status, test.stdout]).toEqual([0, expect.stringContaining('The provider answered every step.')]);
    const links = cli(['identity-providers', 'links', provider.id, '--output', 'json']);
    expect(links.status).toBe(0);
    expect((JSON.parse(links.stdout).results as Array<{ username: string }>).map((l) => l.username)).toContain('alice');
  });

  it('a directory down answers 503 naming the provider to its linked users; password users sign in as before; other names are a 401', async () => {
    await ldap.stop();
    const down = await login(mail('alice'), 'alice-directory-pass');
    expect([down.status, down.body.provider]).toEqual([503, { id: provider.id, name: provider.name }]);
    expect(down.headers['content-type']).toContain('application/problem+json');
    expect(down.body.detail).toContain(provider.name);
    expect((await login(admin.username, admin.password)).status).toBe(200);
    // A password user's mistake is still a plain 401, not the directory's outage; and a name nobody has is
    // answered exactly alike (no enumeration through the outage), its failure audited with the directory.
    const typo = await login(admin.username, 'not-the-password');
    const nobody = await login(mail('nobody-at-all'), 'some-password');
    expect([typo.status, nobody.status]).toEqual([401, 401]);
    expect({ ...nobody.body, instance: undefined }).toEqual({ ...typo.body, instance: undefined });
    const failure = await eventually(async () => (await instanceTrail({ type: 'LOGIN_FAILURE' })).find((e) => e.details?.['login'] === mail('nobody-at-all')), 15_000);
    expect(failure.details).toMatchObject({ reason: 'invalid-credentials', unreachableProviderId: provider.id });
  });
});
