import { api, bearer, bindRole, createGroup, createRole, createTenant, createUser, eventually, rolesByName, superAdminToken, TestUser, unique } from '@gatehouse/testing';
import type { Page } from 'playwright-core';
import { confirmInApp, go, newPage, shot, sidebarLinks, signIn, useBrowser } from './console-support';

/**
 * The console's daily administration screens (issue #22): group members and the group's password
 * reset, role permission counts, names in the audit log, editor preferences, invitations; and what a
 * Viewer or a limited inviter is refused.
 */
jest.setTimeout(60_000);

describe('console: administration screens', () => {
  const { browser } = useBrowser();
  let tenant = '';
  let admin: TestUser;
  let viewer: TestUser;
  let inviter: TestUser;
  let member: TestUser;
  let groupId = '';
  const groupName = unique('night-shift');
  let page: Page;

  beforeAll(async () => {
    const root = await superAdminToken();
    admin = await createUser(root);
    tenant = (await createTenant(root, { adminUser: admin.username })).id;
    [viewer, inviter, member] = await Promise.all([createUser(root), createUser(root), createUser(root)]);
    const roles = await rolesByName(admin.token, tenant);
    await bindRole(admin.token, tenant, { roleId: roles.Viewer.id, subjectId: viewer.user.id });
    const inviting = await createRole(admin.token, tenant, {
      name: unique('Inviters'),
      permissions: { INVITATION: ['CREATE', 'READ', 'UPDATE', 'DELETE'], BINDING: ['CREATE', 'READ'], GROUP_MEMBERSHIP: ['CREATE', 'READ'], ROLE: ['READ'], GROUP: ['READ'] },
    });
    // A role carrying ROLE needs a TENANT holder to bind it: the Super Admin does.
    await bindRole(root, tenant, { roleId: inviting.id, subjectId: inviter.user.id });
    groupId = (await createGroup(admin.token, tenant, groupName, [member.user.id])).id;
    page = await newPage(browser());
    await signIn(page, admin.username, admin.password);
  }, 45_000);

  it('Group → Members: a narrow type select, a labelled search, Add member on one line; the group password reset', async () => {
    await go(page, `/t/${tenant}/groups/${groupId}/members`);
    const form = page.getByRole('form', { name: 'Add member' });
    await form.waitFor();
    const box = async (locator: ReturnType<Page['locator']>) => {
      const found = await locator.boundingBox();
      if (!found) throw new Error('not laid out');
      return found;
    };
    const select = await box(page.getByLabel('Type', { exact: true }));
    const row = await box(form);
    const add = await box(page.getByRole('button', { name: 'Add member' }));
    expect(select.width).toBeLessThan(row.width / 3);
    // One line of text: the button is no taller than the select beside it.
    expect(add.height).toBeLessThan(select.height * 1.5);
    expect(await page.getByRole('group', { name: 'Find a user (name or email)' }).isVisible()).toBe(true);
    await shot(page, 'admin-screens-group-members');

    await page.getByRole('button', { name: 'Require password reset' }).click();
    await confirmInApp(page, 'Require password reset');
    expect(await page.getByTestId('group-reset-done').textContent()).toBe('1 user must choose a new password.');
    const login = await api().post('/api/v1/login').send({ username: member.username, password: member.password });
    expect(login.status).toBe(403);
    expect(login.body.type).toMatch(/password-change-required/);
  });

  it("counts a role's permission × action pairs", async () => {
    const name = unique('Five pairs');
    await createRole(admin.token, tenant, { name, permissions: { FLOW: ['READ', 'UPDATE', 'DELETE'], GROUP: ['READ', 'CREATE'] } });
    await go(page, `/t/${tenant}/roles`);
    const row = page.locator('tr', { has: page.getByRole('link', { name }) });
    expect(await row.locator('td').nth(2).textContent()).toBe('5');
    expect(await page.getByRole('link', { name: 'Create' }).isVisible()).toBe(true);
  });

  it('shows names in the audit log and filters on an actor picked by name', async () => {
    // Audit entries reach tenancy through the outbox: wait for the group's before opening the page.
    await eventually(async () => {
      const found = await api().get(`/api/v1/${tenant}/auditlogs/search`).query({ resourceId: groupId }).set(...bearer(admin.token));
      return found.status === 200 && found.body.total > 0;
    }, 15_000);
    await go(page, `/t/${tenant}/audit`);
    await page.locator('tr', { hasText: `GROUP · ${groupName}` }).first().waitFor();
    expect(await page.locator('tr', { hasText: `GROUP · ${groupName}` }).first().textContent()).not.toContain(groupId);
    await page.getByLabel('Actor').fill(admin.username);
    await page.getByRole('button', { name: `${admin.username} (user)` }).click();
    expect(await page.getByTestId('picked-actor').textContent()).toBe(admin.username);
    await Promise.all([
      page.waitForResponse((r) => r.url().includes(`actor=${admin.user.id}`)),
      page.getByRole('button', { name: 'Apply' }).click(),
    ]);
    // The previous rows stay (greyed) until the filtered page is shown: wait for it.
    const actors = await eventually(async () => {
      const shown = await page.locator('.paged table:not(.stale) tbody tr td:nth-child(4)').allTextContents();
      return shown.length > 0 && shown.every((a) => a === admin.username) ? shown : null;
    });
    expect(new Set(actors)).toEqual(new Set([admin.username]));
    await shot(page, 'admin-screens-audit-names');
  });

  it('keeps editor preferences per tenant, and names a refused one at its field', async () => {
    await go(page, '/me');
    await page.getByRole('form', { name: 'Preferences' }).waitFor();
    await page.getByLabel('Font size').fill('18');
    await page.getByLabel('Tab size').fill('4');
    await page.getByLabel('Key bindings').selectOption('vim');
    await page.getByLabel('Wrap long lines').check();
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByText('Saved.').waitFor();
    const settings = await api().get(`/api/v1/${tenant}/settings/me`).set(...bearer(admin.token)).expect(200);
    expect(settings.body.editor).toEqual({ fontSize: 18, tabSize: 4, wordWrap: true, keymap: 'vim' });

    await page.getByLabel('Font size').fill('99');
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.locator('.field-error[data-field="editor.fontSize"]').waitFor();
    await shot(page, 'admin-screens-editor-preferences');
  });

  it('invites with a role, namespaces and a group, lists it as pending and withdraws it', async () => {
    await go(page, `/t/${tenant}`);
    expect(await sidebarLinks(page, tenant)).toContain('Invitations');
    await page.locator('nav.sidebar').getByRole('link', { name: 'Invitations' }).click();
    const email = `${unique('guest')}@gatehouse.test`;
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Role').selectOption({ label: 'Viewer' });
    await page.getByLabel('Namespaces').fill('company.data');
    await page.getByLabel(groupName).check();
    await page.getByRole('button', { name: 'Send invitation' }).click();
    expect(await page.getByTestId('invitation-sent').textContent()).toMatch(/invitations\/accept\?token=/);
    const row = page.locator('tr', { hasText: email });
    expect(await row.textContent()).toContain('Pending');
    expect(await row.textContent()).toContain('Viewer (company.data)');
    expect(await row.textContent()).toContain(groupName);
    await shot(page, 'admin-screens-invitations');

    await row.getByRole('button', { name: `Withdraw the invitation of ${email}` }).click();
    await confirmInApp(page, 'Withdraw');
    await row.waitFor({ state: 'detached' });
    const left = await api().get(`/api/v1/${tenant}/invitations`).query({ q: email }).set(...bearer(admin.token)).expect(200);
    expect(left.body.total).toBe(0);
  });

  it("refuses an invitation for a role above the inviter's, with the server's message at the role field", async () => {
    const other = await newPage(browser());
    await signIn(other, inviter.username, inviter.password);
    await go(other, `/t/${tenant}/invitations`);
    await other.getByLabel('Email').fill(`${unique('guest')}@gatehouse.test`);
    await other.getByLabel('Role').selectOption({ label: 'Admin' });
    const [answer] = await Promise.all([
      other.waitForResponse((r) => r.url().endsWith(`/api/v1/${tenant}/invitations`) && r.request().method() === 'POST'),
      other.getByRole('button', { name: 'Send invitation' }).click(),
    ]);
    const refusal = (await answer.json()) as { detail: string; rule: string };
    expect(answer.status()).toBe(403);
    expect(['tenant-permission-required', 'no-permission-escalation']).toContain(refusal.rule);
    const error = other.locator('.field-error[data-field="roles"]');
    await error.waitFor();
    // In plain words, once: at the role field, not again in a problem box.
    expect(await error.textContent()).toBe(refusal.detail);
    expect(await other.getByRole('alert').count()).toBe(0);
    expect(await other.getByText(refusal.detail).count()).toBe(1);
    await shot(other, 'admin-screens-invitation-refused');
    await other.close();
  });

  it('shows a Viewer no Create on groups and roles, and no invitations', async () => {
    const other = await newPage(browser());
    await signIn(other, viewer.username, viewer.password);
    await go(other, `/t/${tenant}`);
    await other.getByTestId('no-admin').waitFor();
    expect(await sidebarLinks(other, tenant)).not.toContain('Invitations');
    for (const section of ['groups', 'roles', 'invitations']) {
      await go(other, `/t/${tenant}/${section}`);
      await other.getByRole('alert').waitFor();
      expect(await other.getByRole('alert').textContent()).toMatch(/^You are not allowed to do this\.It needs the [A-Z_]+:READ permission/);
      expect(await other.getByRole('link', { name: 'Create' }).count()).toBe(0);
    }
    expect(await other.getByRole('form', { name: 'Invite' }).count()).toBe(0);
    await other.close();
  });
});
