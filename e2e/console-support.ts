import { mkdirSync, readFileSync } from 'node:fs';
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

/**
 * Answers the console's in-app confirmation (ui/feedback; the browser's confirm() is never used): types
 * `typed` where a deletion asks for the name, then presses `button`.
 */
export async function confirmInApp(page: Page, button: string, typed?: string): Promise<void> {
  const dialog = page.getByRole('alertdialog');
  await dialog.waitFor();
  if (typed !== undefined) await dialog.getByLabel(/^Type .* to confirm$/).fill(typed);
  await dialog.getByRole('button', { name: button, exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** axe-core's browser build, evaluated in the page (through the DevTools protocol, so the console's CSP does not apply). */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core (WCAG 2.1 A and AA, and its best practices) on the page as it is now and answers the
 * violations of `impact` serious or critical, each with the elements it found (their selectors).
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE);
  // A string: this runs in the page, and the e2e tsconfig has no DOM types.
  const violations = (await page.evaluate(`
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] })
      .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })))
  `)) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * How far the page scrolls sideways beyond the window (0 when it fits: tables must scroll inside it), and
 * the deepest elements that reach past its right edge (what to fix when it does not fit).
 */
export async function horizontalOverflow(page: Page): Promise<{ overflow: number; culprits: string[] }> {
  return (await page.evaluate(`(() => {
    const overflow = document.scrollingElement.scrollWidth - window.innerWidth;
    const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
    const culprits = overflow <= 0 ? [] : [...document.body.querySelectorAll('*')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.parentElement?.closest('.table-scroll, .tabs'))
      .filter((e, _i, all) => !all.some((o) => o !== e && e.contains(o)))
      .slice(0, 5)
      .map((e) => [...[e.parentElement?.parentElement, e.parentElement].filter(Boolean).map(name), name(e)].join(' > ') + ' (' + Math.round(e.getBoundingClientRect().right) + 'px)');
    return { overflow, culprits };
  })()`)) as { overflow: number; culprits: string[] };
}

/** The labels of the sidebar's links in one section (e.g. the tenant's administration). */
export async function sidebarLinks(page: Page, heading: string): Promise<string[]> {
  const section = page.locator('nav.sidebar section', { has: page.locator('h2', { hasText: heading }) });
  return section.locator('a').allTextContents();
}
