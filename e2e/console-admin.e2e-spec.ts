import { api, bearer, SUPER_ADMIN, superAdminToken, unique, waitForMail } from '@gatehouse/testing';
import type { Page } from 'playwright-core';
import { consoleUrl, go, newPage, shot, sidebarLinks, signIn, useBrowser } from './console-support';

/**
 * The admin console against the shared system, in a real browser: the Super Admin creates a tenant,
 * a user, a role and a namespace binding; that user then sees only what the role allows.
 */
jest.setTimeout(60_000);

describe('console: administration', () => {
  const { browser } = useBrowser();
  const tenantId = unique('ui').slice(0, 30).toLowerCase();
  const username = `${unique('ada')}@gatehouse.test`;
  const password = 'Ada-Lovelace-1815';
  const roleName = `Auditors ${unique('r')}`;
  let admin: Page;
  let userId = '';

  beforeAll(async () => {
    await superAdminToken(); // set-up done (the set-up suite does it in a full run)
    admin = await newPage(browser());
  }, 30_000);

  it('serves the console under /ui/ with an SPA fallback and long-cached hashed assets', async () => {
    const index = await api().get('/ui/t/anything/users').expect(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.headers['cache-control']).toBe('no-cache');
    const asset = /\/ui\/assets\/[^"]+\.js/.exec(index.text)?.[0];
    expect(asset).toBeDefined();
    const js = await api().get(asset as string).expect(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    await api().get('/ui/assets/index-missing.js').expect(404).expect('content-type', /problem\+json/);
    await api().get('/ui').expect(301).expect('location', '/ui/');
  });

  it('refuses a wrong password with the problem detail and signs the Super Admin in', async () => {
    await admin.goto(`${consoleUrl()}/`);
    await admin.waitForURL(`${consoleUrl()}/login`);
    await admin.getByLabel('Username or email').fill(SUPER_ADMIN.username);
    await admin.getByLabel('Password', { exact: true }).fill('not-the-password');
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.getByRole('alert').waitFor();
    expect(await admin.getByRole('alert').textContent()).not.toMatch(/Unauthorized/i);
    expect(await admin.getByRole('alert').textContent()).toMatch(/password/i);
    await shot(admin, '04-login-error');
    await signIn(admin, SUPER_ADMIN.username, SUPER_ADMIN.password);
    await admin.locator('[data-testid="administration"]').waitFor();
  });

  it('creates a tenant (a bad id is named next to its field, nothing is created)', async () => {
    await admin.getByRole('link', { name: 'Tenants' }).click();
    await admin.getByRole('heading', { name: 'Tenants' }).waitFor();
    await admin.getByRole('link', { name: 'Create' }).click();
    await admin.getByLabel('Id', { exact: true }).fill('Bad Id!');
    await admin.getByLabel('Name', { exact: true }).fill('UI tenant');
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.locator('.field-error[data-field="id"]').waitFor();
    await shot(admin, '05-tenant-create-error');
    await admin.getByLabel('Id', { exact: true }).fill(tenantId);
    await admin.getByLabel('Worker group').fill('gpu');
    await admin.getByRole('button', { name: 'Save' }).click();
    // One navigation per tenant: it opens at /t/{id}, its Settings section.
    await admin.waitForURL(`${consoleUrl()}/t/${tenantId}/settings`);
    await admin.getByRole('heading', { name: 'UI tenant' }).waitFor();
    await admin.locator('nav.sidebar section', { has: admin.locator('h2', { hasText: tenantId }) }).locator('a', { hasText: 'Settings' }).waitFor();
    expect(await sidebarLinks(admin, tenantId)).toEqual(['Users', 'Service accounts', 'OAuth clients', 'Provisioning', 'Identity providers', 'Groups', 'Access', 'Invitations', 'Roles', 'Audit log', 'Webhooks', 'Settings']);
    await shot(admin, '06-tenant-overview');
    const token = await superAdminToken();
    const created = await api().get(`/api/v1/tenants/${tenantId}`).set(...bearer(token)).expect(200);
    expect(created.body).toMatchObject({ name: 'UI tenant', workerGroup: 'gpu' });
  });

  it('creates a user from the Users section', async () => {
    await go(admin, `/admin/tenants/${tenantId}/users`); // the old path leads to /t/{id}/users
    await admin.waitForURL(`${consoleUrl()}/t/${tenantId}/users`);
    await admin.getByRole('link', { name: 'Create' }).click();
    await admin.getByLabel('Role').selectOption({ label: 'Viewer' });
    await admin.getByLabel('Username', { exact: true }).fill(username);
    await admin.getByLabel('First name').fill('Ada');
    await admin.getByLabel('Last name').fill('Lovelace');
    await admin.getByLabel('Initial password').fill(password);
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByTestId('user-username').waitFor();
    expect(await admin.getByTestId('user-username').textContent()).toBe(username);
    userId = admin.url().split('/').pop() as string;
    expect(userId).toMatch(/^[0-9a-f-]{36}$/);
    await shot(admin, '07-user-overview');
  });

  it('creates a role from the permission × action grid', async () => {
    await go(admin, `/admin/tenants/${tenantId}/roles`);
    await admin.getByRole('link', { name: 'Create' }).click();
    await admin.getByLabel('Name', { exact: true }).fill(roleName);
    await admin.getByLabel('GROUP READ').check();
    await admin.getByLabel('AUDITLOG READ').check();
    await shot(admin, '08-role-grid');
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByRole('link', { name: roleName }).waitFor();
  });

  it('binds the role to the user: not on a namespace (its permissions are tenant-level), then tenant-wide', async () => {
    await go(admin, `/admin/tenants/${tenantId}/access`);
    await admin.getByRole('button', { name: 'Create binding' }).click();
    await admin.getByLabel('Role').selectOption({ label: roleName });
    await admin.getByLabel('Find subject').fill(username);
    await admin.getByRole('button', { name: new RegExp(username.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }).click();
    await admin.getByLabel('Namespaces').fill('company.team');
    await admin.getByRole('button', { name: 'Bind', exact: true }).click();
    await admin.getByRole('alert').filter({ hasText: 'tenant-level permissions (AUDITLOG, GROUP)' }).waitFor();
    await admin.getByLabel('Namespaces').fill('');
    await admin.getByRole('button', { name: 'Bind', exact: true }).click();
    const row = admin.locator('tr', { hasText: roleName });
    await row.waitFor();
    expect(await row.textContent()).toContain('whole tenant');
    await row.locator(`[data-subject-id="${userId}"]`, { hasText: username }).waitFor();
    await shot(admin, '09-access');
  });

  it('the user sees only what the role allows', async () => {
    const page = await newPage(browser());
    await signIn(page, username, password);
    // Let the landing page finish its own redirect (to the profile) before going elsewhere.
    await page.locator('nav.sidebar').waitFor({ timeout: 20_000 });
    await go(page, `/t/${tenantId}`);
    await page.getByRole('heading', { name: tenantId, level: 1 }).waitFor({ timeout: 20_000 });
    await page.locator('nav.sidebar section', { has: page.locator('h2', { hasText: tenantId }) }).locator('a').first().waitFor();
    expect(await sidebarLinks(page, tenantId)).toEqual(['Groups', 'Audit log', 'Webhooks']);
    expect(await page.locator('[data-testid="administration"]').count()).toBe(0);
    await shot(page, '10-limited-user-home');
    // A page the role does not cover: the server refuses and the console says why.
    await go(page, `/t/${tenantId}/roles`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/ROLE/);
    await page.close();
  });

  it('creates an API token whose secret is shown once and works', async () => {
    const page = await newPage(browser());
    await signIn(page, username, password);
    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.getByRole('button', { name: 'Create API token' }).click();
    await page.getByLabel('Name', { exact: true }).fill('ci');
    await page.getByLabel('Description', { exact: true }).fill('pipeline');
    await page.getByLabel('Max age').selectOption('P30D');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const secret = (await page.getByTestId('secret').textContent()) ?? '';
    expect(secret).toMatch(/^gh_/);
    await shot(page, '11-api-token-once');
    const me = await api().get('/api/v1/me').set(...bearer(secret)).expect(200);
    expect(me.body.username).toBe(username);
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByTestId('secret').count()).toBe(0);
    const row = page.locator('tr', { hasText: 'ci' });
    await row.waitFor();
    expect(await row.textContent()).toContain(secret.slice(0, 6));
    expect(await page.content()).not.toContain(secret);
    await page.close();
  });

  it('creates a service account and its API token (shown once)', async () => {
    await go(admin, `/admin/tenants/${tenantId}/service-accounts`);
    await admin.getByRole('link', { name: 'Create' }).click();
    await admin.getByLabel('Name', { exact: true }).fill('Bad Name');
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.locator('.field-error[data-field="name"]').waitFor();
    await admin.getByLabel('Name', { exact: true }).fill('deployer');
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByRole('button', { name: 'Create API token' }).click();
    await admin.getByLabel('Name', { exact: true }).fill('ci-deploy');
    await admin.getByRole('button', { name: 'Create', exact: true }).click();
    const secret = (await admin.getByTestId('secret').textContent()) ?? '';
    expect(secret).toMatch(/^gh_/);
    await shot(admin, '14-service-account-token');
    await admin.getByRole('button', { name: 'Done' }).click();
    await admin.locator('tr', { hasText: 'ci-deploy' }).waitFor();
    expect(await admin.content()).not.toContain(secret);
  });

  it('a forgotten password is reset with the emailed link', async () => {
    // Reset links go to verified addresses only: the new user confirms theirs first (the link of their creation).
    const verification = await waitForMail(process.env.E2E_MAIL_DIR as string, (m) => m.to.includes(username) && m.links.some((l) => l.includes('/ui/verify-email')));
    await api().post('/api/v1/verify-email').send({ token: new URL(verification.links.find((l) => l.includes('/ui/verify-email')) as string).searchParams.get('token') }).expect(200);
    const page = await newPage(browser());
    await page.goto(`${consoleUrl()}/login`);
    await page.getByRole('link', { name: 'Forgotten password?' }).click();
    await page.waitForURL(`${consoleUrl()}/forgotten-password`);
    // the path emails sent before the rename link to leads to the same page
    await page.goto(`${consoleUrl()}/forgot-password`);
    await page.waitForURL(`${consoleUrl()}/forgotten-password`);
    await page.getByLabel('Email', { exact: true }).fill(username);
    await page.getByRole('button', { name: 'Send link' }).click();
    await page.getByRole('status').waitFor();
    const mail = await waitForMail(process.env.E2E_MAIL_DIR as string, (m) => m.to.includes(username) && m.links.some((l) => l.includes('/ui/reset-password')));
    const link = new URL(mail.links.find((l) => l.includes('/ui/reset-password')) as string);
    await page.goto(`${consoleUrl()}/reset-password${link.search}`);
    await page.getByLabel('New password', { exact: true }).fill('Brand-New-Secret-77');
    await page.getByLabel('Repeat the new password').fill('Brand-New-Secret-77');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('status').waitFor();
    await shot(page, '13-password-reset');
    await signIn(page, username, 'Brand-New-Secret-77');
    await page.close();
    await api().post('/api/v1/login').send({ username, password }).expect(401);
  });
  it('an admin-requested reset sends the user to the password-change page at sign-in', async () => {
    await go(admin, `/admin/users/${userId}/authentication`);
    await admin.getByRole('button', { name: 'Send reset request' }).click();
    await admin.getByRole('status').waitFor();
    const page = await newPage(browser());
    await page.goto(`${consoleUrl()}/login`);
    await page.getByLabel('Username or email').fill(username);
    await page.getByLabel('Password', { exact: true }).fill('Brand-New-Secret-77');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Password change required' }).waitFor();
    await shot(page, '15-password-change-required');
    await page.close();
  });

  it('shows the actions in the tenant audit log, filtered by type', async () => {
    await go(admin, `/t/${tenantId}/audit`);
    await admin.getByRole('heading', { name: 'Audit log' }).waitFor();
    await admin.locator('tbody tr').first().waitFor();
    const text = await admin.locator('tbody').textContent();
    expect(text).toMatch(/ROLE/);
    expect(text).toMatch(/BINDING/);
    await admin.getByLabel('Type', { exact: true }).selectOption('CREATE');
    await admin.getByLabel('Resource type').fill('binding');
    await admin.getByRole('button', { name: 'Apply' }).click();
    await admin.locator('tbody tr', { hasNotText: 'BINDING' }).first().waitFor({ state: 'detached' });
    expect(await admin.locator('tbody tr', { hasText: 'BINDING' }).count()).toBeGreaterThan(0);
    await shot(admin, '12-audit-log');
  });
});
