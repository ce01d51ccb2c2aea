import type { BrowserContext } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); the tests never download a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export interface TestBrowser {
  /**
   * A new browser context: its own cookies and storage, as another person's browser. Its tabs
   * (`context.newPage()`) share them, so they share one console session. Closed with the browser.
   */
  newContext(): Promise<BrowserContext>;
  /** Closes the browser (every context). */
  close(): Promise<void>;
}

/**
 * Launches headless Chromium through playwright-core (a fresh temporary profile, removed on close) without
 * the background traffic (updates, sync, QUIC) CI has no use for.
 */
export async function launchBrowser(options: { viewport?: { width: number; height: number } } = {}): Promise<TestBrowser> {
  // loaded when a browser is launched: the unit specs that use this lib never pay for it
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
  const viewport = options.viewport ?? { width: 1280, height: 860 };
  return {
    newContext: () => browser.newContext({ viewport }),
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}
