import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchBrowser, TestBrowser } from '@gatehouse/testing';
import type { Page } from 'playwright-core';

/** Screenshots of the main pages, kept as test artifacts (tmp/ is not committed). */
export const SCREENSHOT_DIR = resolve('tmp/console-screenshots');

export function consoleUrl(base = process.env.GATEHOUSE_URL): string {
  if (!base) throw new Error('GATEHOUSE_URL is not set: e2e specs run under the e2e global setup');
  return `${base}/ui`;
}

/** One browser per spec file; `newPage()` opens a tab in a context of its own (another person's browser). */
export function useBrowser(): { browser: () => TestBrowser } {
  let browser: TestBrowser;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 30_000);
  afterAll(() => browser?.close(), 15_000);
  return { browser: () => browser };
}

/** A tab in a browser context of its own: no cookie, so no console session until it signs in. */
export async function newPage(browser: TestBrowser): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

/** Another tab of the same browser context as `page`: it shares the cookie, so the console session. */
export async function newTab(page: Page): Promise<Page> {
  const tab = await page.context().newPage();
  tab.setDefaultTimeout(10_000);
  return tab;
}

/** In-app navigation (no reload: keeps the page's state; a reload restores the session through its cookie). */
export async function go(page: Page, path: string): Promise<void> {
  // A string: this runs in the page, and the e2e tsconfig has no DOM types.
  await page.evaluate(`window.history.pushState(null, '', ${JSON.stringify(`/ui${path}`)}); window.dispatchEvent(new PopStateEvent('popstate'));`);
}

export async function signIn(page: Page, username: string, password: string, base?: string): Promise<void> {
  await page.goto(`${consoleUrl(base)}/login`);
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.endsWith('/login'));
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** The labels of the sidebar's links in one section (e.g. the tenant's administration). */
export async function sidebarLinks(page: Page, heading: string): Promise<string[]> {
  const section = page.locator('nav.sidebar section', { has: page.locator('h2', { hasText: heading }) });
  return section.locator('a').allTextContents();
}
