import { freePort, TestSystem, unique } from '@gatehouse/testing';
import type { CDPSession, Page } from 'playwright-core';
import request from 'supertest';
import { confirmInApp, consoleUrl, go, newPage, shot, signIn, useBrowser } from './console-support';

interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/**
 * Passkeys in Chromium with its virtual WebAuthn authenticator (CDP WebAuthn domain): register one from
 * Profile › Security, sign in with it alone, sign in with password + passkey, a cloned authenticator
 * (the credential exported and re-added with a lower signature counter) refused, and removal. On a
 * system of its own whose public URL is http://localhost:<port> (WebAuthn needs a secure context and a
 * domain as relying party id; both are derived from JWT_ISSUER).
 */
describe('console: passkeys with a virtual authenticator (Chromium)', () => {
  const { browser } = useBrowser();
  let system: TestSystem;
  let base: string;
  const http = () => request(base);
  const admin = { username: 'root@passkeys.test', password: 'Correct-Horse-42' };
  const user = { username: `${unique('pk')}@passkeys.test`, password: 'Passkey-User-Pass-1' };
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;

  async function virtualAuthenticator(tab: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
    const session = await tab.context().newCDPSession(tab);
    await session.send('WebAuthn.enable');
    const added = await session.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    return { cdp: session, authenticatorId: added.authenticatorId };
  }

  async function signOut(tab: Page): Promise<void> {
    await tab.getByRole('button', { name: 'Sign out' }).click();
    await tab.waitForURL((url) => url.pathname.endsWith('/login'));
  }

  beforeAll(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    system = await TestSystem.start({ name: 'console-passkeys', gatewayPort: port, env: { JWT_ISSUER: base } });
    await http().post('/api/v1/setup').send(admin).expect(201);
    const token = (await http().post('/api/v1/login').send(admin).expect(200)).body.accessToken;
    await http().post('/api/v1/users').set('authorization', `Bearer ${token}`).send(user).expect(201);
    page = await newPage(browser());
    ({ cdp, authenticatorId } = await virtualAuthenticator(page));
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  it('registers a passkey from Profile › Security (the recovery codes shown once)', async () => {
    await signIn(page, user.username, user.password, base);
    await go(page, '/me/security');
    await page.getByLabel('Passkey name').fill('Virtual key');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('dialog', { name: 'Recovery codes' }).waitFor();
    expect(await page.getByTestId('recovery-codes').locator('li').count()).toBe(10);
    await shot(page, 'security-passkey-added');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByTestId('passkeys').getByText('Virtual key').waitFor();
    expect(await page.getByTestId('mfa-status').textContent()).toContain('On');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
  });

  it('signs in with the passkey alone', async () => {
    await signOut(page);
    await page.getByRole('button', { name: 'Use a passkey instead' }).click();
    await page.waitForURL((url) => !url.pathname.endsWith('/login'));
    await go(page, '/me');
    expect(await page.getByTestId('me-username').textContent()).toBe(user.username);
  });

  it('signs in with password + passkey: the second step offers the passkey', async () => {
    await signOut(page);
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await shot(page, 'sign-in-second-step');
    await page.getByRole('button', { name: 'Use your passkey' }).click();
    await page.waitForURL((url) => !url.pathname.endsWith('/login'));
    await go(page, '/me');
    expect(await page.getByTestId('me-username').textContent()).toBe(user.username);
  });

  it('refuses a cloned authenticator (the same credential with a lower signature counter)', async () => {
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    const original = credentials[0] as VirtualCredential;
    expect(original.signCount).toBeGreaterThan(1);
    const thief = await newPage(browser());
    const second = await virtualAuthenticator(thief);
    await second.cdp.send('WebAuthn.addCredential', { authenticatorId: second.authenticatorId, credential: { ...original, signCount: 0 } });
    await thief.goto(`${consoleUrl(base)}/login`);
    await thief.getByRole('button', { name: 'Use a passkey instead' }).click();
    const alert = thief.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/counter went back/);
    expect(new URL(thief.url()).pathname).toBe('/ui/login');
    await thief.context().close();
  });

  it('removes the passkey: sign-in is password-only again', async () => {
    await go(page, '/me/security');
    await page.getByRole('button', { name: 'Remove Virtual key' }).click();
    await confirmInApp(page, 'Remove passkey');
    await page.getByText('No passkey yet.').waitFor();
    expect(await page.getByTestId('mfa-status').textContent()).toContain('Off');
    await signOut(page);
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.endsWith('/login'));
  });
});
