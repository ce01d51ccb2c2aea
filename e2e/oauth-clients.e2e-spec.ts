import type { CreatedOAuthClient, OAuthClientView, OAuthClientWithSecret, Page } from '@gatehouse/contracts';
import {
  api, bearer, bindRole, createRole, createTenantWorld, createUser, rolesByName, superAdminToken, TenantWorld, TestUser, unique,
} from '@gatehouse/testing';
import { gatehouse, json } from './cli-support';
import { consoleUrl, newPage, shot, signIn, useBrowser } from './console-support';

/**
 * OAuth clients through the gateway (`/api/v1/{tenant}/oauth-clients`), the CLI and the console: CRUD,
 * the secret shown once and never again, and the deny paths (permission, tenant boundary, the grant guard).
 */
jest.setTimeout(120_000);

describe('OAuth clients', () => {
  let root: string;
  let a: TenantWorld;
  let b: TenantWorld;
  let viewer: TestUser;
  let saManager: TestUser;
  const base = (w: TenantWorld) => `/api/v1/${w.tenant}/oauth-clients`;
  const as = (token: string) => ({
    get: (path: string, query: Record<string, string> = {}) => api().get(path).query(query).set(...bearer(token)),
    post: (path: string, body: object = {}) => api().post(path).set(...bearer(token)).send(body),
    patch: (path: string, body: object) => api().patch(path).set(...bearer(token)).send(body),
    del: (path: string) => api().delete(path).set(...bearer(token)),
  });
  const web = (name: string) => ({ name: unique(name), type: 'confidential', redirectUris: ['https://app.example.com/callback'] });

  beforeAll(async () => {
    root = await superAdminToken();
    a = await createTenantWorld(root, 'oca');
    b = await createTenantWorld(root, 'ocb');
    const roles = await rolesByName(root, a.tenant);
    viewer = await createUser(root);
    await bindRole(root, a.tenant, { roleId: roles.Viewer.id, subjectId: viewer.user.id });
    // Manages service accounts (and so OAuth clients), but holds nothing else.
    saManager = await createUser(root);
    const managers = await createRole(root, a.tenant, { name: unique('sa-managers'), permissions: { SERVICE_ACCOUNT: ['CREATE', 'READ', 'UPDATE', 'DELETE'] } });
    await bindRole(root, a.tenant, { roleId: managers.id, subjectId: saManager.user.id });
  }, 120_000);

  describe('API', () => {
    it('creates, reads, searches, updates, rotates and deletes a client; the secret is shown once and never again', async () => {
      const created = await as(a.admin.token).post(base(a), { ...web('web'), description: 'the web app', scopes: ['openid', 'email'], firstParty: true }).expect(201);
      const client = created.body as CreatedOAuthClient;
      expect(client).toMatchObject({
        tenantId: a.tenant, type: 'confidential', ownerType: 'USER', ownerId: a.admin.user.id, firstParty: true, scopes: ['openid', 'email'],
        grantTypes: ['authorization_code', 'refresh_token'], redirectUris: ['https://app.example.com/callback'],
      });
      expect(client.clientSecret).toMatch(/^ghcs_/);
      const secret = client.clientSecret as string;
      const path = `${base(a)}/${client.id}`;

      const read = await as(a.admin.token).get(path).expect(200);
      expect(read.body).not.toHaveProperty('clientSecret');
      const listed = await as(a.admin.token).get(base(a), { q: client.name }).expect(200);
      expect((listed.body as Page<OAuthClientView>).results.map((c) => c.id)).toEqual([client.id]);
      const byClientId = await as(a.admin.token).get(base(a), { q: client.clientId }).expect(200);
      expect(byClientId.body.total).toBe(1);

      const updated = await as(a.admin.token).patch(path, { redirectUris: ['https://app.example.com/callback', 'http://localhost:8080/cb'], firstParty: false }).expect(200);
      expect(updated.body).toMatchObject({ redirectUris: ['https://app.example.com/callback', 'http://localhost:8080/cb'], firstParty: false });
      const bad = await as(a.admin.token).patch(path, { redirectUris: ['https://ok.example.com/cb', 'http://evil.example.com/cb#x'] }).expect(400);
      expect(bad.headers['content-type']).toContain('application/problem+json');
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['redirectUris[1]']);
      const cc = await as(a.admin.token).patch(path, { grantTypes: ['client_credentials'] }).expect(400);
      expect(cc.body.errors[0].field).toBe('grantTypes');

      const rotated = (await as(a.admin.token).post(`${path}/secret`).expect(200)).body as OAuthClientWithSecret;
      expect(rotated.clientSecret).toMatch(/^ghcs_/);
      expect(rotated.clientSecret).not.toBe(secret);

      // Never again: no read, list or audit entry carries either secret.
      const reads = [
        (await as(a.admin.token).get(path).expect(200)).text,
        (await as(a.admin.token).get(base(a), { size: '500' }).expect(200)).text,
        (await as(a.admin.token).get(`/api/v1/${a.tenant}/auditlogs/search`, { size: '500' }).expect(200)).text,
      ];
      for (const text of reads) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(rotated.clientSecret);
      }

      await as(a.admin.token).del(path).expect(204);
      await as(a.admin.token).get(path).expect(404);
    });

    it('a public client gets no secret and none to rotate; bad input is a 400 naming the field', async () => {
      const spa = (await as(a.admin.token).post(base(a), { name: unique('spa'), type: 'public', redirectUris: ['http://127.0.0.1:5173/cb'] }).expect(201)).body;
      expect(spa).not.toHaveProperty('clientSecret');
      expect(spa.secretCreatedAt).toBeNull();
      await as(a.admin.token).post(`${base(a)}/${spa.id}/secret`).expect(409);
      for (const [body, field] of [
        [{ name: 'x', type: 'secretive' }, 'type'],
        [{ name: 'x', type: 'public', redirectUris: ['ftp://x.example.com/cb'] }, 'redirectUris[0]'],
        [{ name: 'x', type: 'public', redirectUris: ['https://x.example.com/cb'], scopes: ['admin'] }, 'scopes'],
        [{ name: 'x', type: 'public', redirectUris: ['https://x.example.com/cb'], grantTypes: ['client_credentials'] }, 'grantTypes'],
        [{ name: 'x', type: 'confidential', ownerType: 'SERVICE_ACCOUNT', ownerId: b.serviceAccount.id }, 'ownerId'],
      ] as const) {
        const refused = await as(a.admin.token).post(base(a), body).expect(400);
        expect(refused.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
    });

    it('a service account owns a machine client (client_credentials); its API tokens keep working', async () => {
      const machine = (await as(a.admin.token).post(base(a), { name: unique('machine'), type: 'confidential', ownerType: 'SERVICE_ACCOUNT', ownerId: a.serviceAccount.id }).expect(201)).body;
      expect(machine).toMatchObject({ ownerType: 'SERVICE_ACCOUNT', ownerId: a.serviceAccount.id, grantTypes: ['client_credentials'], redirectUris: [] });
      expect(machine.clientSecret).toMatch(/^ghcs_/);
      await as(a.serviceAccountToken).get(`/api/v1/${a.tenant}/groups`).expect(200);
      // The service account, with its own API token, manages its own clients.
      const own = (await as(a.serviceAccountToken).post(base(a), { name: unique('own'), type: 'confidential' }).expect(201)).body;
      expect(own).toMatchObject({ ownerType: 'SERVICE_ACCOUNT', ownerId: a.serviceAccount.id });
    });
  });

  describe('deny paths', () => {
    it('a Viewer cannot create, change or rotate a client', async () => {
      const client = (await as(a.admin.token).post(base(a), web('viewed')).expect(201)).body;
      for (const response of [
        await as(viewer.token).post(base(a), web('mine')),
        await as(viewer.token).patch(`${base(a)}/${client.id}`, { name: 'renamed' }),
        await as(viewer.token).post(`${base(a)}/${client.id}/secret`),
        await as(viewer.token).del(`${base(a)}/${client.id}`),
      ]) {
        expect(response.status).toBe(403);
        expect(response.body.permission).toBe('SERVICE_ACCOUNT');
      }
    });

    it("a tenant Admin of A can neither see nor touch B's clients", async () => {
      const path = `${base(a)}/${b.oauthClient.id}`;
      await as(a.admin.token).get(path).expect(404);
      await as(a.admin.token).patch(path, { name: 'hijacked' }).expect(404);
      await as(a.admin.token).post(`${path}/secret`).expect(404);
      await as(a.admin.token).del(path).expect(404);
      const listed = await as(a.admin.token).get(base(a), { size: '500' }).expect(200);
      expect(listed.text).not.toContain(b.oauthClient.clientId);
      await as(a.admin.token).get(base(b)).expect(403);
      await as(a.admin.token).post(base(b), web('intruder')).expect(403);
      expect((await as(b.admin.token).get(`${base(b)}/${b.oauthClient.id}`).expect(200)).body.name).toBe(b.oauthClient.name);
    });

    it('a user cannot create a client owned by a service account that holds more than they do (no-credential-escalation)', async () => {
      const escalation = await as(saManager.token).post(base(a), { name: unique('steal'), type: 'confidential', ownerType: 'SERVICE_ACCOUNT', ownerId: a.serviceAccount.id });
      expect(escalation.status).toBe(403);
      expect(escalation.body.rule).toBe('no-credential-escalation');
      expect(escalation.headers['content-type']).toContain('application/problem+json');
      const theirs = await as(a.admin.token).post(base(a), { name: unique('sa-client'), type: 'confidential', ownerType: 'SERVICE_ACCOUNT', ownerId: a.serviceAccount.id }).expect(201);
      const rotate = await as(saManager.token).post(`${base(a)}/${theirs.body.id}/secret`);
      expect({ status: rotate.status, rule: rotate.body.rule }).toEqual({ status: 403, rule: 'no-credential-escalation' });
      // A service account holding nothing more than the user: allowed; and the user's own client.
      const weak = (await as(saManager.token).post(`/api/v1/${a.tenant}/service-accounts`, { name: unique('weak').toLowerCase().slice(0, 40) }).expect(201)).body;
      await as(saManager.token).post(base(a), { name: unique('weak-client'), type: 'confidential', ownerType: 'SERVICE_ACCOUNT', ownerId: weak.id }).expect(201);
      await as(saManager.token).post(base(a), web('own')).expect(201);
    });
  });

  describe('CLI', () => {
    const cli = (args: string[]) => gatehouse([...args, '--tenant', a.tenant, '--token', a.admin.token]);

    it('create prints the secret once (note on stderr); list, get, update, rotate-secret and delete', async () => {
      const name = unique('cli-app');
      const created = cli([
        'oauth-clients', 'create', name, '--redirect-uri', 'https://cli.example.com/cb', '--redirect-uri', 'http://localhost:9000/cb',
        '--scope', 'openid', '--scope', 'profile', '--first-party', '--output', 'json',
      ]);
      expect(created.status).toBe(0);
      expect(created.stderr).toContain('shown only this once');
      const client = JSON.parse(created.stdout) as CreatedOAuthClient;
      expect(client).toMatchObject({ name, type: 'confidential', firstParty: true, scopes: ['openid', 'profile'], redirectUris: ['https://cli.example.com/cb', 'http://localhost:9000/cb'] });
      const secret = client.clientSecret as string;
      expect(secret).toMatch(/^ghcs_/);

      const table = cli(['oauth-clients', 'list', '--q', name]);
      expect(table.status).toBe(0);
      expect(table.stdout).toContain(client.clientId);
      expect(table.stdout).not.toContain(secret);
      const got = json<OAuthClientView>(cli(['oauth-clients', 'get', client.clientId, '--output', 'json']));
      expect(got.id).toBe(client.id);
      expect(JSON.stringify(got)).not.toContain(secret);

      const updated = json<OAuthClientView>(cli(['oauth-clients', 'update', name, '--redirect-uri', 'https://cli.example.com/new', '--first-party', 'false', '--output', 'json']));
      expect(updated).toMatchObject({ redirectUris: ['https://cli.example.com/new'], firstParty: false });
      const refused = cli(['oauth-clients', 'update', name, '--redirect-uri', 'http://cli.example.com/plain']);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('redirectUris[0]');

      const rotated = cli(['oauth-clients', 'rotate-secret', name, '--output', 'json']);
      expect(rotated.status).toBe(0);
      expect(rotated.stderr).toContain('shown only this once');
      expect((JSON.parse(rotated.stdout) as OAuthClientWithSecret).clientSecret).not.toBe(secret);

      expect(cli(['oauth-clients', 'delete', name]).status).toBe(0);
      await as(a.admin.token).get(`${base(a)}/${client.id}`).expect(404);
    });

    it('--owner-service-account and --type public', async () => {
      const machine = json<CreatedOAuthClient>(cli(['oauth-clients', 'create', unique('cli-machine'), '--owner-service-account', a.serviceAccount.name, '--output', 'json']));
      expect(machine).toMatchObject({ ownerType: 'SERVICE_ACCOUNT', ownerId: a.serviceAccount.id, grantTypes: ['client_credentials'] });
      const spa = cli(['oauth-clients', 'create', unique('cli-spa'), '--type', 'public', '--redirect-uri', 'http://localhost:5173/cb', '--output', 'json']);
      expect(spa.status).toBe(0);
      expect(spa.stderr).not.toContain('shown only this once');
      expect(JSON.parse(spa.stdout)).not.toHaveProperty('clientSecret');
      const denied = gatehouse(['oauth-clients', 'create', unique('x'), '--owner-service-account', a.serviceAccount.id, '--tenant', a.tenant, '--token', saManager.token]);
      expect(denied.status).toBe(1);
      expect(denied.stderr).toContain('403');
    });
  });

  describe('console (Chromium)', () => {
    const { browser } = useBrowser();

    it('a tenant Admin creates a client and sees its secret once; the detail page edits redirect URIs', async () => {
      const page = await newPage(browser());
      await signIn(page, a.admin.username, a.admin.password);
      await page.goto(`${consoleUrl()}/t/${a.tenant}/oauth-clients`);
      await page.getByRole('heading', { name: 'OAuth clients' }).waitFor();
      await page.getByRole('link', { name: 'Create' }).click();
      const name = unique('console-app');
      await page.getByLabel('Name', { exact: true }).fill(name);
      await page.getByLabel('Redirect URIs (one per line)', { exact: true }).fill('http://plain.example.com/cb');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.locator('.field-error[data-field="redirectUris"]').waitFor();
      await page.getByLabel('Redirect URIs (one per line)', { exact: true }).fill('https://console.example.com/cb\nhttp://localhost:3000/cb');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      const secret = (await page.getByTestId('client-secret').textContent())?.trim() ?? '';
      expect(secret).toMatch(/^ghcs_/);
      await shot(page, '30-oauth-client-secret');
      await page.getByRole('button', { name: 'Done' }).click();
      await page.getByRole('heading', { name }).waitFor();

      const listed = (await as(a.admin.token).get(base(a), { q: name }).expect(200)).body as Page<OAuthClientView>;
      expect(listed.results).toHaveLength(1);
      expect(listed.results[0]).toMatchObject({ name, ownerId: a.admin.user.id, redirectUris: ['https://console.example.com/cb', 'http://localhost:3000/cb'] });
      expect(await page.content()).not.toContain(secret);

      await page.getByLabel('Redirect URIs (one per line)', { exact: true }).fill('https://console.example.com/other');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByRole('status').waitFor();
      const after = (await as(a.admin.token).get(`${base(a)}/${listed.results[0].id}`).expect(200)).body as OAuthClientView;
      expect(after.redirectUris).toEqual(['https://console.example.com/other']);
    });
  });
});
