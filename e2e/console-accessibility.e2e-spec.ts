import { api, bearer, createTenantWorld, launchBrowser, SUPER_ADMIN, superAdminToken, TenantWorld, TestBrowser, unique } from '@gatehouse/testing';
import type { Page } from 'playwright-core';
import { AxeViolation, consoleUrl, go, horizontalOverflow, newPage, seriousViolations, signIn, useBrowser } from './console-support';

/**
 * The console is accessible and usable on a phone (issue #22): axe-core finds no serious or critical
 * violation on any of its pages (signed out, signed in, with a dialog, a notice and field errors open),
 * and at 390×844 the main list pages never scroll sideways (tables scroll inside the page), with the
 * sidebar behind a Menu button and Sign out on screen.
 */
jest.setTimeout(240_000);

/** Waits until the page has settled: no "Loading…" left, the main heading (or a card's) shown. */
async function settled(page: Page): Promise<void> {
  await page.locator('h1, [role="alert"]').first().waitFor();
  await page.waitForFunction('!document.querySelector(".loading")', undefined, { timeout: 10_000 }).catch(() => undefined);
}

const describeViolations = (where: string, found: AxeViolation[]) =>
  found.map((v) => `${where}: ${v.impact} ${v.id} (${v.help}) at ${v.targets.join(', ')}`);

describe('console: accessibility and small screens', () => {
  const { browser } = useBrowser();
  let root: string;
  let world: TenantWorld;
  let page: Page;
  const problems: string[] = [];

  /** Opens `path` in the console (in-app) and records what axe finds there. */
  async function audit(target: Page, path: string | null, label = path ?? ''): Promise<void> {
    if (path !== null) {
      await go(target, path);
      await settled(target);
    }
    problems.push(...describeViolations(label, await seriousViolations(target)));
  }

  beforeEach(() => {
    problems.length = 0;
  });

  beforeAll(async () => {
    root = await superAdminToken();
    world = await createTenantWorld(root, 'a11y');
    page = await newPage(browser());
    await signIn(page, SUPER_ADMIN.username, SUPER_ADMIN.password);
  }, 120_000);

  it('finds no serious or critical violation on the signed-out pages', async () => {
    const visitor = await newPage(browser());
    for (const path of ['/login', '/forgotten-password', '/reset-password?token=not-a-real-token', '/verify-email?token=not-a-real-token', '/password-change-required', '/invitations/accept?token=not-a-real-token', '/oidc/logout', '/oidc/logout/done', `/oidc/interaction/${unique('gone')}`]) {
      await visitor.goto(`${consoleUrl()}${path}`);
      await settled(visitor);
      problems.push(...describeViolations(path, await seriousViolations(visitor)));
    }
    // A refused sign-in: the problem and the fields in their error state.
    await visitor.goto(`${consoleUrl()}/login`);
    await visitor.getByLabel('Username or email').fill('nobody@gatehouse.test');
    await visitor.getByLabel('Password', { exact: true }).fill('not-the-password');
    await visitor.getByRole('button', { name: 'Sign in' }).click();
    await visitor.getByRole('alert').waitFor();
    problems.push(...describeViolations('/login (refused)', await seriousViolations(visitor)));
    await visitor.context().close();
    expect(problems).toEqual([]);
  });

  it("finds no serious or critical violation on any page of a tenant's administration", async () => {
    const t = `/t/${world.tenant}`;
    const user = `${t}/users/${world.member.user.id}`;
    const account = `${t}/service-accounts/${world.serviceAccount.id}`;
    const group = `${t}/groups/${world.group.id}`;
    for (const path of [
      t, `${t}/users`, `${t}/users/new`, user, `${user}/groups`, `${user}/access`, `${user}/authentication`, `${user}/sessions`, `${user}/api-tokens`,
      `${t}/service-accounts`, `${t}/service-accounts/new`, account, `${account}/access`, `${account}/api-tokens`,
      `${t}/oauth-clients`, `${t}/oauth-clients/new`, `${t}/oauth-clients/${world.oauthClient.id}`,
      `${t}/groups`, `${t}/groups/new`, group, `${group}/members`, `${group}/access`,
      `${t}/access`, `${t}/invitations`, `${t}/roles`, `${t}/roles/new`, `${t}/roles/${world.role.id}`, `${t}/audit`, `${t}/settings`,
      `${t}/integrations`, `${t}/integrations/new`, `${t}/integrations/${world.integration.id}`,
      `${t}/webhooks`, `${t}/webhooks/new`, `${t}/webhooks/${world.webhook.id}`, `${t}/webhooks/${world.webhook.id}/deliveries/${world.webhook.deliveryId}`,
    ]) {
      await audit(page, path);
    }
    expect(problems).toEqual([]);
  });

  it('finds no serious or critical violation on the instance and profile pages', async () => {
    for (const path of [
      '/admin/tenants', '/admin/tenants/new', '/admin/users', '/admin/users/new', `/admin/users/${world.member.user.id}`,
      `/admin/users/${world.member.user.id}/authentication`, '/admin/audit', '/admin/webhooks', '/admin/webhooks/new',
      '/me', '/me/password', '/me/sessions', '/me/security', '/me/api-tokens', '/no/such/page',
    ]) {
      await audit(page, path);
    }
    expect(problems).toEqual([]);
  });

  it('finds none on the two-step verification walk-through that an MFA policy imposes', async () => {
    const strict = await createTenantWorld(root, 'a11ymfa');
    await api().put(`/api/v1/${strict.tenant}/mfa-policy`).set(...bearer(root)).send({ policy: 'required' }).expect(200);
    const member = await newPage(browser());
    await signIn(member, strict.member.username, strict.member.password);
    await member.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
    problems.push(...describeViolations('MFA enrolment', await seriousViolations(member)));
    await member.context().close();
    expect(problems).toEqual([]);
  });

  it('finds none with a form in its error state, a confirmation dialog and a notice open', async () => {
    // Field errors from the form's own checks, then the server's plain-language refusal.
    await go(page, `/t/${world.tenant}/groups/new`);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.field-error[data-field="name"]').waitFor();
    expect(await page.locator('.field-error[data-field="name"]').textContent()).toBe('This is required.');
    await audit(page, null, 'group form with errors');

    // A deletion's confirmation, which asks for the name.
    const name = unique('a11y-group').toLowerCase();
    const created = await api().post(`/api/v1/${world.tenant}/groups`).set(...bearer(root)).send({ name }).expect(201);
    await go(page, `/t/${world.tenant}/groups/${created.body.id}`);
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('alertdialog', { name: `Delete the group ${name}?` });
    await dialog.waitFor();
    expect(await page.evaluate('document.activeElement.id')).toBe(await dialog.getByLabel(`Type ${name} to confirm`).getAttribute('id'));
    await audit(page, null, 'delete confirmation');
    await dialog.getByLabel(`Type ${name} to confirm`).fill(name);
    await dialog.getByRole('button', { name: 'Delete group' }).click();
    await page.getByTestId('notice').filter({ hasText: `Group ${name} deleted.` }).waitFor();
    await page.waitForURL(`${consoleUrl()}/t/${world.tenant}/groups`);
    await audit(page, null, 'notice after a deletion');
    await api().get(`/api/v1/${world.tenant}/groups/${created.body.id}`).set(...bearer(root)).expect(404);

    // The revocation's confirmation of an API token (no name to type): Cancel keeps it.
    await go(page, '/me/api-tokens');
    await page.getByRole('button', { name: 'Create API token' }).click();
    await page.getByLabel('Name', { exact: true }).fill('a11y');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Revoke a11y' }).click();
    await page.getByRole('alertdialog').waitFor();
    await audit(page, null, 'revoke confirmation');
    await page.keyboard.press('Escape');
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    expect(await page.getByRole('button', { name: 'Revoke a11y' }).count()).toBe(1);
    expect(problems).toEqual([]);
  });

  describe('at 390×844', () => {
    let phone: TestBrowser;
    let small: Page;

    beforeAll(async () => {
      phone = await launchBrowser({ viewport: { width: 390, height: 844 } });
      const context = await phone.newContext();
      small = await context.newPage();
      small.setDefaultTimeout(10_000);
      await signIn(small, SUPER_ADMIN.username, SUPER_ADMIN.password);
    }, 60_000);
    afterAll(() => phone?.close(), 15_000);

    it('keeps the sidebar behind a Menu button, with Sign out on screen', async () => {
      await go(small, `/t/${world.tenant}/users`);
      await settled(small);
      const sidebar = small.getByRole('navigation', { name: 'Sections' });
      expect(await sidebar.isVisible()).toBe(false);
      const signOut = await small.getByRole('button', { name: 'Sign out' }).boundingBox();
      expect(signOut && signOut.x + signOut.width).toBeLessThanOrEqual(390);
      const menu = small.getByRole('button', { name: 'Menu' });
      expect(await menu.getAttribute('aria-expanded')).toBe('false');
      await menu.click();
      expect(await menu.getAttribute('aria-expanded')).toBe('true');
      await sidebar.getByRole('link', { name: 'Groups' }).click();
      await small.getByRole('heading', { name: 'Groups', level: 1 }).waitFor();
      // A navigation closes the menu again.
      expect(await sidebar.isVisible()).toBe(false);
    });

    it('never scrolls the main list pages sideways, and finds no serious or critical violation on them', async () => {
      const t = `/t/${world.tenant}`;
      const wide: string[] = [];
      for (const path of [
        `${t}/users`, `${t}/service-accounts`, `${t}/oauth-clients`, `${t}/groups`, `${t}/groups/${world.group.id}/members`, `${t}/access`,
        `${t}/invitations`, `${t}/roles`, `${t}/audit`, `${t}/webhooks`, '/admin/tenants', '/admin/users', '/admin/audit', '/me/sessions', '/me/api-tokens',
      ]) {
        await go(small, path);
        await settled(small);
        const { overflow, culprits } = await horizontalOverflow(small);
        if (overflow > 0) wide.push(`${path}: ${overflow}px wider than the window, past it: ${culprits.join('; ')}`);
        problems.push(...describeViolations(`${path} at 390 px`, await seriousViolations(small)));
      }
      expect(wide).toEqual([]);
      expect(problems).toEqual([]);
    });
  });
});
