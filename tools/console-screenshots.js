#!/usr/bin/env node
// Screenshots of the console's main pages at 1440×900 and 390×844, written to docs/screenshots/.
//
//   npm run build && node tools/console-screenshots.js [--out docs/screenshots] [--postgres postgres://...]
//
// Starts the whole system as the e2e suites do (libs/testing TestSystem: every service a process, a
// database of its own on PostgreSQL, a private nats-server), fills a tenant with readable data through the
// public API, signs in as the Super Admin in Chromium (Debian's /usr/bin/chromium) and takes each page.
// Everything it started is stopped at the end, the database dropped.
require('reflect-metadata');
const { mkdirSync, statSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const OUT = resolve(ROOT, option('out', 'docs/screenshots'));
const POSTGRES = option('postgres', process.env.E2E_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const SIZES = [
  { name: 'desktop', viewport: { width: 1440, height: 900 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
];

async function main() {
  const testing = require(join(ROOT, 'dist/libs/testing/src/index.js'));
  process.env.E2E_LOG_LEVEL = process.env.E2E_LOG_LEVEL ?? 'warn';
  const system = await testing.TestSystem.start({ name: 'console-screenshots', postgresUrl: POSTGRES, env: { MULTI_TENANCY_ENABLED: 'true' } });
  const browsers = [];
  try {
    system.useForFixtures();
    const world = await fill(testing);
    mkdirSync(OUT, { recursive: true });
    for (const size of SIZES) {
      const browser = await testing.launchBrowser({ viewport: size.viewport });
      browsers.push(browser);
      const page = await (await browser.newContext()).newPage();
      page.setDefaultTimeout(15_000);
      await takeAll(page, `${system.gatewayUrl}/ui`, world, size.name);
    }
  } finally {
    for (const browser of browsers) await browser.close();
    await system.stop();
  }
}

/** A tenant with people, groups, roles, a service account and some history, made through the public API. */
async function fill(testing) {
  const root = await testing.superAdminToken();
  const as = (token) => ({
    post: async (path, body = {}) => {
      const answer = await testing.api().post(path).set(...testing.bearer(token)).send(body);
      if (answer.status >= 300) throw new Error(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    },
  });
  const admin = as(root);
  const tenant = (await admin.post('/api/v1/tenants', { id: 'acme', name: 'Acme Corporation' })).id;
  const roles = await testing.rolesByName(root, tenant);
  const people = [];
  for (const [first, last] of [['Ada', 'Lovelace'], ['Grace', 'Hopper'], ['Alan', 'Turing'], ['Katherine', 'Johnson'], ['Edsger', 'Dijkstra']]) {
    const user = await admin.post('/api/v1/users', {
      username: `${first.toLowerCase()}@acme.test`, firstName: first, lastName: last, password: 'Screenshots-Pass-42', emailVerified: true,
    });
    people.push(user);
  }
  const operations = await admin.post(`/api/v1/${tenant}/groups`, { name: 'Operations', description: 'On call for production' });
  const analysts = await admin.post(`/api/v1/${tenant}/groups`, { name: 'Analysts', description: 'Read the dashboards' });
  for (const user of people.slice(0, 3)) await admin.post(`/api/v1/${tenant}/groups/${operations.id}/members`, { memberType: 'USER', memberId: user.id });
  for (const user of people.slice(2)) await admin.post(`/api/v1/${tenant}/groups/${analysts.id}/members`, { memberType: 'USER', memberId: user.id });
  const flows = await admin.post(`/api/v1/${tenant}/roles`, {
    name: 'Flow editor', description: 'Edits and runs flows', permissions: { FLOW: ['READ', 'UPDATE', 'DELETE', 'CREATE'] },
  });
  await admin.post(`/api/v1/${tenant}/bindings`, { roleId: roles.Developer.id, subjectType: 'GROUP', subjectId: operations.id });
  await admin.post(`/api/v1/${tenant}/bindings`, { roleId: roles.Viewer.id, subjectType: 'GROUP', subjectId: analysts.id });
  await admin.post(`/api/v1/${tenant}/bindings`, { roleId: flows.id, subjectType: 'USER', subjectId: people[0].id, namespaces: ['company.data'] });
  const bot = await admin.post(`/api/v1/${tenant}/service-accounts`, { name: 'ci-bot', description: 'Deploys from CI' });
  await admin.post(`/api/v1/${tenant}/invitations`, { email: 'margaret@acme.test', roles: [{ roleId: roles.Viewer.id }] });
  return { tenant, ada: people[0], operations, flows, bot };
}

/** Takes each page at this size: `<name>-<size>.png`. */
async function takeAll(page, base, world, size) {
  const written = [];
  const shoot = async (name) => {
    await page.waitForFunction('!document.querySelector(".loading")', undefined, { timeout: 10_000 }).catch(() => undefined);
    const file = join(OUT, `${name}-${size}.png`);
    await page.screenshot({ path: file });
    written.push(file);
  };
  const go = async (path, ready) => {
    await page.evaluate(`window.history.pushState(null, '', ${JSON.stringify(`/ui${path}`)}); window.dispatchEvent(new PopStateEvent('popstate'));`);
    await page.getByRole('heading', { name: ready, level: 1 }).waitFor();
  };
  await page.goto(`${base}/login`);
  await page.getByLabel('Username or email').waitFor();
  await shoot('login');
  await page.getByLabel('Username or email').fill('root@gatehouse.test');
  await page.getByLabel('Password', { exact: true }).fill('Correct-Horse-42');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.endsWith('/login'));

  const t = `/t/${world.tenant}`;
  await go(`${t}/users`, 'Users');
  await page.getByText('ada@acme.test').first().waitFor();
  await shoot('users');
  await go(`${t}/users/${world.ada.id}/access`, 'ada@acme.test');
  await page.getByText('Flow editor').first().waitFor();
  await shoot('user-access');
  await go(`${t}/groups/${world.operations.id}/members`, 'Operations');
  await page.getByText('grace@acme.test').first().waitFor();
  await shoot('group-members');
  await go(`${t}/roles`, 'Roles');
  await page.getByText('Flow editor').first().waitFor();
  await shoot('roles');
  await go(`${t}/audit`, 'Audit log');
  await page.locator('tbody tr').first().waitFor();
  await shoot('audit-log');
  await go('/admin/tenants', 'Tenants');
  await page.getByText('Acme Corporation').first().waitFor();
  await shoot('tenants');
  // A form's own checks, in plain words at the field.
  await go(`${t}/groups/new`, 'Create group');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('.field-error[data-field="name"]').waitFor();
  await shoot('form-errors');
  // A deletion asks for the name.
  await go(`${t}/service-accounts/${world.bot.id}`, 'ci-bot');
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('alertdialog').getByLabel('Type ci-bot to confirm').fill('ci-b');
  await shoot('delete-confirmation');
  await page.keyboard.press('Escape');
  if (size === 'phone') {
    await go(`${t}/users`, 'Users');
    await page.getByRole('button', { name: 'Menu' }).click();
    await shoot('menu');
  }
  for (const file of written) console.log(`${relative(ROOT, file)}  ${Math.round(statSync(file).size / 1024)} KB`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
