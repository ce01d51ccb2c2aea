import { TestSystem } from '@gatehouse/testing';
import request from 'supertest';
import { consoleUrl, go, newPage, seriousViolations, shot, sidebarLinks, useBrowser } from './console-support';

/** The welcome page needs an instance without users: a separate small system, multi-tenancy without a default tenant. */
jest.setTimeout(60_000);

describe('console: first run', () => {
  const { browser } = useBrowser();
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({ name: 'console-first-run', env: { MULTI_TENANCY_ENABLED: 'true', DEFAULT_TENANT_ENABLED: 'false' } });
  }, 90_000);
  afterAll(() => system?.stop(), 30_000);

  it('leads to the welcome page, shows field errors, creates the first user and tenant, then closes', async () => {
    const base = consoleUrl(system.gatewayUrl);
    const page = await newPage(browser());
    await page.goto(`${base}/`);
    await page.waitForURL(`${base}/setup`);
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    await shot(page, '01-welcome');
    expect(await seriousViolations(page)).toEqual([]);

    // Missing tenant and a too-short password: the server's problem names the fields, shown beside them.
    await page.getByLabel('Username').fill('owner@gatehouse.test');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.locator('.field-error[data-field="tenant"], .field-error[data-field="password"]').first().waitFor();
    const errors = await page.locator('.field-error').allTextContents();
    // In plain words: sentences, not "password must be ..." nor "Bad Request".
    expect(errors.length).toBeGreaterThan(0);
    for (const message of errors) expect(message).toMatch(/^[A-Z].*\.$/);
    expect(await page.getByText('Bad Request').count()).toBe(0);
    expect((await request(system.gatewayUrl).get('/api/v1/setup').expect(200)).body.setupComplete).toBe(false);
    await shot(page, '02-welcome-errors');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Password').fill('Owner-Pass-2024!');
    await page.getByLabel('First tenant id').fill('main');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.waitForURL(`${base}/t/main`);
    await page.getByRole('heading', { name: 'main', level: 1 }).waitFor();
    // The first user is Super Admin and Admin of the first tenant.
    await page.locator('[data-testid="administration"]').waitFor();
    expect(await sidebarLinks(page, 'Administration')).toEqual(expect.arrayContaining(['Tenants', 'Users']));
    expect(await sidebarLinks(page, 'main')).toEqual(expect.arrayContaining(['Users', 'Groups', 'Access', 'Roles', 'Audit log']));
    await shot(page, '03-first-tenant-home');

    const status = await request(system.gatewayUrl).get('/api/v1/setup').expect(200);
    expect(status.body.setupComplete).toBe(true);
    // Set-up is closed: the welcome page is gone for good.
    await go(page, '/setup');
    await page.waitForURL(`${base}/admin/tenants`);
    await page.getByRole('link', { name: 'main' }).first().waitFor();
    const fresh = await newPage(browser());
    await fresh.goto(`${base}/setup`);
    await fresh.waitForURL(`${base}/login`);
    await fresh.close();
    await page.close();
  }, 60_000);
});
