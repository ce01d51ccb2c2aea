import { RoleView } from '@gatehouse/contracts';
import {
  api, bearer, bindInstanceRole, bindRole, createGroup, createIntegration, createRole, createTenantWorld, createUser, describeOperation, generateSigningKey, idpMetadata, LdapServer, SamlTestIdp,
  ldapPerson, loadOpenApi, operationsOf, patchOp, rolesByName, SCIM_GROUP_SCHEMA, scimClient, ScimClient, scimUser, superAdminToken, TenantWorld,
  TestUser, unique,
} from '@gatehouse/testing';
import { Response } from 'supertest';

/**
 * The escalation matrix (docs/access-model.md): every route of the gateway that can let a subject gain
 * access, a credential or an account action on someone else, tried as a tenant Admin, an Instance Admin
 * (not Admin of the tenant) and a user holding only GROUP_MEMBERSHIP / ROLE / BINDING, each refused with
 * the problem naming its rule, while the legitimate path (a Super Admin, a TENANT holder, an Admin within
 * its own reach) still works. The grant routes are read from the gateway's OpenAPI document
 * (`x-gatehouse-grant`), so a new grant route without an entry here fails the suite.
 */
describe('access: the escalation matrix of every grant route', () => {
  let root: string;
  let a: TenantWorld;
  let b: TenantWorld;
  let instanceAdmin: TestUser;
  let accessOnly: TestUser;
  let rolesA: Record<string, RoleView>;
  let adminsGroup: string;
  let viewersGroup: string;
  /** SCIM integrations of A: the Admin's, and a user manager's (USER, GROUP, GROUP_MEMBERSHIP only). */
  let adminScim: ScimClient;
  let managerScim: ScimClient;
  let groupEditorScim: ScimClient;
  /** A user manager of A (USER, GROUP, GROUP_MEMBERSHIP only), and a directory for identity providers' links. */
  let userManager: TestUser;
  let directory: LdapServer;
  /** A SAML IdP process, for sign-ins whose group mappings are judged again. */
  let samlIdpProcess: SamlTestIdp;
  const DIRECTORY_PEOPLE = ['mx-one', 'mx-two', 'mx-three', 'mx-four'];

  const T = () => `/api/v1/${a.tenant}`;
  const as = (token: string) => ({
    post: (path: string, body: unknown = {}) => api().post(path).set(...bearer(token)).send(body as object),
    patch: (path: string, body: unknown) => api().patch(path).set(...bearer(token)).send(body as object),
    put: (path: string, body: unknown) => api().put(path).set(...bearer(token)).send(body as object),
    delete: (path: string) => api().delete(path).set(...bearer(token)),
  });
  const sessionOf = (token: string): string => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sid;
  const refused = (response: Response, status: number, rule?: string) => {
    expect({ status: response.status, rule: response.body.rule }).toEqual({ status, rule: rule ?? response.body.rule });
    expect(response.headers['content-type']).toContain('application/problem+json');
  };
  const deniedAtGateway = (response: Response, permission: string) => {
    expect(response.status).toBe(403);
    expect(response.body.permission).toBe(permission);
  };
  const ok = (response: Response) => {
    if (response.status >= 300) throw new Error(`expected success, got ${response.status} ${JSON.stringify(response.body)}`);
  };
  const newUser = () => createUser(root);
  /** An LDAP provider's body (a directory that need not answer unless `url` is given), with one group mapping. */
  const idp = (groupId?: string, tenantId?: string, url = 'ldaps://ldap.matrix.example.invalid') => ({
    type: 'ldap', name: unique('idp'), ldap: { url, userBase: 'ou=people,dc=example,dc=com' },
    groupMappings: groupId ? [{ providerGroup: 'staff', groupId, ...(tenantId ? { tenantId } : {}) }] : [],
  });
  /** A SAML provider's body (its metadata pasted: no IdP needs to answer), with one group mapping. */
  const samlSigning = generateSigningKey('/CN=Matrix SAML IdP');
  const samlIdp = (groupId?: string, tenantId?: string) => ({
    type: 'saml', name: unique('saml'), jitProvisioning: true,
    saml: { metadataXml: idpMetadata({ entityId: 'https://idp.matrix.example.invalid/idp', ssoUrl: 'https://idp.matrix.example.invalid/sso', ...samlSigning }) },
    groupMappings: groupId ? [{ providerGroup: 'staff', groupId, ...(tenantId ? { tenantId } : {}) }] : [],
  });
  const membersOf = async (groupId: string) =>
    (await api().get(`${T()}/groups/${groupId}/members`).set(...bearer(root)).expect(200)).body.results.map((m: { memberId: string }) => m.memberId);
  const bindingsOf = async (subjectId: string) =>
    (await api().get(`${T()}/bindings`).query({ subjectId }).set(...bearer(root)).expect(200)).body.total as number;

  beforeAll(async () => {
    root = await superAdminToken();
    a = await createTenantWorld(root, 'mxa');
    b = await createTenantWorld(root, 'mxb');
    rolesA = await rolesByName(root, a.tenant);
    instanceAdmin = await newUser();
    await bindInstanceRole(root, 'Instance Admin', instanceAdmin.user.id);
    accessOnly = await newUser();
    const accessRole = await createRole(root, a.tenant, {
      name: unique('access-only'), permissions: { GROUP_MEMBERSHIP: ['CREATE', 'READ', 'UPDATE', 'DELETE'], ROLE: ['CREATE', 'READ', 'UPDATE', 'DELETE'], BINDING: ['CREATE', 'READ', 'UPDATE', 'DELETE'] },
    });
    await bindRole(root, a.tenant, { roleId: accessRole.id, subjectId: accessOnly.user.id });
    adminsGroup = (await createGroup(root, a.tenant, unique('admins'))).id;
    await bindRole(root, a.tenant, { roleId: rolesA.Admin.id, subjectType: 'GROUP', subjectId: adminsGroup });
    viewersGroup = (await createGroup(root, a.tenant, unique('viewers'))).id;
    await bindRole(root, a.tenant, { roleId: rolesA.Viewer.id, subjectType: 'GROUP', subjectId: viewersGroup });
    adminScim = scimClient(await createIntegration(a.admin.token, a.tenant));
    const crud = ['CREATE', 'READ', 'UPDATE', 'DELETE'];
    const manager = await newUser();
    userManager = manager;
    await bindRole(root, a.tenant, { roleId: (await createRole(root, a.tenant, { name: unique('user-managers'), permissions: { USER: crud, GROUP: crud, GROUP_MEMBERSHIP: crud } })).id, subjectId: manager.user.id });
    managerScim = scimClient(await createIntegration(manager.token, a.tenant));
    const suffix = 'dc=example,dc=com';
    directory = await LdapServer.start({
      suffix,
      seed: [`dn: ou=people,${suffix}\nobjectClass: organizationalUnit\nou: people\n`, ...DIRECTORY_PEOPLE.map((uid) => ldapPerson(suffix, uid, { password: `${uid}-pass` }))].join('\n'),
    });
    samlIdpProcess = await SamlTestIdp.start({ accounts: { 'mx-saml': { attributes: { email: 'mx-saml@matrix.example.invalid', groups: ['staff'] } } } });
    const groupEditor = await newUser();
    await bindRole(root, a.tenant, { roleId: (await createRole(root, a.tenant, { name: unique('group-editors'), permissions: { USER: crud, GROUP: crud } })).id, subjectId: groupEditor.user.id });
    groupEditorScim = scimClient(await createIntegration(groupEditor.token, a.tenant));
  }, 120_000);

  afterAll(async () => {
    // Instance-wide providers are offered to every sign-in of the shared system: an unknown username would
    // be asked of their (stopped or unresolvable) directories by the suites that run after this one.
    const providers = await api().get('/api/v1/identity-providers?size=100').set(...bearer(root));
    for (const provider of (providers.body.results ?? []) as Array<{ id: string }>) {
      await api().delete(`/api/v1/identity-providers/${provider.id}`).set(...bearer(root)).expect(204);
    }
    await directory?.stop();
    await samlIdpProcess?.stop();
  });

  /** A SAML sign-in through the IdP process, as a browser would: the start, the IdP's signed response to the ACS, the callback's finish. */
  const samlSignIn = async (provider: { id: string; saml: { acsUrl: string; spEntityId: string } }, account: string) => {
    const start = (await api().post(`/api/v1/login/providers/${provider.id}/start`).send({}).expect(200)).body as { redirectTo: string; binding: string };
    const request = await samlIdpProcess.authnRequest(start.redirectTo);
    const SAMLResponse = await samlIdpProcess.mint({ inResponseTo: request.id, acsUrl: provider.saml.acsUrl, audience: provider.saml.spEntityId, account });
    const acs = await api().post(`/saml/${provider.id}/acs`).type('form').send({ SAMLResponse, RelayState: new URL(start.redirectTo).searchParams.get('RelayState') as string });
    expect(acs.status).toBe(303);
    return api().post('/api/v1/session/federated').set('x-gatehouse-csrf', '1').send({ query: new URL(acs.headers.location).search.slice(1), binding: start.binding });
  };

  /** A SCIM refusal: the status and rule in a SCIM error body (application/scim+json). */
  const scimRefused = (response: Response, status: number, rule?: string) => {
    expect({ status: response.status, rule: response.body.rule }).toEqual({ status, rule: rule ?? response.body.rule });
    expect(response.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    expect(response.headers['content-type']).toContain('application/scim+json');
  };
  /** A user provisioned into A by the Admin's integration: its SCIM id. */
  const provisioned = async () => (await adminScim.post('/Users', scimUser(`${unique('prov')}@gatehouse.test`)).expect(201)).body.id as string;
  const scimMembersOf = async (groupId: string) => ((await adminScim.get(`/Groups/${groupId}`).expect(200)).body.members as Array<{ value: string }>).map((m) => m.value);
  /** A verified user who is Admin of B (beyond A's admins for credentials and account actions), linked into A by email. */
  const adminOfBLinkedIntoA = async () => {
    const user = await newUser();
    await bindRole(root, b.tenant, { roleId: b.adminRole.id, subjectId: user.user.id });
    const linked = await managerScim.post('/Users', scimUser(user.user.email as string)).expect(201);
    expect(linked.body.id).toBe(user.user.id);
    return user;
  };

  /** One entry per grant route: the attempts that must be refused and the legitimate path that must work. */
  const MATRIX: Record<string, () => Promise<void>> = {
    'POST /api/v1/{tenant}/bindings': async () => {
      const victim = await newUser();
      const body = (roleId: string, extra: object = {}) => ({ roleId, subjectType: 'USER', subjectId: victim.user.id, ...extra });
      refused(await as(a.admin.token).post(`${T()}/bindings`, body(rolesA.Admin.id)), 403, 'tenant-permission-required');
      deniedAtGateway(await as(instanceAdmin.token).post(`${T()}/bindings`, body(rolesA.Viewer.id)), 'BINDING');
      refused(await as(accessOnly.token).post(`${T()}/bindings`, body(rolesA.Viewer.id)), 403, 'no-permission-escalation');
      refused(await as(accessOnly.token).post(`${T()}/bindings`, body(rolesA.Admin.id)), 403, 'tenant-permission-required');
      refused(await as(accessOnly.token).post(`${T()}/bindings`, { ...body(rolesA.Admin.id), subjectType: 'GROUP', subjectId: viewersGroup }), 403, 'tenant-permission-required');
      // Scope rule (item 8): a namespace-limited binding carrying tenant-level permissions, even by a Super Admin.
      const auditors = await createRole(root, a.tenant, { name: unique('auditors'), permissions: { AUDITLOG: ['READ'], GROUP: ['DELETE'] } });
      const scoped = await as(root).post(`${T()}/bindings`, body(auditors.id, { namespaces: ['only.here'] }));
      refused(scoped, 422, 'tenant-level-permission-in-namespaced-binding');
      expect(scoped.body.permissions).toEqual(['AUDITLOG', 'GROUP']);
      expect(await bindingsOf(victim.user.id)).toBe(0);
      ok(await as(a.admin.token).post(`${T()}/bindings`, body(rolesA.Viewer.id)));
      ok(await as(root).post(`${T()}/bindings`, body(rolesA.Admin.id)));
    },
    'POST /api/v1/{tenant}/bindings/bulk': async () => {
      const victim = await newUser();
      const item = (roleId: string) => ({ roleId, subjectType: 'USER', subjectId: victim.user.id });
      const bulk = await as(a.admin.token).post(`${T()}/bindings/bulk`, { bindings: [item(rolesA.Viewer.id), item(rolesA.Admin.id)] });
      refused(bulk, 403, 'tenant-permission-required');
      expect(bulk.body.detail).toMatch(/^bindings\[1\]/);
      refused(await as(accessOnly.token).post(`${T()}/bindings/bulk`, { bindings: [item(rolesA.Editor.id)] }), 403, 'no-permission-escalation');
      expect(await bindingsOf(victim.user.id)).toBe(0);
      ok(await as(root).post(`${T()}/bindings/bulk`, { bindings: [item(rolesA.Viewer.id), item(rolesA.Admin.id)] }));
    },
    'POST /api/v1/bindings': async () => {
      const victim = await newUser();
      const instanceRoles = (await api().get('/api/v1/roles').set(...bearer(root)).expect(200)).body.results as RoleView[];
      const body = { roleId: instanceRoles.find((r) => r.name === 'Instance Admin')?.id, subjectType: 'USER', subjectId: victim.user.id };
      deniedAtGateway(await as(a.admin.token).post('/api/v1/bindings', body), 'BINDING');
      deniedAtGateway(await as(accessOnly.token).post('/api/v1/bindings', body), 'BINDING');
      // An Instance Admin grants Instance Admin (seed 000).
      ok(await as(instanceAdmin.token).post('/api/v1/bindings', body));
    },
    'POST /api/v1/{tenant}/groups/{id}/members': async () => {
      const victim = await newUser();
      const add = (token: string, groupId: string) => as(token).post(`${T()}/groups/${groupId}/members`, { memberType: 'USER', memberId: victim.user.id });
      refused(await add(a.admin.token, adminsGroup), 403, 'tenant-permission-required');
      deniedAtGateway(await add(instanceAdmin.token, adminsGroup), 'GROUP_MEMBERSHIP');
      refused(await add(accessOnly.token, adminsGroup), 403, 'tenant-permission-required');
      refused(await add(accessOnly.token, viewersGroup), 403, 'no-permission-escalation');
      // The Instance Admin cannot put itself in the Admin group either (it does not administer this tenant).
      const inGroup = await createRole(root, a.tenant, { name: unique('members'), permissions: { GROUP_MEMBERSHIP: ['CREATE', 'READ'] } });
      await bindRole(root, a.tenant, { roleId: inGroup.id, subjectId: instanceAdmin.user.id });
      refused(await as(instanceAdmin.token).post(`${T()}/groups/${adminsGroup}/members`, { memberType: 'USER', memberId: instanceAdmin.user.id }), 403);
      expect(await membersOf(adminsGroup)).not.toContain(victim.user.id);
      expect(await membersOf(adminsGroup)).not.toContain(instanceAdmin.user.id);
      ok(await add(a.admin.token, viewersGroup));
      ok(await add(root, adminsGroup));
    },
    'POST /api/v1/{tenant}/users/{userId}/groups': async () => {
      const victim = await newUser();
      const add = (token: string, groupId: string) => as(token).post(`${T()}/users/${victim.user.id}/groups`, { groupId });
      refused(await add(a.admin.token, adminsGroup), 403, 'tenant-permission-required');
      // Refused at the gateway without GROUP_MEMBERSHIP, by the guard with it (bound in the entry above).
      refused(await add(instanceAdmin.token, adminsGroup), 403);
      refused(await add(accessOnly.token, adminsGroup), 403, 'tenant-permission-required');
      expect(await membersOf(adminsGroup)).not.toContain(victim.user.id);
      ok(await add(a.admin.token, viewersGroup));
      ok(await add(root, adminsGroup));
    },
    'POST /api/v1/{tenant}/tenant-access': async () => {
      const victim = await newUser();
      refused(await as(a.admin.token).post(`${T()}/tenant-access`, { email: victim.user.email, groupIds: [adminsGroup] }), 403, 'tenant-permission-required');
      refused(await as(a.admin.token).post(`${T()}/tenant-access`, { email: victim.user.email, roles: [{ roleId: rolesA.Admin.id }] }), 403, 'tenant-permission-required');
      refused(await as(a.admin.token).post(`${T()}/tenant-access`, { email: victim.user.email, roles: [{ roleId: rolesA.Developer.id, namespaces: ['x'] }] }), 422);
      deniedAtGateway(await as(instanceAdmin.token).post(`${T()}/tenant-access`, { email: victim.user.email, groupIds: [viewersGroup] }), 'TENANT_ACCESS');
      expect(await membersOf(adminsGroup)).not.toContain(victim.user.id);
      ok(await as(a.admin.token).post(`${T()}/tenant-access`, { email: victim.user.email, groupIds: [viewersGroup], roles: [{ roleId: rolesA.Editor.id, namespaces: ['x'] }] }));
    },
    'POST /api/v1/{tenant}/invitations': async () => {
      const email = () => `${unique('invitee')}@gatehouse.test`;
      refused(await as(a.admin.token).post(`${T()}/invitations`, { email: email(), groupIds: [adminsGroup] }), 403, 'tenant-permission-required');
      refused(await as(a.admin.token).post(`${T()}/invitations`, { email: email(), roles: [{ roleId: rolesA.Admin.id }] }), 403, 'tenant-permission-required');
      deniedAtGateway(await as(instanceAdmin.token).post(`${T()}/invitations`, { email: email(), groupIds: [viewersGroup] }), 'INVITATION');
      ok(await as(a.admin.token).post(`${T()}/invitations`, { email: email(), groupIds: [viewersGroup] }));
      ok(await as(root).post(`${T()}/invitations`, { email: email(), groupIds: [adminsGroup] }));
    },
    'POST /api/v1/invitations/accept': async () => {
      // Judged again on what the inviter holds when the invitation is accepted.
      const inviter = await newUser();
      const binding = await bindRole(root, a.tenant, { roleId: rolesA.Admin.id, subjectId: inviter.user.id });
      const invitee = await newUser();
      const invitation = await as(inviter.token).post(`${T()}/invitations`, { email: invitee.user.email, roles: [{ roleId: rolesA.Editor.id }] });
      ok(invitation);
      const token = new URL(invitation.body.link).searchParams.get('token');
      await api().delete(`${T()}/bindings/${binding.id}`).set(...bearer(root)).expect(204);
      refused(await api().post('/api/v1/invitations/accept').send({ token }), 403, 'no-permission-escalation');
      expect(await bindingsOf(invitee.user.id)).toBe(0);
      const legit = await as(root).post(`${T()}/invitations`, { email: invitee.user.email, groupIds: [adminsGroup] });
      ok(await api().post('/api/v1/invitations/accept').send({ token: new URL(legit.body.link).searchParams.get('token') }));
      expect(await membersOf(adminsGroup)).toContain(invitee.user.id);
    },
    'POST /api/v1/{tenant}/roles': async () => {
      refused(await as(a.admin.token).post(`${T()}/roles`, { name: unique('default'), permissions: { ROLE: ['READ'] }, isDefault: true }), 403, 'tenant-permission-required');
      refused(await as(accessOnly.token).post(`${T()}/roles`, { name: unique('flows'), permissions: { FLOW: ['READ'] } }), 403, 'no-permission-escalation');
      refused(await as(instanceAdmin.token).post(`/api/v1/${b.tenant}/roles`, { name: unique('flows'), permissions: { FLOW: ['READ'] } }), 403, 'no-permission-escalation');
      ok(await as(a.admin.token).post(`${T()}/roles`, { name: unique('readers'), permissions: { FLOW: ['READ'] } }));
    },
    'PATCH /api/v1/{tenant}/roles/{id}': async () => {
      // Item 2: widening a bound role reaches its holders.
      const holder = await newUser();
      const custom = await createRole(a.admin.token, a.tenant, { name: unique('bound'), permissions: { FLOW: ['READ'] } });
      await bindRole(a.admin.token, a.tenant, { roleId: custom.id, subjectId: holder.user.id, namespaces: ['team'] });
      refused(await as(a.admin.token).patch(`${T()}/roles/${custom.id}`, { permissions: { FLOW: ['READ'], ROLE: ['CREATE', 'READ', 'UPDATE', 'DELETE'] } }), 422);
      const wide = await createRole(a.admin.token, a.tenant, { name: unique('wide'), permissions: { FLOW: ['READ'] } });
      await bindRole(a.admin.token, a.tenant, { roleId: wide.id, subjectId: holder.user.id });
      refused(await as(a.admin.token).patch(`${T()}/roles/${wide.id}`, { permissions: { FLOW: ['READ'], ROLE: ['CREATE', 'READ', 'UPDATE', 'DELETE'] } }), 403, 'tenant-permission-required');
      await api().post(`${T()}/roles`).set(...bearer(holder.token)).send({ name: unique('mine'), permissions: {} }).expect(403);
      // Item 3: the default role reaches everyone who joins.
      refused(await as(a.admin.token).patch(`${T()}/roles/${rolesA.Admin.id}`, { isDefault: true }), 403, 'tenant-permission-required');
      // An Instance Admin governs roles in every tenant, but cannot make Admin the default where it is not Admin.
      refused(await as(instanceAdmin.token).patch(`${T()}/roles/${rolesA.Admin.id}`, { isDefault: true }), 403, 'no-permission-escalation');
      refused(await as(accessOnly.token).patch(`${T()}/roles/${rolesA.Viewer.id}`, { isDefault: true }), 403, 'no-permission-escalation');
      const roles = await rolesByName(root, a.tenant);
      expect(roles.Admin.isDefault).toBe(false);
      ok(await as(a.admin.token).patch(`${T()}/roles/${rolesA.Viewer.id}`, { isDefault: true }));
      ok(await as(root).patch(`${T()}/roles/${wide.id}`, { permissions: { FLOW: ['READ'], ROLE: ['READ'] } }));
      ok(await as(a.admin.token).patch(`${T()}/roles/${rolesA.Viewer.id}`, { isDefault: false }));
    },
    'POST /api/v1/{tenant}/service-accounts/{id}/api-tokens': async () => {
      // Item 4: the service account is Admin of A; the Instance Admin is not.
      const path = `${T()}/service-accounts/${a.serviceAccount.id}/api-tokens`;
      refused(await as(instanceAdmin.token).post(path, { name: unique('steal') }), 403, 'no-credential-escalation');
      deniedAtGateway(await as(accessOnly.token).post(path, { name: unique('steal') }), 'SERVICE_ACCOUNT');
      ok(await as(a.admin.token).post(path, { name: unique('mine') }));
    },
    'POST /api/v1/{tenant}/users/{id}/api-tokens': async () => {
      // An admin's API token for a user of its tenant: it must hold everything the user holds, everywhere.
      const local = await newUser();
      ok(await as(root).post(`${T()}/tenant-access`, { email: local.user.email, groupIds: [viewersGroup] }));
      const created = await as(a.admin.token).post(`${T()}/users/${local.user.id}/api-tokens`, { name: unique('for-local') });
      ok(created);
      expect((await api().get('/api/v1/me').set(...bearer(created.body.token)).expect(200)).body.id).toBe(local.user.id);
      const wider = await newUser();
      ok(await as(root).post(`${T()}/tenant-access`, { email: wider.user.email, groupIds: [viewersGroup] }));
      await bindRole(root, b.tenant, { roleId: b.adminRole.id, subjectId: wider.user.id });
      refused(await as(a.admin.token).post(`${T()}/users/${wider.user.id}/api-tokens`, { name: unique('steal') }), 403, 'no-credential-escalation');
      refused(await as(a.admin.token).post(`${T()}/users/${(await newUser()).user.id}/api-tokens`, { name: unique('outsider') }), 404);
      deniedAtGateway(await as(accessOnly.token).post(`${T()}/users/${local.user.id}/api-tokens`, { name: unique('steal') }), 'USER');
      ok(await as(root).post(`${T()}/users/${wider.user.id}/api-tokens`, { name: unique('root') }));
    },
    'POST /api/v1/{tenant}/users/{id}/impersonate': async () => {
      // Acting as a user needs IMPERSONATE and everything the user holds there (the grant guard's impersonation rule).
      const local = await newUser();
      ok(await as(root).post(`${T()}/tenant-access`, { email: local.user.email, groupIds: [viewersGroup] }));
      const started = await as(a.admin.token).post(`${T()}/users/${local.user.id}/impersonate`);
      ok(started);
      expect((await api().get('/api/v1/me').set(...bearer(started.body.accessToken)).expect(200)).body.id).toBe(local.user.id);
      refused(await as(instanceAdmin.token).post(`${T()}/users/${local.user.id}/impersonate`), 403);
      deniedAtGateway(await as(accessOnly.token).post(`${T()}/users/${local.user.id}/impersonate`), 'IMPERSONATE');
      const wider = await newUser();
      ok(await as(root).post(`${T()}/tenant-access`, { email: wider.user.email, groupIds: [adminsGroup] }));
      await bindInstanceRole(root, 'Instance Admin', wider.user.id);
      refused(await as(a.admin.token).post(`${T()}/users/${wider.user.id}/impersonate`), 403, 'no-credential-escalation');
      refused(await as(a.admin.token).post(`${T()}/users/${a.admin.user.id}/impersonate`), 403, 'no-self-impersonation');
      refused(await as(a.admin.token).post(`${T()}/users/${b.admin.user.id}/impersonate`), 404);
      // Super Admins get no pass: the flag gives no tenant data.
      refused(await as(root).post(`${T()}/users/${local.user.id}/impersonate`), 403);
    },
    'POST /api/v1/users/{id}/api-tokens': async () => {
      // The Instance Admin governs users but holds no tenant data: not a token for A's Admin.
      refused(await as(instanceAdmin.token).post(`/api/v1/users/${a.admin.user.id}/api-tokens`, { name: unique('steal') }), 403, 'no-credential-escalation');
      deniedAtGateway(await as(a.admin.token).post(`/api/v1/users/${a.admin.user.id}/api-tokens`, { name: unique('x') }), 'USER');
      const me = await api().get('/api/v1/me').set(...bearer(root)).expect(200);
      refused(await as(instanceAdmin.token).post(`/api/v1/users/${me.body.id}/api-tokens`, { name: unique('steal') }), 403, 'no-credential-escalation');
      ok(await as(instanceAdmin.token).post(`/api/v1/users/${(await newUser()).user.id}/api-tokens`, { name: unique('plain') }));
      ok(await as(root).post(`/api/v1/users/${a.admin.user.id}/api-tokens`, { name: unique('root') }));
    },
    // A webhook is a standing read of an audit trail (authorization's audit-feed rule): AUDITLOG:READ in the tenant.
    'POST /api/v1/{tenant}/webhooks': async () => {
      const hook = { url: 'https://hooks.matrix.example.invalid/in', enabled: false };
      deniedAtGateway(await as(instanceAdmin.token).post(`${T()}/webhooks`, hook), 'AUDITLOG');
      deniedAtGateway(await as(accessOnly.token).post(`${T()}/webhooks`, hook), 'AUDITLOG');
      deniedAtGateway(await as(root).post(`${T()}/webhooks`, hook), 'AUDITLOG');
      deniedAtGateway(await as(b.admin.token).post(`${T()}/webhooks`, hook), 'AUDITLOG');
      const writer = await newUser();
      const writeOnly = await createRole(root, a.tenant, { name: unique('audit-write'), permissions: { AUDITLOG: ['CREATE', 'UPDATE'] } });
      await bindRole(root, a.tenant, { roleId: writeOnly.id, subjectId: writer.user.id });
      refused(await as(writer.token).post(`${T()}/webhooks`, hook), 403, 'audit-read-required');
      ok(await as(a.admin.token).post(`${T()}/webhooks`, hook));
    },
    'PATCH /api/v1/{tenant}/webhooks/{id}': async () => {
      const path = `${T()}/webhooks/${a.webhook.id}`;
      const retarget = { url: 'https://hooks.stolen.example.invalid/in' };
      const writer = await newUser();
      const writeOnly = await createRole(root, a.tenant, { name: unique('audit-update'), permissions: { AUDITLOG: ['UPDATE'] } });
      await bindRole(root, a.tenant, { roleId: writeOnly.id, subjectId: writer.user.id });
      refused(await as(writer.token).patch(path, retarget), 403, 'audit-read-required');
      deniedAtGateway(await as(instanceAdmin.token).patch(path, retarget), 'AUDITLOG');
      deniedAtGateway(await as(b.admin.token).patch(path, retarget), 'AUDITLOG');
      expect((await api().patch(`/api/v1/${b.tenant}/webhooks/${a.webhook.id}`).set(...bearer(b.admin.token)).send(retarget)).status).toBe(404);
      expect((await api().get(path).set(...bearer(a.admin.token))).body.url).toBe(a.webhook.url);
      ok(await as(a.admin.token).patch(path, { description: 'kept by its Admin' }));
    },
    // The instance-level audit trail: Super Admins only (an Instance Admin passes the gateway's TENANT check, not the rule).
    'POST /api/v1/notifications/webhooks': async () => {
      const hook = { url: 'https://hooks.instance.example.invalid/in', enabled: false };
      refused(await as(instanceAdmin.token).post('/api/v1/notifications/webhooks', hook), 403, 'super-admin-required');
      deniedAtGateway(await as(a.admin.token).post('/api/v1/notifications/webhooks', hook), 'TENANT');
      ok(await as(root).post('/api/v1/notifications/webhooks', hook));
    },
    'PATCH /api/v1/notifications/webhooks/{id}': async () => {
      const created = await as(root).post('/api/v1/notifications/webhooks', { url: 'https://hooks.instance2.example.invalid/in', enabled: false });
      ok(created);
      const path = `/api/v1/notifications/webhooks/${created.body.id}`;
      refused(await as(instanceAdmin.token).patch(path, { url: 'https://hooks.stolen.example.invalid/in' }), 403, 'super-admin-required');
      deniedAtGateway(await as(a.admin.token).patch(path, { url: 'https://hooks.stolen.example.invalid/in' }), 'TENANT');
      ok(await as(root).patch(path, { description: 'kept' }));
    },
    'POST /api/v1/{tenant}/oauth-clients': async () => {
      // A client acts for its owner: the service account is Admin of A (client_credentials), B's Admin holds B.
      const machine = (name: string) => ({ name: unique(name), type: 'confidential', ownerType: 'SERVICE_ACCOUNT', ownerId: a.serviceAccount.id });
      refused(await as(instanceAdmin.token).post(`${T()}/oauth-clients`, machine('steal')), 403, 'no-credential-escalation');
      deniedAtGateway(await as(accessOnly.token).post(`${T()}/oauth-clients`, machine('steal')), 'SERVICE_ACCOUNT');
      const forB = { name: unique('b-admin'), type: 'confidential', ownerType: 'USER', ownerId: b.admin.user.id, redirectUris: ['https://b.example.com/cb'] };
      refused(await as(a.admin.token).post(`${T()}/oauth-clients`, forB), 403, 'no-credential-escalation');
      ok(await as(a.admin.token).post(`${T()}/oauth-clients`, machine('mine')));
      ok(await as(instanceAdmin.token).post(`${T()}/oauth-clients`, { name: unique('own'), type: 'public', redirectUris: ['http://localhost:3000/cb'] }));
    },
    'POST /api/v1/{tenant}/oauth-clients/{id}/secret': async () => {
      const created = await as(root).post(`${T()}/oauth-clients`, { name: unique('rotate'), type: 'confidential', ownerType: 'SERVICE_ACCOUNT', ownerId: a.serviceAccount.id });
      ok(created);
      const path = `${T()}/oauth-clients/${created.body.id}/secret`;
      refused(await as(instanceAdmin.token).post(path), 403, 'no-credential-escalation');
      deniedAtGateway(await as(accessOnly.token).post(path), 'SERVICE_ACCOUNT');
      ok(await as(a.admin.token).post(path));
    },
    'PUT /api/v1/users/{id}/password': async () => {
      const victim = await newUser();
      refused(await as(instanceAdmin.token).put(`/api/v1/users/${victim.user.id}/password`, { password: 'Another-Pass-42x' }), 403, 'super-admin-required');
      deniedAtGateway(await as(a.admin.token).put(`/api/v1/users/${victim.user.id}/password`, { password: 'Another-Pass-42x' }), 'USER');
      ok(await as(root).put(`/api/v1/users/${victim.user.id}/password`, { password: 'Another-Pass-42x' }));
    },
    'POST /api/v1/me/api-tokens': async () => {
      // Only ever for the caller itself: the token acts as its owner, nothing more.
      const created = await as(accessOnly.token).post('/api/v1/me/api-tokens', { name: unique('own') });
      ok(created);
      const me = await api().get('/api/v1/me').set(...bearer(created.body.token)).expect(200);
      expect(me.body.id).toBe(accessOnly.user.id);
    },
    'POST /api/v1/users': async () => {
      refused(await as(instanceAdmin.token).post('/api/v1/users', { username: `${unique('sa')}@gatehouse.test`, password: 'Test-User-Pass-1', superAdmin: true }), 403, 'super-admin-required');
      deniedAtGateway(await as(a.admin.token).post('/api/v1/users', { username: `${unique('u')}@gatehouse.test`, password: 'Test-User-Pass-1' }), 'USER');
      ok(await as(instanceAdmin.token).post('/api/v1/users', { username: `${unique('u')}@gatehouse.test`, password: 'Test-User-Pass-1' }));
    },
    'PATCH /api/v1/users/{id}': async () => {
      const victim = await newUser();
      refused(await as(instanceAdmin.token).patch(`/api/v1/users/${instanceAdmin.user.id}`, { superAdmin: true }), 403, 'super-admin-required');
      refused(await as(instanceAdmin.token).patch(`/api/v1/users/${victim.user.id}`, { superAdmin: true }), 403, 'super-admin-required');
      deniedAtGateway(await as(a.admin.token).patch(`/api/v1/users/${victim.user.id}`, { superAdmin: true }), 'USER');
      ok(await as(instanceAdmin.token).patch(`/api/v1/users/${victim.user.id}`, { firstName: 'Renamed' }));
    },
    'POST /api/v1/users/{id}/password-reset': async () => {
      const victim = await newUser();
      deniedAtGateway(await as(a.admin.token).post(`/api/v1/users/${victim.user.id}/password-reset`), 'USER');
      const me = await api().get('/api/v1/me').set(...bearer(root)).expect(200);
      refused(await as(instanceAdmin.token).post(`/api/v1/users/${me.body.id}/password-reset`), 403, 'super-admin-required');
      ok(await as(instanceAdmin.token).post(`/api/v1/users/${victim.user.id}/password-reset`));
    },
    'POST /api/v1/{tenant}/groups/{id}/password-reset': async () => {
      // Item 5: B's Admin, found by exact email and added to a group of A, is beyond A's Admin for account actions.
      const group = await createGroup(a.admin.token, a.tenant, unique('mixed'));
      ok(await as(a.admin.token).post(`${T()}/tenant-access`, { email: b.admin.user.email, groupIds: [group.id] }));
      const reset = await as(a.admin.token).post(`${T()}/groups/${group.id}/password-reset`);
      refused(reset, 403, 'tenant-boundary');
      expect(reset.body.users).toEqual([b.admin.user.id]);
      const loginB = await api().post('/api/v1/login').send({ username: b.admin.username, password: b.admin.password });
      expect(loginB.status).toBe(200);
      const onlyA = await createGroup(a.admin.token, a.tenant, unique('only-a'));
      const local = await newUser();
      ok(await as(a.admin.token).post(`${T()}/tenant-access`, { email: local.user.email, groupIds: [onlyA.id] }));
      ok(await as(a.admin.token).post(`${T()}/groups/${onlyA.id}/password-reset`));
      // A Super Admin keeps instance-wide account actions (B's Admin is left alone: later entries sign in as it).
      const elsewhere = await newUser();
      await bindRole(root, b.tenant, { roleId: b.adminRole.id, subjectId: elsewhere.user.id });
      const mixed = await createGroup(root, a.tenant, unique('mixed-root'), [elsewhere.user.id]);
      refused(await as(a.admin.token).post(`${T()}/groups/${mixed.id}/password-reset`), 403, 'tenant-boundary');
      ok(await as(root).post(`${T()}/groups/${mixed.id}/password-reset`));
    },
    'POST /api/v1/{tenant}/users/{id}/password-reset': async () => {
      // Item 10: a tenant Admin resets one user of its tenant; not one who is also elsewhere.
      const local = await newUser();
      ok(await as(a.admin.token).post(`${T()}/tenant-access`, { email: local.user.email, groupIds: [viewersGroup] }));
      ok(await as(a.admin.token).post(`${T()}/users/${local.user.id}/password-reset`));
      const both = await newUser();
      ok(await as(a.admin.token).post(`${T()}/tenant-access`, { email: both.user.email, groupIds: [viewersGroup] }));
      ok(await as(b.admin.token).post(`/api/v1/${b.tenant}/tenant-access`, { email: both.user.email, groupIds: [b.group.id] }));
      refused(await as(a.admin.token).post(`${T()}/users/${both.user.id}/password-reset`), 403, 'tenant-boundary');
      refused(await as(a.admin.token).post(`${T()}/users/${(await newUser()).user.id}/password-reset`), 404);
      deniedAtGateway(await as(accessOnly.token).post(`${T()}/users/${local.user.id}/password-reset`), 'USER');
      ok(await as(instanceAdmin.token).post(`/api/v1/users/${both.user.id}/password-reset`));
    },
    'DELETE /api/v1/users/{id}/sessions': async () => {
      const victim = await newUser();
      deniedAtGateway(await as(a.admin.token).delete(`/api/v1/users/${victim.user.id}/sessions`), 'USER');
      const me = await api().get('/api/v1/me').set(...bearer(root)).expect(200);
      refused(await as(instanceAdmin.token).delete(`/api/v1/users/${me.body.id}/sessions`), 403, 'super-admin-required');
      ok(await as(instanceAdmin.token).delete(`/api/v1/users/${victim.user.id}/sessions`));
    },
    'DELETE /api/v1/users/{id}/sessions/{sessionId}': async () => {
      const victim = await newUser();
      const path = `/api/v1/users/${victim.user.id}/sessions/${sessionOf(victim.token)}`;
      deniedAtGateway(await as(accessOnly.token).delete(path), 'USER');
      ok(await as(instanceAdmin.token).delete(path));
    },
    'DELETE /api/v1/{tenant}/users/{id}/sessions': async () => {
      // Ending sessions is an account action: only while every tenant of the user is within the Admin's reach.
      const local = await newUser();
      ok(await as(a.admin.token).post(`${T()}/tenant-access`, { email: local.user.email, groupIds: [viewersGroup] }));
      const both = await newUser();
      ok(await as(a.admin.token).post(`${T()}/tenant-access`, { email: both.user.email, groupIds: [viewersGroup] }));
      ok(await as(b.admin.token).post(`/api/v1/${b.tenant}/tenant-access`, { email: both.user.email, groupIds: [b.group.id] }));
      refused(await as(a.admin.token).delete(`${T()}/users/${both.user.id}/sessions`), 403, 'tenant-boundary');
      refused(await as(a.admin.token).delete(`${T()}/users/${(await newUser()).user.id}/sessions`), 404);
      deniedAtGateway(await as(accessOnly.token).delete(`${T()}/users/${local.user.id}/sessions`), 'USER');
      ok(await as(a.admin.token).delete(`${T()}/users/${local.user.id}/sessions`));
    },
    'DELETE /api/v1/{tenant}/users/{id}/sessions/{sessionId}': async () => {
      const local = await newUser();
      ok(await as(a.admin.token).post(`${T()}/tenant-access`, { email: local.user.email, groupIds: [viewersGroup] }));
      const both = await newUser();
      ok(await as(a.admin.token).post(`${T()}/tenant-access`, { email: both.user.email, groupIds: [viewersGroup] }));
      await bindRole(root, b.tenant, { roleId: b.adminRole.id, subjectId: both.user.id });
      refused(await as(a.admin.token).delete(`${T()}/users/${both.user.id}/sessions/${sessionOf(both.token)}`), 403, 'tenant-boundary');
      ok(await as(a.admin.token).delete(`${T()}/users/${local.user.id}/sessions/${sessionOf(local.token)}`));
      refused(await as(a.admin.token).delete(`${T()}/users/${local.user.id}/sessions/${sessionOf(local.token)}`), 404);
    },
    'POST /api/v1/users/{id}/mfa-reset': async () => {
      // Admin recovery of second factors: an account action like ending sessions; a Super Admin's by a Super Admin only.
      const victim = await newUser();
      deniedAtGateway(await as(a.admin.token).post(`/api/v1/users/${victim.user.id}/mfa-reset`), 'USER');
      deniedAtGateway(await as(accessOnly.token).post(`/api/v1/users/${victim.user.id}/mfa-reset`), 'USER');
      const me = await api().get('/api/v1/me').set(...bearer(root)).expect(200);
      const superAdminReset = await as(instanceAdmin.token).post(`/api/v1/users/${me.body.id}/mfa-reset`);
      refused(superAdminReset, 403, 'no-credential-escalation');
      expect(superAdminReset.body.detail).toBe('Only a Super Admin can reset the second factors for a Super Admin');
      // Without its factors an account is one password away: the actor must hold all the user holds (a tenant's Admin here).
      refused(await as(instanceAdmin.token).post(`/api/v1/users/${a.admin.user.id}/mfa-reset`), 403, 'no-credential-escalation');
      ok(await as(instanceAdmin.token).post(`/api/v1/users/${victim.user.id}/mfa-reset`));
    },
    'POST /api/v1/{tenant}/users/{id}/mfa-reset': async () => {
      // Only while every tenant of the user is within the Admin's reach; a user of another tenant is not found.
      const local = await newUser();
      ok(await as(a.admin.token).post(`${T()}/tenant-access`, { email: local.user.email, groupIds: [viewersGroup] }));
      const both = await newUser();
      ok(await as(a.admin.token).post(`${T()}/tenant-access`, { email: both.user.email, groupIds: [viewersGroup] }));
      ok(await as(b.admin.token).post(`/api/v1/${b.tenant}/tenant-access`, { email: both.user.email, groupIds: [b.group.id] }));
      refused(await as(a.admin.token).post(`${T()}/users/${both.user.id}/mfa-reset`), 403, 'tenant-boundary');
      refused(await as(a.admin.token).post(`${T()}/users/${(await newUser()).user.id}/mfa-reset`), 404);
      deniedAtGateway(await as(accessOnly.token).post(`${T()}/users/${local.user.id}/mfa-reset`), 'USER');
      // A help desk that may update users (and holds what a Viewer holds) resets a Viewer, never an Admin of the tenant.
      const helpDesk = await newUser();
      const helpDeskRole = await createRole(root, a.tenant, { name: unique('help-desk'), permissions: { USER: ['READ', 'UPDATE'] } });
      await bindRole(root, a.tenant, { roleId: helpDeskRole.id, subjectId: helpDesk.user.id });
      await bindRole(root, a.tenant, { roleId: rolesA.Viewer.id, subjectId: helpDesk.user.id });
      const localAdmin = await newUser();
      ok(await as(root).post(`${T()}/tenant-access`, { email: localAdmin.user.email, groupIds: [adminsGroup] }));
      refused(await as(helpDesk.token).post(`${T()}/users/${localAdmin.user.id}/mfa-reset`), 403, 'no-credential-escalation');
      ok(await as(helpDesk.token).post(`${T()}/users/${local.user.id}/mfa-reset`));
      ok(await as(a.admin.token).post(`${T()}/users/${local.user.id}/mfa-reset`));
    },
    'POST /api/v1/tenants': async () => {
      const admin = await newUser();
      deniedAtGateway(await as(a.admin.token).post('/api/v1/tenants', { id: unique('t').slice(0, 40), name: 'x', adminUser: admin.username }), 'TENANT');
      deniedAtGateway(await as(accessOnly.token).post('/api/v1/tenants', { id: unique('t').slice(0, 40), name: 'x', adminUser: admin.username }), 'TENANT');
      ok(await as(instanceAdmin.token).post('/api/v1/tenants', { id: unique('t').slice(0, 40), name: 'x', adminUser: admin.username }));
    },
    // Provisioning (docs/scim.md): an integration acts with its owner's permissions, judged by the same guard.
    'POST /api/v1/{tenant}/integrations/{id}/scim/v2/Users': async () => {
      // A password synchronised for an existing account is a credential for it: the owner must hold what it holds.
      const wider = await newUser();
      await bindRole(root, b.tenant, { roleId: b.adminRole.id, subjectId: wider.user.id });
      scimRefused(await managerScim.post('/Users', scimUser(wider.user.email as string, { password: 'Taken-Over-42!' })), 403, 'no-credential-escalation');
      // Deactivating it at link time is an account action beyond A's reach.
      scimRefused(await adminScim.post('/Users', scimUser(wider.user.email as string, { active: false })), 403, 'tenant-boundary');
      expect((await adminScim.get('/Users', { filter: `userName eq "${wider.username}"` }).expect(200)).body.totalResults).toBe(0);
      expect((await api().post('/api/v1/login').send({ username: wider.username, password: wider.password })).status).toBe(200);
      ok(await managerScim.post('/Users', scimUser(`${unique('fresh')}@gatehouse.test`, { password: 'Fresh-Pass-42!' })));
    },
    'PUT /api/v1/{tenant}/integrations/{id}/scim/v2/Users/{resourceId}': async () => {
      const wider = await adminOfBLinkedIntoA();
      scimRefused(await managerScim.put(`/Users/${wider.user.id}`, scimUser(wider.username, { name: { givenName: 'Renamed' } })), 403, 'tenant-boundary');
      scimRefused(await managerScim.put(`/Users/${wider.user.id}`, scimUser(wider.username, { password: 'Taken-Over-42!' })), 403, 'no-credential-escalation');
      const account = await api().get(`/api/v1/users/${wider.user.id}`).set(...bearer(root)).expect(200);
      expect(account.body.firstName).toBe(wider.user.firstName);
      const local = await provisioned();
      ok(await managerScim.put(`/Users/${local}`, scimUser((await adminScim.get(`/Users/${local}`)).body.userName, { name: { givenName: 'Renamed' } })));
    },
    'PATCH /api/v1/{tenant}/integrations/{id}/scim/v2/Users/{resourceId}': async () => {
      const wider = await adminOfBLinkedIntoA();
      scimRefused(await adminScim.patch(`/Users/${wider.user.id}`, patchOp({ op: 'replace', path: 'active', value: false })), 403, 'tenant-boundary');
      scimRefused(await managerScim.patch(`/Users/${wider.user.id}`, patchOp({ op: 'add', path: 'password', value: 'Taken-Over-42!' })), 403, 'no-credential-escalation');
      expect((await api().post('/api/v1/login').send({ username: wider.username, password: wider.password })).status).toBe(200);
      ok(await managerScim.patch(`/Users/${await provisioned()}`, patchOp({ op: 'replace', path: 'active', value: false })));
    },
    'POST /api/v1/{tenant}/integrations/{id}/scim/v2/Groups': async () => {
      const member = await provisioned();
      // Adding members needs GROUP_MEMBERSHIP:CREATE of the owner; the group is not created either.
      const name = unique('scim-new');
      scimRefused(await groupEditorScim.post('/Groups', { schemas: [SCIM_GROUP_SCHEMA], displayName: name, members: [{ value: member }] }), 403, 'missing-permission');
      expect((await adminScim.get('/Groups', { filter: `displayName eq "${name}"` }).expect(200)).body.totalResults).toBe(0);
      scimRefused(await scimClient({ scimPath: `/api/v1/${a.tenant}/integrations/${a.oauthClient.id}/scim/v2`, secret: '' }, `ghscim_${'x'.repeat(60)}`).post('/Groups', { schemas: [SCIM_GROUP_SCHEMA], displayName: name }), 401);
      ok(await managerScim.post('/Groups', { schemas: [SCIM_GROUP_SCHEMA], displayName: name, members: [{ value: member }] }));
    },
    'PUT /api/v1/{tenant}/integrations/{id}/scim/v2/Groups/{resourceId}': async () => {
      const member = await provisioned();
      const current = (await adminScim.get(`/Groups/${adminsGroup}`).expect(200)).body;
      const withMember = { schemas: [SCIM_GROUP_SCHEMA], displayName: current.displayName, members: [...current.members, { value: member }] };
      // The group is bound to Admin, which carries ROLE: only a TENANT holder may let anyone gain it, even A's Admin.
      scimRefused(await managerScim.put(`/Groups/${adminsGroup}`, withMember), 403, 'tenant-permission-required');
      scimRefused(await adminScim.put(`/Groups/${adminsGroup}`, withMember), 403, 'tenant-permission-required');
      expect(await scimMembersOf(adminsGroup)).not.toContain(member);
      const viewers = (await adminScim.get(`/Groups/${viewersGroup}`).expect(200)).body;
      scimRefused(await managerScim.put(`/Groups/${viewersGroup}`, { schemas: [SCIM_GROUP_SCHEMA], displayName: viewers.displayName, members: [...viewers.members, { value: member }] }), 403, 'no-permission-escalation');
      ok(await adminScim.put(`/Groups/${viewersGroup}`, { schemas: [SCIM_GROUP_SCHEMA], displayName: viewers.displayName, members: [...viewers.members, { value: member }] }));
    },
    'PATCH /api/v1/{tenant}/integrations/{id}/scim/v2/Groups/{resourceId}': async () => {
      // The SCIM request that would grant Admin through a group its integration's owner cannot grant.
      const member = await provisioned();
      const addTo = (groupId: string, client: ScimClient) => client.patch(`/Groups/${groupId}`, patchOp({ op: 'add', path: 'members', value: [{ value: member }] }));
      scimRefused(await addTo(adminsGroup, managerScim), 403, 'tenant-permission-required');
      scimRefused(await addTo(adminsGroup, adminScim), 403, 'tenant-permission-required');
      scimRefused(await addTo(viewersGroup, managerScim), 403, 'no-permission-escalation');
      scimRefused(await addTo(viewersGroup, groupEditorScim), 403, 'missing-permission');
      expect(await scimMembersOf(adminsGroup)).not.toContain(member);
      expect(await membersOf(viewersGroup)).not.toContain(member);
      ok(await addTo(viewersGroup, adminScim));
      expect(await membersOf(viewersGroup)).toContain(member);
    },
    // Federation (docs/federation.md): a group mapping makes a directory add anyone to the group; a link is a credential.
    'POST /api/v1/{tenant}/identity-providers': async () => {
      const path = `${T()}/identity-providers`;
      const count = async () => (await api().get(path).set(...bearer(root)).expect(200)).body.total as number;
      const before = await count();
      // The group is bound to Admin (which carries ROLE): only a TENANT holder may let a directory grant it, even A's Admin.
      refused(await as(a.admin.token).post(path, idp(adminsGroup)), 403, 'tenant-permission-required');
      refused(await as(userManager.token).post(path, idp(viewersGroup)), 403, 'no-permission-escalation');
      deniedAtGateway(await as(accessOnly.token).post(path, idp(viewersGroup)), 'USER');
      deniedAtGateway(await as(b.admin.token).post(path, idp(viewersGroup)), 'USER');
      // A SAML provider's mappings are judged alike.
      refused(await as(a.admin.token).post(path, samlIdp(adminsGroup)), 403, 'tenant-permission-required');
      refused(await as(userManager.token).post(path, samlIdp(viewersGroup)), 403, 'no-permission-escalation');
      expect(await count()).toBe(before);
      ok(await as(a.admin.token).post(path, idp(viewersGroup)));
      ok(await as(a.admin.token).post(path, samlIdp(viewersGroup)));
      ok(await as(root).post(path, idp(adminsGroup)));
      // At each sign-in the mappings are judged again as the owner: a group bound to Viewer after the user manager's
      // save is not theirs to grant, so a SAML sign-in (a just-in-time account) gets no membership of it.
      const plain = (await createGroup(root, a.tenant, unique('plain'))).id;
      const owned = await as(userManager.token).post(path, {
        type: 'saml', name: unique('saml-jit'), jitProvisioning: true, saml: { metadataUrl: samlIdpProcess.metadataUrl },
        groupMappings: [{ providerGroup: 'staff', groupId: plain }],
      });
      ok(owned);
      await bindRole(root, a.tenant, { roleId: rolesA.Viewer.id, subjectType: 'GROUP', subjectId: plain });
      refused(await samlSignIn(owned.body, 'mx-saml'), 403, 'no-permission-escalation');
      expect(await membersOf(plain)).toEqual([]);
    },
    'PATCH /api/v1/{tenant}/identity-providers/{id}': async () => {
      const created = await as(a.admin.token).post(`${T()}/identity-providers`, idp());
      ok(created);
      const path = `${T()}/identity-providers/${created.body.id}`;
      const mapTo = (groupId: string) => ({ groupMappings: [{ providerGroup: 'staff', groupId }] });
      refused(await as(a.admin.token).patch(path, mapTo(adminsGroup)), 403, 'tenant-permission-required');
      refused(await as(userManager.token).patch(path, mapTo(viewersGroup)), 403, 'no-permission-escalation');
      expect((await api().patch(`/api/v1/${b.tenant}/identity-providers/${created.body.id}`).set(...bearer(b.admin.token)).send(mapTo(viewersGroup))).status).toBe(404);
      expect((await api().get(path).set(...bearer(root)).expect(200)).body.groupMappings).toEqual([]);
      ok(await as(a.admin.token).patch(path, mapTo(viewersGroup)));
      ok(await as(root).patch(path, mapTo(adminsGroup)));
    },
    'POST /api/v1/identity-providers': async () => {
      const body = (groupId: string) => idp(groupId, a.tenant);
      deniedAtGateway(await as(a.admin.token).post('/api/v1/identity-providers', body(viewersGroup)), 'TENANT');
      // An Instance Admin has no tenant data: it cannot let a directory hand out A's Admin group.
      refused(await as(instanceAdmin.token).post('/api/v1/identity-providers', body(adminsGroup)), 403);
      refused(await as(instanceAdmin.token).post('/api/v1/identity-providers', samlIdp(adminsGroup, a.tenant)), 403);
      ok(await as(root).post('/api/v1/identity-providers', body(adminsGroup)));
      ok(await as(root).post('/api/v1/identity-providers', samlIdp(adminsGroup, a.tenant)));
    },
    'PATCH /api/v1/identity-providers/{id}': async () => {
      const created = await as(root).post('/api/v1/identity-providers', idp());
      ok(created);
      const path = `/api/v1/identity-providers/${created.body.id}`;
      const mapTo = (groupId: string) => ({ groupMappings: [{ providerGroup: 'staff', groupId, tenantId: a.tenant }] });
      deniedAtGateway(await as(a.admin.token).patch(path, mapTo(viewersGroup)), 'TENANT');
      refused(await as(instanceAdmin.token).patch(path, mapTo(adminsGroup)), 403);
      expect((await api().get(path).set(...bearer(root)).expect(200)).body.groupMappings).toEqual([]);
      ok(await as(root).patch(path, mapTo(adminsGroup)));
    },
    'POST /api/v1/{tenant}/identity-providers/{id}/links': async () => {
      const created = await as(a.admin.token).post(`${T()}/identity-providers`, idp(undefined, undefined, directory.url));
      ok(created);
      const path = `${T()}/identity-providers/${created.body.id}/links`;
      // Whoever holds the directory account signs in as the user: A's Admin cannot link an Admin of B who is also in A.
      const wider = await adminOfBLinkedIntoA();
      ok(await as(root).post(`${T()}/groups/${viewersGroup}/members`, { memberType: 'USER', memberId: wider.user.id }));
      refused(await as(a.admin.token).post(path, { userId: wider.user.id, login: 'mx-one' }), 403, 'no-credential-escalation');
      // Nor a user outside the tenant.
      expect((await as(a.admin.token).post(path, { userId: (await newUser()).user.id, login: 'mx-one' })).status).toBe(404);
      deniedAtGateway(await as(accessOnly.token).post(path, { userId: a.member.user.id, login: 'mx-one' }), 'USER');
      expect((await api().get(path).set(...bearer(root)).expect(200)).body.total).toBe(0);
      ok(await as(a.admin.token).post(path, { userId: a.member.user.id, login: 'mx-one' }));
      // A SAML account (its NameID) is a credential alike.
      const saml = await as(a.admin.token).post(`${T()}/identity-providers`, samlIdp());
      ok(saml);
      const samlLinks = `${T()}/identity-providers/${saml.body.id}/links`;
      refused(await as(a.admin.token).post(samlLinks, { userId: wider.user.id, login: 'saml-nameid-wider' }), 403, 'no-credential-escalation');
      expect((await api().get(samlLinks).set(...bearer(root)).expect(200)).body.total).toBe(0);
      ok(await as(a.admin.token).post(samlLinks, { userId: a.member.user.id, login: 'saml-nameid-member' }));
    },
    'POST /api/v1/identity-providers/{id}/links': async () => {
      const created = await as(root).post('/api/v1/identity-providers', idp(undefined, undefined, directory.url));
      ok(created);
      const path = `/api/v1/identity-providers/${created.body.id}/links`;
      const superAdmin = await newUser();
      ok(await as(root).patch(`/api/v1/users/${superAdmin.user.id}`, { superAdmin: true }));
      refused(await as(instanceAdmin.token).post(path, { userId: superAdmin.user.id, login: 'mx-two' }), 403, 'no-credential-escalation');
      deniedAtGateway(await as(a.admin.token).post(path, { userId: superAdmin.user.id, login: 'mx-two' }), 'TENANT');
      ok(await as(root).post(path, { userId: superAdmin.user.id, login: 'mx-two' }));
      ok(await as(instanceAdmin.token).post(path, { userId: (await newUser()).user.id, login: 'mx-three' }));
    },
    'PUT /api/v1/users/{id}/authentication': async () => {
      const superAdmin = await newUser();
      ok(await as(root).patch(`/api/v1/users/${superAdmin.user.id}`, { superAdmin: true }));
      deniedAtGateway(await as(a.admin.token).put(`/api/v1/users/${superAdmin.user.id}/authentication`, { password: true }), 'USER');
      refused(await as(instanceAdmin.token).put(`/api/v1/users/${superAdmin.user.id}/authentication`, { password: false }), 403, 'super-admin-required');
      ok(await as(instanceAdmin.token).put(`/api/v1/users/${(await newUser()).user.id}/authentication`, { password: true }));
    },
    'PUT /api/v1/{tenant}/users/{id}/authentication': async () => {
      const wider = await adminOfBLinkedIntoA();
      ok(await as(root).post(`${T()}/groups/${viewersGroup}/members`, { memberType: 'USER', memberId: wider.user.id }));
      refused(await as(a.admin.token).put(`${T()}/users/${wider.user.id}/authentication`, { password: false }), 403, 'tenant-boundary');
      expect((await as(a.admin.token).put(`${T()}/users/${(await newUser()).user.id}/authentication`, { password: false })).status).toBe(404);
      ok(await as(a.admin.token).put(`${T()}/users/${a.member.user.id}/authentication`, { password: true }));
    },
    'POST /api/v1/setup': async () => {
      refused(await api().post('/api/v1/setup').send({ username: `${unique('late')}@gatehouse.test`, password: 'Test-User-Pass-1' }), 409);
    },
  };

  it('has an entry for every grant route of the gateway, and no entry for a route that is not one', async () => {
    const grantRoutes = operationsOf(await loadOpenApi()).filter((op) => op.grants).map(describeOperation).sort();
    expect(grantRoutes.length).toBeGreaterThan(15);
    expect(Object.keys(MATRIX).sort()).toEqual(grantRoutes);
  });

  it.each(Object.keys(MATRIX))('%s', async (route) => {
    await MATRIX[route]();
  }, 60_000);
});
