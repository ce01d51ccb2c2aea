import { api, bearer, CaughtMail, createUser, login, meStatus, superAdminToken, TestUser, tokenFromLink, unique, waitForMail } from '@gatehouse/testing';
import type { Page } from 'playwright-core';
import { confirmInApp, consoleUrl, go, newPage, shot, signIn, useBrowser } from './console-support';

/** The profile's sessions and email change in a real browser (docs/accounts.md). */
jest.setTimeout(60_000);

const MAIL_DIR = process.env.E2E_MAIL_DIR as string;
const mailTo = (to: string, template: string) => (m: CaughtMail) => m.to.includes(to) && m.headers['x-gatehouse-template'] === template;
const signInElsewhere = async (user: TestUser, device: string) =>
  (await api().post('/api/v1/login').set('user-agent', device).send({ username: user.username, password: user.password }).expect(200)).body as { accessToken: string };

describe('console: own sessions and email on the profile', () => {
  const { browser } = useBrowser();
  let user: TestUser;
  let page: Page;

  beforeAll(async () => {
    user = await createUser(await superAdminToken(), { username: `${unique('profile')}@gatehouse.test`.toLowerCase() });
    page = await newPage(browser());
    await signIn(page, user.username, user.password);
  }, 30_000);

  it('lists the sessions with this one marked, ends another, then all the others; the ended ones are refused at once', async () => {
    const phone = await signInElsewhere(user, 'Phone-Browser/1.0');
    await go(page, '/me/sessions');
    await page.getByTestId('current-session').waitFor();
    const phoneRow = page.getByRole('row', { name: /Phone-Browser\/1\.0/ });
    await phoneRow.waitFor();
    await shot(page, '30-profile-sessions');
    await phoneRow.getByRole('button', { name: /^End the session of/ }).click();
    await confirmInApp(page, 'End session');
    await page.getByRole('status').filter({ hasText: 'Session ended.' }).waitFor();
    await phoneRow.waitFor({ state: 'detached' });
    expect(await meStatus(bearer(phone.accessToken))).toBe(401);

    const tablet = await signInElsewhere(user, 'Tablet-Browser/2.0');
    await page.reload();
    await page.getByRole('row', { name: /Tablet-Browser\/2\.0/ }).waitFor();
    await page.getByRole('button', { name: 'End all other sessions' }).click();
    await confirmInApp(page, 'End all other sessions');
    await page.getByRole('status').filter({ hasText: /sessions? ended/ }).waitFor();
    expect(await meStatus(bearer(tablet.accessToken))).toBe(401);
    // This browser's own session lives on: one row left, the current one.
    await page.reload();
    await page.getByTestId('current-session').waitFor();
    expect(await page.locator('tbody tr').count()).toBe(1);
  });

  it('changes the email: pending until the link from the email is opened, then the new address, verified', async () => {
    const newEmail = `${unique('moved')}@gatehouse.test`.toLowerCase();
    await go(page, '/me');
    await page.getByTestId('email-verified').waitFor();
    await page.getByRole('button', { name: 'Change email' }).click();
    await page.getByLabel('New email').fill(newEmail);
    await page.getByLabel('Current password').fill(user.password);
    await page.getByRole('button', { name: 'Send confirmation link' }).click();
    await page.getByTestId('pending-email').filter({ hasText: newEmail }).waitFor();
    await shot(page, '31-profile-email-pending');
    // (the fixture's own session ended with "End all other sessions" above)
    const me = await api().get('/api/v1/me').set(...bearer(await login(user.username, user.password))).expect(200);
    expect(me.body.email).toBe(user.username);

    const mail = await waitForMail(MAIL_DIR, mailTo(newEmail, 'verify-email'));
    await waitForMail(MAIL_DIR, mailTo(user.username, 'email-change-requested'));
    await page.goto(`${consoleUrl()}/verify-email?token=${encodeURIComponent(tokenFromLink(mail, '/ui/verify-email'))}`);
    await page.getByRole('status').filter({ hasText: `Your email address is now ${newEmail}.` }).waitFor();
    await page.getByRole('link', { name: 'Go to your profile' }).click();
    await page.locator('dd', { hasText: newEmail }).getByTestId('email-verified').waitFor();
    await page.getByTestId('email-verified').waitFor();
    expect(await page.getByTestId('pending-email').count()).toBe(0);
    await shot(page, '32-profile-email-changed');
  });
});
