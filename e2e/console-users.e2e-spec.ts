import {
  api, bearer, bindRole, createGroup, createTenant, createTenantWorld, createUser, rolesByName, SUPER_ADMIN, superAdminToken, TenantWorld, TestUser, unique,
} from '@gatehouse/testing';
import type { Page } from 'playwright-core';
import { consoleUrl, go, newPage, shot, signIn, useBrowser } from './console-support';

/**
 * Users in the console (issue #22): a user created in a tenant has access there; access through groups
 * is visible with its origin; the switcher lists exactly the tenants the signed-in subject can reach;
 * API tokens for a user, groups from the user's page, the authentication method and Instance Admin —
 * each through the public API, refused where the grant invariant says so.
 */
jest.setTimeout(60_000);

describe('console: users, access and tenants', () => {
  const { browser } = useBrowser();
  let root: string;
  let a: TenantWorld;
  let b: TenantWorld;
  let viewers: { id: string; name: string };
  let grouped: TestUser;
  let rootPage: Page;
  let adminPage: Page;

  const options = async (page: Page) => page.locator('#tenant-select option').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));

  beforeAll(async () => {
    root = await superAdminToken();
    a = await createTenantWorld(root, 'cua');
    b = await createTenantWorld(root, 'cub');
    const roles = await rolesByName(root, a.tenant);
    const group = await createGroup(root, a.tenant, unique('viewers'));
    viewers = { id: group.id, name: group.name };
    await bindRole(root, a.tenant, { roleId: roles.Viewer.id, subjectType: 'GROUP', subjectId: group.id });
    grouped = await createUser(root);
    await api().post(`/api/v1/${a.tenant}/groups/${group.id}/members`).set(...bearer(root)).send({ memberType: 'USER', memberId: grouped.user.id }).expect(201);
    rootPage = await newPage(browser());
    await signIn(rootPage, SUPER_ADMIN.username, SUPER_ADMIN.password);
    adminPage = await newPage(browser());
    await signIn(adminPage, a.admin.username, a.admin.password);
  }, 120_000);

  it('item 2: a user created in a tenant gets the role chosen and is listed there at once', async () => {
    const username = `${unique('made')}@gatehouse.test`;
    await go(rootPage, `/t/${a.tenant}/users/new`);
    await rootPage.getByLabel('Username', { exact: true }).fill(username);
    await rootPage.getByLabel('Initial password').fill('Made-Here-Pass-42');
    await rootPage.getByRole('button', { name: 'Save' }).click();
    await rootPage.getByText('Choose a role or a group').waitFor();
    await rootPage.getByLabel('Role').selectOption({ label: 'Viewer' });
    await rootPage.getByRole('button', { name: 'Save' }).click();
    await rootPage.getByTestId('user-username').waitFor();
    await go(rootPage, `/t/${a.tenant}/users`);
    const row = rootPage.locator('tr', { hasText: username });
    await row.waitFor();
    expect(await row.textContent()).toContain('1 direct binding');
    await shot(rootPage, 'users-01-created-in-tenant');
  });

  it("item 2: a tenant Admin, who cannot create accounts, invites with a role instead", async () => {
    await go(adminPage, `/t/${a.tenant}/users/new`);
    await adminPage.getByRole('heading', { name: 'Invite user' }).waitFor();
    await adminPage.getByLabel('Email', { exact: true }).fill(`${unique('inv')}@gatehouse.test`);
    await adminPage.getByLabel('Role').selectOption({ label: 'Viewer' });
    await adminPage.getByRole('button', { name: 'Send invitation' }).click();
    expect(await adminPage.getByTestId('invitation-link').textContent()).toContain('/ui/invitations/accept');
  });

  it('item 3: access through a group shows in the list, the Groups tab and the Access tab with its origin; a group is attached from the user page', async () => {
    await go(adminPage, `/t/${a.tenant}/users`);
    const row = adminPage.locator('tr', { hasText: grouped.username });
    await row.waitFor();
    expect(await row.textContent()).toContain('through 1 group');
    await go(adminPage, `/t/${a.tenant}/users/${grouped.user.id}/groups`);
    await adminPage.getByRole('table', { name: 'Groups' }).getByText(viewers.name).waitFor();
    await adminPage.getByLabel('Group', { exact: true }).selectOption({ label: a.group.name });
    await adminPage.getByRole('button', { name: 'Add to group' }).click();
    await adminPage.getByRole('table', { name: 'Groups' }).getByText(a.group.name).waitFor();
    const groups = await api().get(`/api/v1/${a.tenant}/users/${grouped.user.id}/groups`).set(...bearer(root)).expect(200);
    expect(groups.body.results.map((g: { id: string }) => g.id).sort()).toEqual([viewers.id, a.group.id].sort());
    await go(adminPage, `/t/${a.tenant}/users/${grouped.user.id}/access`);
    const effective = adminPage.getByRole('region', { name: 'Effective permissions' });
    await effective.getByText(`Viewer via group ${viewers.name}`).first().waitFor();
    await shot(adminPage, 'users-02-effective-permissions');
  });

  it("item 4: the switcher lists the tenants one can reach: A's member sees A, not B; root sees a new tenant before opening it", async () => {
    const member = await newPage(browser());
    await signIn(member, a.member.username, a.member.password);
    await member.locator(`#tenant-select option[value="${a.tenant}"]`).waitFor({ state: 'attached' });
    const listed = await options(member);
    expect(listed).toContain(a.tenant);
    expect(listed).not.toContain(b.tenant);
    const reachable = await api().get('/api/v1/me/tenants').set(...bearer(a.member.token)).expect(200);
    expect(reachable.body.results.map((t: { id: string }) => t.id)).not.toContain(b.tenant);
    await member.close();

    const fresh = await createTenant(root);
    await go(rootPage, '/me');
    await rootPage.locator(`#tenant-select option[value="${fresh.id}"]`).waitFor({ state: 'attached' });
    // One navigation per tenant: the old administration path leads to /t/{id}.
    await go(rootPage, `/admin/tenants/${fresh.id}`);
    await rootPage.waitForURL(`${consoleUrl()}/t/${fresh.id}/settings`);
  });

  it('item 7: the authentication method is Password, SSO waits for an identity provider', async () => {
    await go(adminPage, `/t/${a.tenant}/users/${grouped.user.id}/authentication`);
    const method = adminPage.getByLabel('Authentication method');
    expect(await method.inputValue()).toBe('PASSWORD');
    expect(await adminPage.getByTestId('sso-hint').textContent()).toMatch(/identity provider is configured/);
  });

  it("item 7: a tenant Admin creates an API token for a user of the tenant (shown once), not for one with more access than theirs", async () => {
    await go(adminPage, `/t/${a.tenant}/users/${grouped.user.id}/api-tokens`);
    await adminPage.getByRole('button', { name: 'Create API token' }).click();
    await adminPage.getByLabel('Name', { exact: true }).fill('for-grouped');
    await adminPage.getByRole('button', { name: 'Create', exact: true }).click();
    const secret = (await adminPage.getByTestId('secret').textContent()) ?? '';
    expect(secret).toMatch(/^gh_/);
    expect((await api().get('/api/v1/me').set(...bearer(secret)).expect(200)).body.id).toBe(grouped.user.id);
    await adminPage.getByRole('button', { name: 'Done' }).click();
    expect(await adminPage.content()).not.toContain(secret);

    const wider = await createUser(root);
    await api().post(`/api/v1/${a.tenant}/groups/${viewers.id}/members`).set(...bearer(root)).send({ memberType: 'USER', memberId: wider.user.id }).expect(201);
    await bindRole(root, b.tenant, { roleId: b.adminRole.id, subjectId: wider.user.id });
    await go(adminPage, `/t/${a.tenant}/users/${wider.user.id}/api-tokens`);
    // The tokens of a user one may not act for are refused as a whole (list, creation, revocation): the
    // refusal is shown once, in plain words, and no Create is offered that would be refused the same way.
    await adminPage.getByRole('alert').filter({ hasText: 'cannot create an API token' }).waitFor();
    expect(await adminPage.getByText(/cannot create an API token/).count()).toBe(1);
    expect(await adminPage.getByRole('alert').textContent()).toMatch(/^You are not allowed to do this\./);
    expect(await adminPage.getByRole('button', { name: 'Create API token' }).count()).toBe(0);
    const steal = await api().post(`/api/v1/${a.tenant}/users/${wider.user.id}/api-tokens`).set(...bearer(a.admin.token)).send({ name: 'steal' });
    expect(steal.status).toBe(403);
    expect(steal.body.detail).toMatch(/cannot create an API token/);
    expect(await adminPage.getByTestId('secret').count()).toBe(0);
  });

  it('item 7: a Super Admin grants Instance Admin from the user page; a tenant Admin cannot', async () => {
    const target = await createUser(root);
    await go(rootPage, `/admin/users/${target.user.id}`);
    await rootPage.getByRole('button', { name: 'Grant Instance Admin' }).click();
    await rootPage.getByTestId('instance-admin-state').filter({ hasText: 'is an Instance Admin' }).waitFor();
    const bindings = await api().get('/api/v1/bindings').query({ subjectId: target.user.id }).set(...bearer(root)).expect(200);
    expect(bindings.body.results.map((x: { roleName: string }) => x.roleName)).toEqual(['Instance Admin']);

    const roles = await api().get('/api/v1/roles').set(...bearer(root)).expect(200);
    const instanceAdmin = roles.body.results.find((r: { name: string }) => r.name === 'Instance Admin');
    const refused = await api().post('/api/v1/bindings').set(...bearer(a.admin.token)).send({ roleId: instanceAdmin.id, subjectType: 'USER', subjectId: a.member.user.id });
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    // Nor does the console offer it: no instance administration for a tenant Admin.
    expect(await adminPage.locator('[data-testid="administration"]').count()).toBe(0);
  });
});
