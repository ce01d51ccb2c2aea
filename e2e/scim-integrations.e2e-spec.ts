import type { IntegrationView, IntegrationWithSecret, Page } from '@gatehouse/contracts';
import {
  api, bearer, bindRole, createGroup, createIntegration, createRole, createTenantWorld, createUser, login, patchOp, rolesByName, SCIM_GROUP_SCHEMA,
  scimClient, scimUser, superAdminToken, TenantWorld, TestUser, unique,
} from '@gatehouse/testing';
import { gatehouse, json } from './cli-support';
import { confirmInApp, consoleUrl, newPage, shot, signIn, useBrowser } from './console-support';

/**
 * Provisioning integrations (docs/scim.md) through the gateway, the CLI and the console: the secret shown
 * once and stored hashed, disabling, rotation and deletion refused at once; the secret good on its own SCIM
 * routes only; the integration acting with its owner's permissions and stopping when they are lost; a user
 * deprovisioned by SCIM refused on their very next request; the audit trail naming the integration.
 */
jest.setTimeout(120_000);

describe('SCIM provisioning integrations', () => {
  let root: string;
  let a: TenantWorld;
  let b: TenantWorld;
  let viewer: TestUser;
  const base = (w: TenantWorld) => `/api/v1/${w.tenant}/integrations`;
  const as = (token: string) => ({
    get: (path: string, query: Record<string, string> = {}) => api().get(path).query(query).set(...bearer(token)),
    post: (path: string, body: object = {}) => api().post(path).set(...bearer(token)).send(body),
    patch: (path: string, body: object) => api().patch(path).set(...bearer(token)).send(body),
    del: (path: string) => api().delete(path).set(...bearer(token)),
  });

  beforeAll(async () => {
    root = await superAdminToken();
    a = await createTenantWorld(root, 'sia');
    b = await createTenantWorld(root, 'sib');
    viewer = await createUser(root);
    await bindRole(root, a.tenant, { roleId: (await rolesByName(root, a.tenant)).Viewer.id, subjectId: viewer.user.id });
  });

  describe('API', () => {
    it('creates, lists, reads, renames, disables, enables, rotates and deletes an integration; the secret is shown once, and each change reaches the SCIM endpoint at once', async () => {
      const created = (await as(a.admin.token).post(base(a), { name: unique('entra') }).expect(201)).body as IntegrationWithSecret;
      expect(created).toMatchObject({ tenantId: a.tenant, enabled: true, ownerId: a.admin.user.id, scimPath: `/api/v1/${a.tenant}/integrations/${created.id}/scim/v2` });
      expect(created.secret).toMatch(/^ghscim_[\w-]{80,}$/);
      expect(created.secret.startsWith(created.secretPrefix)).toBe(true);
      const path = `${base(a)}/${created.id}`;
      const read = (await as(a.admin.token).get(path).expect(200)).body as IntegrationView;
      expect(JSON.stringify(read)).not.toContain(created.secret);
      const listed = (await as(a.admin.token).get(base(a), { q: created.name }).expect(200)).body as Page<IntegrationView>;
      expect(listed.results.map((i) => i.id)).toEqual([created.id]);
      await as(a.admin.token).post(base(a), { name: created.name }).expect(409);
      await as(a.admin.token).post(base(a), { name: '' }).expect(400);

      const scim = scimClient(created);
      await scim.get('/Users').expect(200);
      expect(((await as(a.admin.token).get(path).expect(200)).body as IntegrationView).lastUsedAt).not.toBeNull();
      await as(a.admin.token).patch(path, { enabled: false }).expect(200);
      expect((await scim.get('/Users')).status).toBe(401);
      await as(a.admin.token).patch(path, { enabled: true, name: unique('renamed') }).expect(200);
      await scim.get('/Users').expect(200);

      const rotated = (await as(a.admin.token).post(`${path}/secret`).expect(200)).body as IntegrationWithSecret;
      expect(rotated.secret).not.toBe(created.secret);
      expect((await scim.get('/Users')).status).toBe(401);
      const fresh = scimClient(rotated);
      await fresh.get('/Users').expect(200);
      await as(a.admin.token).del(path).expect(204);
      expect((await fresh.get('/Users')).status).toBe(401);
      await as(a.admin.token).get(path).expect(404);
      // Audited (disabled, enabled and renamed, rotated), and never with the secret: only its SHA-256 is stored.
      const types = async () =>
        ((await as(a.admin.token).get(`/api/v1/${a.tenant}/auditlogs/search`, { resourceType: 'INTEGRATION', resourceId: created.id }).expect(200)).body.results as Array<{ type: string }>)
          .map((e) => e.type).sort();
      const expected = ['CREATE', 'DELETE', 'UPDATE', 'UPDATE', 'UPDATE'];
      for (let attempt = 0; attempt < 50 && JSON.stringify(await types()) !== JSON.stringify(expected); attempt++) await new Promise((done) => setTimeout(done, 200));
      expect(await types()).toEqual(expected);
      const trail = await as(a.admin.token).get(`/api/v1/${a.tenant}/auditlogs/search`, { resourceType: 'INTEGRATION', resourceId: created.id }).expect(200);
      expect(JSON.stringify(trail.body)).not.toContain(created.secret);
    });

    it('needs USER in the tenant; another tenant\u2019s admin finds nothing of it', async () => {
      const mine = await createIntegration(a.admin.token, a.tenant);
      expect((await as(viewer.token).post(base(a), { name: unique('v') })).body).toMatchObject({ status: 403, permission: 'USER' });
      await as(b.admin.token).get(base(a)).expect(403);
      await as(b.admin.token).get(`${base(b)}/${mine.id}`).expect(404);
      await as(b.admin.token).del(`${base(b)}/${mine.id}`).expect(404);
    });

    it('holds the secret to its own SCIM routes: refused on the rest of the API, on another integration and in another tenant', async () => {
      const scim = scimClient(a.integration);
      expect((await api().get(`/api/v1/${a.tenant}/groups`).set(...bearer(a.integration.secret))).body).toMatchObject({ status: 403, rule: 'integration-scope' });
      expect((await api().get('/api/v1/me').set(...bearer(a.integration.secret))).status).toBe(403);
      expect((await api().post(`${base(a)}`).set(...bearer(a.integration.secret)).send({ name: 'x' })).status).toBe(403);
      const other = await createIntegration(a.admin.token, a.tenant);
      expect((await scimClient(other, a.integration.secret).get('/Users')).status).toBe(401);
      expect((await scimClient(b.integration, a.integration.secret).get('/Users')).status).toBe(401);
      // The same integration id under another tenant's path.
      expect((await scimClient({ scimPath: `/api/v1/${b.tenant}/integrations/${a.integration.id}/scim/v2`, secret: a.integration.secret }).get('/Users')).status).toBe(401);
      await scim.get('/Users').expect(200);
      // B's provisioned user is not A's to read.
      expect((await scim.get(`/Users/${b.scimUserId}`)).status).toBe(404);
    });
  });

  describe('acting as its owner', () => {
    it('a user deprovisioned by SCIM (active false) is refused on the next request through the gateway, with its access token and its API token', async () => {
      const person = await createUser(root);
      const scim = scimClient(a.integration);
      // The directory provisions the person: the same user, found by their verified address.
      const linked = (await scim.post('/Users', scimUser(person.user.email as string, { name: { givenName: 'Pat', familyName: 'Person' } })).expect(201)).body;
      expect(linked.id).toBe(person.user.id);
      const group = (await scim.post('/Groups', { schemas: [SCIM_GROUP_SCHEMA], displayName: unique('readers'), members: [{ value: person.user.id }] }).expect(201)).body;
      await bindRole(a.admin.token, a.tenant, { roleId: a.role.id, subjectType: 'GROUP', subjectId: group.id });
      const token = await login(person.username, person.password);
      const apiToken = (await api().post('/api/v1/me/api-tokens').set(...bearer(token)).send({ name: unique('t') }).expect(201)).body.token as string;
      await api().get(`/api/v1/${a.tenant}/groups`).set(...bearer(token)).expect(200);
      await api().get(`/api/v1/${a.tenant}/groups`).set(...bearer(apiToken)).expect(200);

      await scim.patch(`/Users/${person.user.id}`, patchOp({ op: 'replace', path: 'active', value: false })).expect(200);
      expect((await api().get(`/api/v1/${a.tenant}/groups`).set(...bearer(token))).status).toBe(401);
      expect((await api().get('/api/v1/me').set(...bearer(apiToken))).status).toBe(401);
      expect((await api().post('/api/v1/login').send({ username: person.username, password: person.password })).status).toBe(401);
      expect((await scim.get(`/Users/${person.user.id}`).expect(200)).body.active).toBe(false);

      await scim.patch(`/Users/${person.user.id}`, patchOp({ op: 'replace', value: { active: true } })).expect(200);
      const again = await login(person.username, person.password);
      await api().get(`/api/v1/${a.tenant}/groups`).set(...bearer(again)).expect(200);
    });

    it('stops when its owner loses the permissions, and when its owner is disabled', async () => {
      const owner = await createUser(root);
      const crud = ['CREATE', 'READ', 'UPDATE', 'DELETE'];
      const role = await createRole(root, a.tenant, { name: unique('provisioners'), permissions: { USER: crud, GROUP: crud, GROUP_MEMBERSHIP: crud } });
      const binding = await bindRole(root, a.tenant, { roleId: role.id, subjectId: owner.user.id });
      const integration = await createIntegration(owner.token, a.tenant);
      const scim = scimClient(integration);
      const user = (await scim.post('/Users', scimUser(`${unique('owned')}@gatehouse.test`)).expect(201)).body;
      const group = (await scim.post('/Groups', { schemas: [SCIM_GROUP_SCHEMA], displayName: unique('owned') }).expect(201)).body;

      // Without GROUP_MEMBERSHIP, members can no longer be added (the grant guard judges the owner).
      await api().patch(`/api/v1/${a.tenant}/roles/${role.id}`).set(...bearer(root)).send({ permissions: { USER: crud, GROUP: crud } }).expect(200);
      const refused = await scim.patch(`/Groups/${group.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: user.id }] }));
      expect([refused.status, refused.body.rule, refused.headers['content-type']]).toEqual([403, 'missing-permission', expect.stringContaining('application/scim+json')]);
      // Without its binding, nothing at all: the gateway refuses the owner's USER and GROUP.
      await api().delete(`/api/v1/${a.tenant}/bindings/${binding.id}`).set(...bearer(root)).expect(204);
      const users = await scim.get('/Users');
      expect([users.status, users.body.schemas]).toEqual([403, ['urn:ietf:params:scim:api:messages:2.0:Error']]);
      expect((await scim.get('/Groups')).status).toBe(403);
      await bindRole(root, a.tenant, { roleId: role.id, subjectId: owner.user.id });
      await scim.get('/Users').expect(200);
      await api().post(`/api/v1/users/${owner.user.id}/disable`).set(...bearer(root)).expect(200);
      expect((await scim.get('/Users')).status).toBe(401);
    });

    it('records every change with the integration as actor (and its owner)', async () => {
      const scim = scimClient(a.integration);
      const user = (await scim.post('/Users', scimUser(`${unique('audited')}@gatehouse.test`)).expect(201)).body;
      const group = (await scim.post('/Groups', { schemas: [SCIM_GROUP_SCHEMA], displayName: unique('audited'), members: [{ value: user.id }] }).expect(201)).body;
      const search = async (query: Record<string, string>) =>
        (await api().get(`/api/v1/${a.tenant}/auditlogs/search`).query({ size: '100', ...query }).set(...bearer(a.admin.token)).expect(200)).body.results as Array<{
          actor: { type: string; id: string }; details?: Record<string, unknown>; resourceType: string; type: string;
        }>;
      const wanted = ['GROUP:CREATE', 'GROUP_MEMBERSHIP:CREATE', 'SCIM_USER:CREATE'];
      let entries: Awaited<ReturnType<typeof search>> = [];
      // The trail is written from each service's outbox: it catches up within moments.
      for (let attempt = 0; attempt < 50; attempt++) {
        entries = [...(await search({ resourceId: user.id })), ...(await search({ resourceId: group.id }))];
        if (wanted.every((w) => entries.some((e) => `${e.resourceType}:${e.type}` === w))) break;
        await new Promise((done) => setTimeout(done, 200));
      }
      expect(entries.map((e) => `${e.resourceType}:${e.type}`).sort()).toEqual(expect.arrayContaining(wanted));
      // The account itself is instance-level: its creation is in the instance trail, by the integration too.
      const account = (await api().get('/api/v1/auditlogs/search').query({ resourceId: user.id }).set(...bearer(root)).expect(200)).body.results;
      expect(account.map((e: { resourceType: string; type: string }) => `${e.resourceType}:${e.type}`)).toContain('USER:CREATE');
      for (const entry of [...entries, ...account]) {
        expect([entry.actor, entry.details?.integrationOwner]).toEqual([{ type: 'INTEGRATION', id: a.integration.id, username: null }, a.admin.user.id]);
      }
    });
  });

  describe('CLI', () => {
    const cli = (args: string[]) => gatehouse([...args, '--tenant', a.tenant, '--token', a.admin.token]);

    it('create prints the secret once (note on stderr); list, get, update, rotate-secret and delete', async () => {
      const name = unique('cli-directory');
      const created = cli(['integrations', 'create', name, '--output', 'json']);
      expect(created.status).toBe(0);
      expect(created.stderr).toContain('shown only this once');
      const integration = JSON.parse(created.stdout) as IntegrationWithSecret;
      expect(integration.secret).toMatch(/^ghscim_/);
      await scimClient(integration).get('/ServiceProviderConfig').expect(200);
      const table = cli(['integrations', 'list', '--q', name]);
      expect([table.status, table.stdout.includes(integration.id), table.stdout.includes(integration.secret)]).toEqual([0, true, false]);
      expect(json<IntegrationView>(cli(['integrations', 'get', name, '--output', 'json']))).toMatchObject({ id: integration.id, scimPath: integration.scimPath });
      expect(json<IntegrationView>(cli(['integrations', 'update', name, '--enabled', 'false', '--output', 'json'])).enabled).toBe(false);
      expect((await scimClient(integration).get('/Users')).status).toBe(401);
      expect(cli(['integrations', 'update', name]).status).toBe(2);
      const rotated = cli(['integrations', 'rotate-secret', name, '--output', 'json']);
      expect([rotated.status, rotated.stderr.includes('shown only this once')]).toEqual([0, true]);
      expect((JSON.parse(rotated.stdout) as IntegrationWithSecret).secret).not.toBe(integration.secret);
      expect(cli(['integrations', 'delete', name]).status).toBe(0);
      await as(a.admin.token).get(`${base(a)}/${integration.id}`).expect(404);
      const denied = gatehouse(['integrations', 'create', unique('nope'), '--tenant', a.tenant, '--token', viewer.token]);
      expect([denied.status, denied.stderr.includes('403')]).toEqual([1, true]);
    });
  });

  describe('console (Chromium)', () => {
    const { browser } = useBrowser();

    it('a tenant Admin creates an integration, sees its secret and SCIM URL once, and disables it', async () => {
      const page = await newPage(browser());
      await signIn(page, a.admin.username, a.admin.password);
      await page.goto(`${consoleUrl()}/t/${a.tenant}/integrations`);
      await page.getByRole('heading', { name: 'Provisioning' }).waitFor();
      await page.getByRole('link', { name: 'Create' }).click();
      const name = unique('console-directory');
      await page.getByLabel('Name', { exact: true }).fill(name);
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      const secret = (await page.getByTestId('integration-secret').textContent())?.trim() ?? '';
      expect(secret).toMatch(/^ghscim_/);
      const scimUrl = (await page.getByTestId('scim-url').textContent())?.trim() ?? '';
      expect(scimUrl).toMatch(new RegExp(`/api/v1/${a.tenant}/integrations/[0-9a-f-]{36}/scim/v2$`));
      await shot(page, '40-integration-secret');
      const config = await api().get(`${new URL(scimUrl).pathname}/ServiceProviderConfig`).set(...bearer(secret));
      expect(config.status).toBe(200);
      await page.getByRole('button', { name: 'Done' }).click();
      await page.getByRole('heading', { name }).waitFor();
      expect(await page.content()).not.toContain(secret);
      await page.getByLabel(/Enabled/).uncheck();
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByRole('status').waitFor();
      expect((await api().get(`${new URL(scimUrl).pathname}/ServiceProviderConfig`).set(...bearer(secret))).status).toBe(401);

      // Rotating shows the new secret once; deleting asks for the name, then leaves for the list with a notice.
      await page.getByRole('button', { name: 'Rotate secret' }).click();
      await confirmInApp(page, 'Rotate secret');
      const rotated = (await page.getByTestId('integration-secret').textContent())?.trim() ?? '';
      expect(rotated).toMatch(/^ghscim_/);
      expect(rotated).not.toBe(secret);
      await page.getByRole('button', { name: 'Done' }).click();
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      await confirmInApp(page, 'Delete integration', name);
      await page.getByText(`Integration ${name} deleted.`).waitFor();
      expect(new URL(page.url()).pathname).toBe(`/ui/t/${a.tenant}/integrations`);
      expect((await api().get(`${new URL(scimUrl).pathname}/ServiceProviderConfig`).set(...bearer(rotated))).status).toBe(401);
    });
  });

  it('keeps groups a Super Admin made and users it added out of SCIM\u2019s writes (only SCIM-provisioned users become members)', async () => {
    const scim = scimClient(a.integration);
    const outsider = await createUser(root);
    const group = await createGroup(root, a.tenant, unique('manual'), [outsider.user.id]);
    const read = (await scim.get(`/Groups/${group.id}`).expect(200)).body;
    expect(read.members.map((m: { value: string }) => m.value)).toEqual([outsider.user.id]);
    const stranger = await createUser(root);
    const refused = await scim.patch(`/Groups/${group.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: stranger.user.id }] }));
    expect([refused.status, refused.body.scimType]).toEqual([400, 'invalidValue']);
  });
});
