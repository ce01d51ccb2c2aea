import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { api, bearer, createUser, superAdminToken, TestUser } from '@gatehouse/testing';
import type { BrowserContext, Page } from 'playwright-core';
import { consoleUrl, go, newPage, newTab, shot, signIn, useBrowser } from './console-support';

/**
 * The console's browser session, in a real browser: the refresh token lives in an HttpOnly,
 * SameSite=Strict cookie limited to /api/v1/session, the access token in each tab's memory. A reload, a
 * bookmark and a new tab keep the session; signing out in one tab ends it in all of them and at the
 * server; a cross-site request cannot use the cookie; a reused refresh token still ends the session.
 */
jest.setTimeout(60_000);

const COOKIE = '__Secure-gatehouse-session';

describe('console: a session that survives reloads and new tabs', () => {
  const { browser } = useBrowser();
  let user: TestUser;
  let first: Page;
  let context: BrowserContext;
  /** The last access token each tab sent to the API (the console keeps it in memory only). */
  const bearers = new Map<Page, string>();

  const watchBearer = (page: Page) => {
    page.on('request', (request) => {
      const authorization = request.headers()['authorization'];
      if (authorization?.startsWith('Bearer ')) bearers.set(page, authorization.slice('Bearer '.length));
    });
  };
  const signedInAs = (page: Page, username: string) => page.locator('.user-menu').getByText(username).waitFor();
  const sessionCookie = async (ctx: BrowserContext = context) => (await ctx.cookies()).find((c) => c.name === COOKIE);

  beforeAll(async () => {
    user = await createUser(await superAdminToken());
    first = await newPage(browser());
    context = first.context();
    watchBearer(first);
  }, 30_000);

  it('signs in; the refresh token is an HttpOnly, SameSite=Strict, Secure cookie limited to /api/v1/session, invisible to scripts', async () => {
    const signInAnswer = first.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST');
    await signIn(first, user.username, user.password);
    await signedInAs(first, user.username);
    const answer = await signInAnswer;
    expect(answer.status()).toBe(200);
    expect(Object.keys(await answer.json()).sort()).toEqual(['accessToken', 'expiresIn', 'tokenType']);

    const cookie = await sessionCookie();
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/api/v1/session', domain: '127.0.0.1' });
    expect(cookie?.value).toMatch(/^ghr_/);
    expect(cookie?.expires).toBeGreaterThan(Date.now() / 1000 + 24 * 3600);
    // Not readable by scripts, nor kept anywhere a script could read a token.
    const seen = (await first.evaluate('JSON.stringify([document.cookie, Object.keys(localStorage).map((k) => localStorage.getItem(k)), Object.keys(sessionStorage).map((k) => sessionStorage.getItem(k))])')) as string;
    expect(seen).not.toContain(COOKIE);
    expect(seen).not.toContain(cookie?.value as string);
    expect(seen).not.toContain(bearers.get(first) as string);
    await shot(first, '20-session-signed-in');
  });

  it('a reload keeps the session (through the cookie, which rotates)', async () => {
    const before = (await sessionCookie())?.value;
    await go(first, '/me');
    await first.reload();
    await signedInAs(first, user.username);
    expect(new URL(first.url()).pathname).toBe('/ui/me');
    const after = (await sessionCookie())?.value;
    expect(after).toMatch(/^ghr_/);
    expect(after).not.toBe(before);
  });

  it('a bookmark opened in a new tab of the same browser keeps the session', async () => {
    const second = await newTab(first);
    watchBearer(second);
    await second.goto(`${consoleUrl()}/me`);
    await signedInAs(second, user.username);
    expect(new URL(second.url()).pathname).toBe('/ui/me');
    // Another browser (no cookie) is sent to the sign-in page, with the bookmark kept for after it.
    const stranger = await newPage(browser());
    await stranger.goto(`${consoleUrl()}/me`);
    await stranger.waitForURL(`${consoleUrl()}/login?next=%2Fme`);
    await stranger.close();
    await second.close();
  });

  it('several tabs loading at once share the session without tripping refresh-token reuse detection', async () => {
    const tabs = await Promise.all([newTab(first), newTab(first), newTab(first)]);
    await Promise.all(tabs.map((tab) => tab.goto(`${consoleUrl()}/me`)));
    await Promise.all(tabs.map((tab) => signedInAs(tab, user.username)));
    await first.reload();
    await signedInAs(first, user.username);
    await Promise.all(tabs.map((tab) => tab.close()));
  });

  it('refuses a request without the CSRF header, and a cross-site page can neither use nor rotate the cookie', async () => {
    const cookie = await sessionCookie();
    // The console's own origin sends the cookie, but without the header the gateway refuses it.
    const sameOrigin = (await first.evaluate(
      `fetch('/api/v1/session/refresh', { method: 'POST' }).then(async (r) => ({ status: r.status, body: await r.json() }))`,
    )) as { status: number; body: { reason: string; type: string } };
    expect(sameOrigin.status).toBe(403);
    expect(sameOrigin.body).toMatchObject({ reason: 'csrf-header-missing', type: expect.stringMatching(/cross-site-request$/) });

    // A page of another site (localhost is not 127.0.0.1): a no-cors POST (without the header, refused as
    // above; the answer is hidden from the page), a fetch with the header (stopped by the CORS preflight),
    // a form (not JSON: 415). The SameSite=Strict cookie goes with none of them.
    const gateway = new URL(consoleUrl()).origin;
    const evil = await crossSitePage(gateway);
    try {
      const attacker = await context.newPage();
      const sent: Array<Promise<{ kind: string; cookie?: string }>> = [];
      attacker.on('request', (r) => {
        if (r.url() === `${gateway}/api/v1/session/refresh`) sent.push(r.allHeaders().then((headers) => ({ kind: r.resourceType(), cookie: headers['cookie'] })));
      });
      await attacker.goto(evil.url);
      await attacker.getByTestId('done').waitFor();
      // The no-cors answer is opaque (and blocked by Cross-Origin-Resource-Policy); the preflight stopped the other.
      expect(JSON.parse((await attacker.getByTestId('done').textContent()) ?? '{}')).toEqual({ noCors: 'unreadable', withHeader: 'refused' });
      const form = attacker.waitForResponse(`${gateway}/api/v1/session/refresh`);
      await attacker.getByRole('button', { name: 'Win a prize' }).click();
      expect((await form).status()).toBe(415);
      // None of them carried the SameSite=Strict cookie.
      expect(await Promise.all(sent)).toEqual([
        { kind: 'fetch', cookie: undefined },
        { kind: 'fetch', cookie: undefined },
        { kind: 'document', cookie: undefined },
      ]);
      await attacker.close();
    } finally {
      await evil.close();
    }
    expect((await sessionCookie())?.value).toBe(cookie?.value);
    await first.reload();
    await signedInAs(first, user.username);
  });

  it('signing out in one tab signs every tab out, and their access tokens are refused by the API', async () => {
    const other = await newTab(first);
    watchBearer(other);
    await other.goto(`${consoleUrl()}/me`);
    await signedInAs(other, user.username);
    await api().get('/api/v1/me').set(...bearer(bearers.get(other) as string)).expect(200);
    const otherToken = bearers.get(other) as string;
    const firstToken = bearers.get(first) as string;

    await first.getByRole('button', { name: 'Sign out' }).click();
    await first.waitForURL(`${consoleUrl()}/login`);
    await other.waitForURL((url) => url.pathname === '/ui/login');
    await shot(other, '21-session-signed-out-elsewhere');
    expect(await sessionCookie()).toBeUndefined();
    for (const token of [otherToken, firstToken]) await api().get('/api/v1/me').set(...bearer(token)).expect(401);
    // Nothing comes back with a reload or a new tab.
    await other.reload();
    await other.getByLabel('Username or email').waitFor();
    const third = await newTab(first);
    await third.goto(`${consoleUrl()}/me`);
    await third.waitForURL((url) => url.pathname === '/ui/login');
    await third.close();
    await other.close();
  });

  it('a refresh token presented again (stolen and used) still ends the whole session', async () => {
    await signIn(first, user.username, user.password);
    await signedInAs(first, user.username);
    const stolen = (await sessionCookie())?.value as string;
    await first.reload();
    await signedInAs(first, user.username);
    expect((await sessionCookie())?.value).not.toBe(stolen);

    const replay = await api().post('/api/v1/session/refresh').set('x-gatehouse-csrf', '1').set('cookie', `${COOKIE}=${stolen}`);
    expect(replay.status).toBe(401);
    expect(replay.body.detail).toMatch(/already used/);
    expect(replay.headers['set-cookie']?.[0]).toMatch(/Max-Age=0/);
    await api().get('/api/v1/me').set(...bearer(bearers.get(first) as string)).expect(401);
    // The tab's next call is refused, its refresh too (the session is revoked): it shows the sign-in page.
    await go(first, '/me/api-tokens');
    await first.waitForURL((url) => url.pathname === '/ui/login');
    expect(await sessionCookie()).toBeUndefined();
  });
});

/**
 * A page of another site aimed at the gateway: a no-cors POST to the refresh endpoint, a fetch with the
 * CSRF header (which needs a CORS preflight), and a form posting to it.
 */
async function crossSitePage(gateway: string): Promise<{ url: string; close(): Promise<void> }> {
  const target = `${gateway}/api/v1/session/refresh`;
  const html = `<!doctype html><html><body>
<form method="post" action="${target}" enctype="text/plain"><input type="hidden" name="x" value="y"><button>Win a prize</button></form>
<script>
(async () => {
  const result = {};
  result.noCors = await fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', credentials: 'include' })
    .then((r) => (r.type === 'opaque' ? 'unreadable' : 'answered ' + r.status), () => 'unreadable');
  result.withHeader = await fetch(${JSON.stringify(target)}, { method: 'POST', credentials: 'include', headers: { 'x-gatehouse-csrf': '1' } })
    .then((r) => 'answered ' + r.status, () => 'refused');
  const done = document.createElement('pre');
  done.dataset.testid = 'done';
  done.textContent = JSON.stringify(result);
  document.body.append(done);
})();
</script></body></html>`;
  const server: Server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
