import type { AuditLogView, Page as ResultPage } from '@gatehouse/contracts';
import {
  api, bearer, bindRole, createRole, createTenantWorld, createUser, eventually, rolesByName, superAdminToken, TenantWorld, TestUser, unique,
} from '@gatehouse/testing';
import type { Page } from 'playwright-core';
import { consoleUrl, go, newPage, shot, sidebarLinks, signIn, useBrowser } from './console-support';

/**
 * Impersonation in the console (docs/oidc.md, issue #23): an Admin holding IMPERSONATE acts as a Viewer
 * from the Viewer's page; a banner says so on every page; the console shows what the Viewer sees; what is
 * done meanwhile is audited as the Viewer with the admin as impersonator; End comes back to the admin.
 * Whoever lacks IMPERSONATE is offered no button.
 */
jest.setTimeout(90_000);

describe('console: impersonation', () => {
  const { browser } = useBrowser();
  let root: string;
  let a: TenantWorld;
  let viewer: TestUser;
  let reader: TestUser;
  let adminPage: Page;

  beforeAll(async () => {
    root = await superAdminToken();
    a = await createTenantWorld(root, 'cim');
    const roles = await rolesByName(root, a.tenant);
    viewer = await createUser(root);
    await bindRole(root, a.tenant, { roleId: roles.Viewer.id, subjectId: viewer.user.id });
    // Reads the tenant's users, without IMPERSONATE.
    reader = await createUser(root);
    const readers = await createRole(root, a.tenant, { name: unique('user-reader'), permissions: { USER: ['READ'], TENANT_ACCESS: ['READ'] } });
    await bindRole(root, a.tenant, { roleId: readers.id, subjectId: reader.user.id });
    adminPage = await newPage(browser());
    await signIn(adminPage, a.admin.username, a.admin.password);
  }, 120_000);

  it("the admin acts as the Viewer: banner, the Viewer's pages, an audited change, then End", async () => {
    const page = adminPage;
    // A load (the session restored from its cookie), not an in-app navigation that the redirect after sign-in could overtake.
    await page.goto(`${consoleUrl()}/t/${a.tenant}/users/${viewer.user.id}`);
    await page.getByTestId('user-username').waitFor();
    expect(await sidebarLinks(page, a.tenant)).toContain('Groups');
    await page.getByRole('button', { name: 'Impersonate' }).click();

    const banner = page.getByRole('status').filter({ hasText: 'You are acting as' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`You are acting as ${viewer.username} in ${a.tenant}`);
    await page.waitForURL((url) => url.pathname === `/ui/t/${a.tenant}`);
    // Focused (a string: this runs in the page, and the e2e tsconfig has no DOM types).
    await page.waitForFunction(`document.activeElement?.dataset.testid === 'impersonation-banner'`);
    // What the Viewer sees: no administration in the tenant, no Groups and no Create on the groups page.
    await page.getByTestId('no-admin-home').waitFor();
    expect(await sidebarLinks(page, a.tenant)).not.toContain('Groups');
    expect(await page.locator('.user-menu').textContent()).toContain(viewer.username);
    await shot(page, 'impersonation-01-acting-as-viewer');
    await go(page, `/t/${a.tenant}/groups`);
    await page.getByRole('heading', { name: 'Groups' }).waitFor();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('link', { name: 'Create' }).count()).toBe(0);
    expect(await banner.isVisible()).toBe(true);

    // A change made as the Viewer: the Viewer's preferences in the tenant.
    await go(page, '/me');
    await page.getByRole('heading', { name: `Preferences in ${a.tenant}` }).waitFor();
    await page.getByLabel('Theme').selectOption('dark');
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByText('Saved.').waitFor();
    const entry = await eventually(async () => {
      const found = await api().get(`/api/v1/${a.tenant}/auditlogs/search`).query({ resourceId: viewer.user.id }).set(...bearer(a.admin.token));
      return (found.body as ResultPage<AuditLogView>).results?.find((e) => e.resourceType === 'USER_SETTINGS');
    });
    expect(entry).toMatchObject({ actor: { id: viewer.user.id, username: viewer.username }, impersonator: { id: a.admin.user.id, username: a.admin.username } });

    await banner.getByRole('button', { name: 'End' }).click();
    await page.waitForURL((url) => url.pathname === `/ui/t/${a.tenant}/users/${viewer.user.id}`);
    await page.getByTestId('user-username').waitFor();
    expect(await page.getByTestId('impersonation-banner').count()).toBe(0);
    await page.getByRole('button', { name: 'Impersonate' }).waitFor();
    expect(await page.locator('.user-menu').textContent()).toContain(a.admin.username);
    expect(await sidebarLinks(page, a.tenant)).toContain('Groups');
    await shot(page, 'impersonation-02-ended');
    // The admin's own session carried on: its calls are the admin's again.
    await go(page, `/t/${a.tenant}/groups`);
    await page.getByRole('link', { name: 'Create' }).waitFor();
  });

  it('a caller without IMPERSONATE is offered no Impersonate button', async () => {
    const page = await newPage(browser());
    await signIn(page, reader.username, reader.password);
    await page.goto(`${consoleUrl()}/t/${a.tenant}/users/${viewer.user.id}`);
    await page.getByTestId('user-username').waitFor();
    expect(await page.getByRole('button', { name: 'Impersonate' }).count()).toBe(0);
    // The server agrees.
    const refused = await api().post(`/api/v1/${a.tenant}/users/${viewer.user.id}/impersonate`).set(...bearer(reader.token));
    expect(refused.status).toBe(403);
    await page.context().close();
  });
});
