import { api, bearer, createTenant, createUser, rolesByName, superAdminToken, unique } from '@gatehouse/testing';
import { consoleUrl, newPage, shot, useBrowser } from './console-support';

describe('console: accepting an invitation from its link', () => {
  const { browser } = useBrowser();

  it('creates the account of a new person and gives them the invited role', async () => {
    const root = await superAdminToken();
    const admin = await createUser(root);
    const tenant = (await createTenant(root, { adminUser: admin.username })).id;
    const viewer = (await rolesByName(admin.token, tenant)).Viewer;
    const email = `${unique('guest')}@gatehouse.test`;
    const invitation = await api()
      .post(`/api/v1/${tenant}/invitations`)
      .set(...bearer(admin.token))
      .send({ email, roles: [{ roleId: viewer.id }] })
      .expect(201);
    const token = new URL(invitation.body.link).searchParams.get('token');
    expect(token).toBeTruthy();

    const page = await newPage(browser());
    await page.goto(`${consoleUrl()}/invitations/accept?token=${encodeURIComponent(String(token))}`);
    await page.getByLabel('Username').fill(email);
    await page.getByLabel('Password', { exact: true }).fill('Invited-Guest-42');
    await page.getByLabel('First name').fill('Grace');
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.getByTestId('invitation-accepted').waitFor();
    await shot(page, 'invitation-accepted');
    expect(await page.getByTestId('invitation-accepted').textContent()).toContain(tenant);

    const login = await api().post('/api/v1/login').send({ username: email, password: 'Invited-Guest-42' }).expect(200);
    const check = await api()
      .post(`/api/v1/${tenant}/acls/check`)
      .set(...bearer(login.body.accessToken))
      .send({ checks: [{ permission: 'FLOW', action: 'READ' }, { permission: 'FLOW', action: 'UPDATE' }] })
      .expect(200);
    expect(check.body.map((d: { allowed: boolean }) => d.allowed)).toEqual([true, false]);

    await page.goto(`${consoleUrl()}/invitations/accept?token=${encodeURIComponent(String(token))}`);
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.locator('.problem').first().waitFor();
    await page.close();
  }, 60_000);
});
