/** @jest-environment jsdom */
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { currentPath, FakeApi, fakeApiForEachTest, fieldErrors, invalid, problem, renderWithAuth, SentRequest, userView } from '../../__tests__/fake-api';
import { CreateUserPage, UserDetailPage, UsersList } from '../users';

/** The instance-level decisions of the signed-in subject: the pairs listed are allowed. */
function instanceGrants(server: FakeApi, pairs: string[]) {
  server.on('POST', '/api/v1/acls/check', (r: SentRequest) => ({
    body: (r.body as { checks: Array<{ permission: string; action: string }> }).checks.map((c) => ({ allowed: pairs.includes(`${c.permission}:${c.action}`) })),
  }));
}
const USER_GOVERNANCE = ['USER:READ', 'USER:CREATE', 'USER:UPDATE', 'USER:DELETE'];
const page = <T,>(results: T[]) => ({ body: { results, total: results.length, page: 1, size: 100 } });

const admin = userView({ id: 'admin-1', username: 'admin', superAdmin: true });
const tenantAdmin = userView({ id: 'ta-1', username: 'ta', superAdmin: false });

const server = fakeApiForEachTest();
beforeEach(() => {
  server.on('POST', '/api/v1/validate-password', { body: { valid: true, errors: [] } });
});

/** The decisions of the signed-in subject in tenant acme: the pairs listed are allowed. */
function tenantGrants(server: FakeApi, pairs: string[]) {
  server.on('POST', '/api/v1/acme/acls/check', (r: SentRequest) => ({
    body: (r.body as { checks: Array<{ permission: string; action: string }> }).checks.map((c) => ({ allowed: pairs.includes(`${c.permission}:${c.action}`) })),
  }));
}

describe('UsersList', () => {
  it('offers no Create nor Add existing user above a Forbidden list to a member without rights', async () => {
    instanceGrants(server, []);
    tenantGrants(server, []);
    server.on('GET', '/api/v1/acme/tenant-access', { status: 403, body: problem(403, 'Forbidden', [], 'forbidden', 'Missing permission TENANT_ACCESS:READ') });
    // The console caches decisions per user: users of their own here.
    renderWithAuth(server, <UsersList tenant="acme" base="/t/acme/users" />, { me: userView({ id: 'member-1', username: 'member' }) });

    expect((await screen.findByRole('alert')).textContent).toBe('You are not allowed to do this.It needs the TENANT_ACCESS:READ permission, which you do not have here.');
    await waitFor(() => expect(server.sent('POST', '/api/v1/acme/acls/check')).toHaveLength(1));
    await waitFor(() => expect(server.sent('POST', '/api/v1/acls/check')).toHaveLength(1));
    expect(screen.queryByRole('link', { name: 'Create' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Add existing user' })).toBeNull();
  });

  it('offers Create (to invite) and Add existing user to a tenant Admin', async () => {
    instanceGrants(server, []);
    tenantGrants(server, ['TENANT_ACCESS:READ', 'TENANT_ACCESS:CREATE', 'INVITATION:CREATE']);
    server.on('GET', '/api/v1/acme/tenant-access', page([]));
    renderWithAuth(server, <UsersList tenant="acme" base="/t/acme/users" />, { me: userView({ id: 'ta-9', username: 'ta9' }) });

    expect(await screen.findByRole('link', { name: 'Create' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Add existing user' })).toBeTruthy();
  });
});

describe('CreateUserPage', () => {
  it('creates a Super Admin at instance level with only the fields filled in', async () => {
    server.on('POST', '/api/v1/users', { status: 201, body: userView({ id: 'u-42' }) });
    renderWithAuth(server, <CreateUserPage tenant={null} base="/admin/users" />, { me: admin });

    await userEvent.type(await screen.findByLabelText('Username'), 'grace');
    await userEvent.type(screen.getByLabelText('First name'), 'Grace');
    await userEvent.type(screen.getByLabelText('Email'), 'grace@example.com');
    await userEvent.type(screen.getByLabelText('Initial password'), 'Change-Me-Now-42');
    await userEvent.click(screen.getByLabelText('Super Admin'));
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(currentPath()).toBe('/admin/users/u-42'));
    expect(server.sent('POST', '/api/v1/users').map((r) => r.body)).toEqual([
      { username: 'grace', password: 'Change-Me-Now-42', firstName: 'Grace', email: 'grace@example.com', superAdmin: true },
    ]);
  });

  it('in a tenant, gives the new user the role and the groups chosen (and offers no Super Admin to an Instance Admin)', async () => {
    instanceGrants(server, USER_GOVERNANCE);
    server.on('GET', '/api/v1/acme/groups', page([{ id: 'g-1', name: 'ops' }, { id: 'g-2', name: 'dev' }]));
    server.on('GET', '/api/v1/acme/roles', page([{ id: 'r-v', name: 'Viewer' }]));
    server.on('POST', '/api/v1/users', { status: 201, body: userView({ id: 'u-7' }) });
    server.on('POST', '/api/v1/acme/bindings', { status: 201, body: {} });
    server.on('POST', '/api/v1/acme/groups/g-2/members', { status: 201, body: {} });
    renderWithAuth(server, <CreateUserPage tenant="acme" base="/t/acme/users" />, { me: tenantAdmin });

    await userEvent.click(await screen.findByLabelText('dev'));
    await screen.findByRole('option', { name: 'Viewer' });
    await userEvent.selectOptions(screen.getByLabelText('Role'), 'r-v');
    expect(screen.queryByLabelText('Super Admin')).toBeNull();
    await userEvent.type(screen.getByLabelText('Username'), 'lin@example.com');
    await userEvent.type(screen.getByLabelText('Initial password'), 'pw');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(currentPath()).toBe('/t/acme/users/u-7'));
    expect(server.sent('POST', '/api/v1/users')[0].body).toEqual({ username: 'lin@example.com', password: 'pw' });
    expect(server.sent('POST', '/api/v1/acme/bindings').map((r) => r.body)).toEqual([{ roleId: 'r-v', subjectType: 'USER', subjectId: 'u-7' }]);
    expect(server.sent('POST', '/api/v1/acme/groups/g-2/members').map((r) => r.body)).toEqual([{ memberType: 'USER', memberId: 'u-7' }]);
    expect(server.sent('POST', '/api/v1/acme/groups/g-1/members')).toHaveLength(0);
  });

  it('in a tenant, refuses to create a user without a role or a group (they would have no access there)', async () => {
    instanceGrants(server, USER_GOVERNANCE);
    server.on('GET', '/api/v1/acme/groups', page([]));
    server.on('GET', '/api/v1/acme/roles', page([{ id: 'r-v', name: 'Viewer' }]));
    renderWithAuth(server, <CreateUserPage tenant="acme" base="/t/acme/users" />, { me: tenantAdmin });

    await userEvent.type(await screen.findByLabelText('Username'), 'lin');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    expect((await screen.findByRole('alert')).textContent).toMatch(/Choose a role or a group/);
    expect(server.sent('POST', '/api/v1/users')).toHaveLength(0);
  });

  it('when giving access is refused, the user is not created twice: Save again retries the access only', async () => {
    instanceGrants(server, USER_GOVERNANCE);
    server.on('GET', '/api/v1/acme/groups', page([]));
    server.on('GET', '/api/v1/acme/roles', page([{ id: 'r-a', name: 'Admin' }, { id: 'r-v', name: 'Viewer' }]));
    server.on('POST', '/api/v1/users', { status: 201, body: userView({ id: 'u-8', username: 'lin' }) });
    server.on('POST', '/api/v1/acme/bindings', { status: 403, body: problem(403, 'Forbidden', [], 'forbidden', 'You cannot let anyone gain TENANT') }, { status: 201, body: {} });
    renderWithAuth(server, <CreateUserPage tenant="acme" base="/t/acme/users" />, { me: tenantAdmin });

    await screen.findByRole('option', { name: 'Admin' });
    await userEvent.selectOptions(screen.getByLabelText('Role'), 'r-a');
    await userEvent.type(screen.getByLabelText('Username'), 'lin');
    await userEvent.type(screen.getByLabelText('Initial password'), 'pw');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByText(/was created but has no access here yet/)).textContent).toContain('lin');
    await userEvent.selectOptions(screen.getByLabelText('Role'), 'r-v');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(currentPath()).toBe('/t/acme/users/u-8'));
    expect(server.sent('POST', '/api/v1/users')).toHaveLength(1);
    expect(server.sent('POST', '/api/v1/acme/bindings').map((r) => (r.body as { roleId: string }).roleId)).toEqual(['r-a', 'r-v']);
  });

  it('a tenant Admin, who cannot create accounts, invites by email with the role chosen and sees the link', async () => {
    server.on('GET', '/api/v1/acme/groups', page([]));
    server.on('GET', '/api/v1/acme/roles', page([{ id: 'r-v', name: 'Viewer' }]));
    server.on('POST', '/api/v1/acme/invitations', { status: 201, body: { id: 'i-1', email: 'new@example.com', link: 'http://x/ui/invitations/accept?token=t' } });
    // A user id of its own: capabilities are cached per signed-in user.
    renderWithAuth(server, <CreateUserPage tenant="acme" base="/t/acme/users" />, { me: userView({ id: 'ta-2', username: 'ta2' }) });

    expect(await screen.findByRole('heading', { name: 'Invite user' })).toBeTruthy();
    await screen.findByRole('option', { name: 'Viewer' });
    await userEvent.type(screen.getByLabelText('Email'), 'new@example.com');
    await userEvent.selectOptions(screen.getByLabelText('Role'), 'r-v');
    await userEvent.click(screen.getByRole('button', { name: 'Send invitation' }));

    expect((await screen.findByTestId('invitation-link')).textContent).toContain('token=t');
    expect(server.sent('POST', '/api/v1/acme/invitations').map((r) => r.body)).toEqual([{ email: 'new@example.com', roles: [{ roleId: 'r-v' }] }]);
    expect(server.sent('POST', '/api/v1/users')).toHaveLength(0);
  });

  it('shows each error of a 422 next to its field and stays on the form', async () => {
    server.on('POST', '/api/v1/users', invalid(
      { field: 'username', message: 'username must not contain spaces or colons' },
      { field: 'password', message: 'password must be at least 12 characters' },
    ));
    renderWithAuth(server, <CreateUserPage tenant={null} base="/admin/users" />, { me: admin });

    await userEvent.type(await screen.findByLabelText('Username'), 'ada');
    await userEvent.type(screen.getByLabelText('Initial password'), 'short');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(fieldErrors('username')).toEqual(['Must not contain spaces or colons.']));
    expect(fieldErrors('password')).toEqual(['Must be at least 12 characters.']);
    expect(screen.getByRole('alert').textContent).toBe('Check the marked fields.');
    expect(fieldErrors('email')).toEqual([]);
    expect(screen.getByLabelText('Initial password').getAttribute('aria-invalid')).toBe('true');
    expect(currentPath()).toBe('/');
  });
});

describe('UserDetailPage', () => {
  it('saves the names of a user; an admin who is not a Super Admin cannot change the email', async () => {
    const user = userView({ id: 'u-5', username: 'lin', firstName: 'Lin', email: 'lin@example.com' });
    instanceGrants(server, USER_GOVERNANCE);
    server.on('GET', '/api/v1/users/u-5', { body: user });
    server.on('PATCH', '/api/v1/users/u-5', { body: { ...user, lastName: 'Chen' } });
    renderWithAuth(server, <UserDetailPage tenant="acme" base="/t/acme/users" id="u-5" tab="overview" />, { me: tenantAdmin });

    expect(await screen.findByLabelText('Email')).toHaveProperty('disabled', true);
    await userEvent.type(screen.getByLabelText('Last name'), 'Chen');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    expect((await screen.findByRole('status')).textContent).toBe('Saved.');
    expect(server.sent('PATCH', '/api/v1/users/u-5').map((r) => r.body)).toEqual([{ firstName: 'Lin', lastName: 'Chen' }]);
    expect(screen.getByLabelText('Last name')).toHaveProperty('value', 'Chen');
  });

  let admins = 0;
  /** A tenant Admin without instance-level USER, under a new id (capabilities are cached per signed-in user). */
  const plainAdmin = () => userView({ id: `plain-${(admins += 1)}`, username: 'plain' });
  const lin = userView({ id: 'u-5', username: 'lin', email: 'lin@example.com' });
  const tenantEntry = { body: { results: [{ subjectType: 'USER', subjectId: 'u-5', user: lin, groups: [], bindings: 0 }], total: 1, page: 1, size: 5 } };

  it("for a tenant Admin, reads the user from the tenant's access list and lists and attaches their groups", async () => {
    server.on('GET', '/api/v1/acme/tenant-access', tenantEntry);
    server.on('GET', '/api/v1/acme/groups', page([{ id: 'g-1', name: 'ops' }, { id: 'g-2', name: 'dev' }]));
    server.on('GET', '/api/v1/acme/users/u-5/groups', page([{ id: 'g-1', name: 'ops', description: 'on call' }]), page([{ id: 'g-1', name: 'ops' }, { id: 'g-2', name: 'dev' }]));
    server.on('POST', '/api/v1/acme/users/u-5/groups', { status: 201, body: {} });
    renderWithAuth(server, <UserDetailPage tenant="acme" base="/t/acme/users" id="u-5" tab="groups" />, { me: plainAdmin() });

    await waitFor(() => expect(screen.getByRole('table', { name: 'Groups' }).textContent).toContain('on call'));
    expect(screen.getAllByRole('tab').map((t) => t.textContent)).toEqual(['Overview', 'Groups', 'Access', 'Authentication', 'Sessions', 'API Tokens']);
    await screen.findByRole('option', { name: 'dev' });
    expect(screen.queryByRole('option', { name: 'ops' })).toBeNull();
    await userEvent.selectOptions(screen.getByLabelText('Group'), 'g-2');
    await userEvent.click(screen.getByRole('button', { name: 'Add to group' }));

    await waitFor(() => expect(screen.getByRole('table', { name: 'Groups' }).textContent).toContain('dev'));
    expect(server.sent('POST', '/api/v1/acme/users/u-5/groups').map((r) => r.body)).toEqual([{ groupId: 'g-2' }]);
    expect(server.sent('GET', '/api/v1/users/u-5')).toHaveLength(0);
  });

  it('shows effective permissions with their origin: a role through a group, a direct binding', async () => {
    server.on('GET', '/api/v1/acme/tenant-access', tenantEntry);
    server.on('GET', '/api/v1/acme/roles', page([]));
    server.on('GET', '/api/v1/acme/bindings', page([]));
    const origin = (roleName: string, groupName: string | null) => ({ bindingId: 'b', roleId: 'r', roleName, groupId: groupName ? 'g' : null, groupName, scope: 'TENANT', namespaces: null });
    server.on('GET', '/api/v1/acme/users/u-5/permissions', page([
      { permission: 'FLOW', action: 'READ', namespaces: null, via: ['group'], origins: [origin('Viewer', 'ops')] },
      { permission: 'EXECUTION', action: 'CREATE', namespaces: ['company.team'], via: ['binding'], origins: [origin('Launcher', null)] },
    ]));
    renderWithAuth(server, <UserDetailPage tenant="acme" base="/t/acme/users" id="u-5" tab="access" />, { me: plainAdmin() });

    const table = await screen.findByRole('region', { name: 'Effective permissions' });
    await waitFor(() => expect(table.textContent).toContain('Viewer via group ops'));
    expect(table.textContent).toContain('Launcher (direct binding)');
    expect(table.textContent).toContain('company.team');
  });

  it("creates an API token for a user of the tenant through the tenant's route; the secret is shown once", async () => {
    server.on('GET', '/api/v1/acme/tenant-access', tenantEntry);
    server.on('GET', '/api/v1/acme/users/u-5/api-tokens', page([]));
    server.on('POST', '/api/v1/acme/users/u-5/api-tokens', { status: 201, body: { id: 't-1', name: 'ci', token: 'gh_secret123' } });
    renderWithAuth(server, <UserDetailPage tenant="acme" base="/t/acme/users" id="u-5" tab="api-tokens" />, { me: plainAdmin() });

    await userEvent.click(await screen.findByRole('button', { name: 'Create API token' }));
    await userEvent.type(screen.getByLabelText('Name'), 'ci');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));

    expect((await screen.findByTestId('secret')).textContent).toBe('gh_secret123');
    expect(server.sent('POST', '/api/v1/acme/users/u-5/api-tokens').map((r) => (r.body as { name: string }).name)).toEqual(['ci']);
  });

  it("shows the refusal of a user's API tokens once, and offers no Create that would be refused the same way", async () => {
    const detail = 'You cannot create an API token for u-5: it holds APP:CREATE in tenant other, which you do not';
    server.on('GET', '/api/v1/acme/tenant-access', tenantEntry);
    server.on('GET', '/api/v1/acme/users/u-5/api-tokens', { status: 403, body: problem(403, 'Forbidden', [], 'forbidden', detail) });
    renderWithAuth(server, <UserDetailPage tenant="acme" base="/t/acme/users" id="u-5" tab="api-tokens" />, { me: plainAdmin() });

    expect((await screen.findByRole('alert')).textContent).toBe(`You are not allowed to do this.${detail}.`);
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Create API token' })).toBeNull());
  });

  it('shows the authentication method as Password and says SSO appears once an identity provider is configured', async () => {
    server.on('GET', '/api/v1/acme/tenant-access', tenantEntry);
    server.on('GET', '/api/v1/acme/users/u-5/authentication', { body: { userId: 'u-5', password: true, links: [] } });
    server.on('POST', '/api/v1/acme/users/u-5/password-reset', { body: {} });
    renderWithAuth(server, <UserDetailPage tenant="acme" base="/t/acme/users" id="u-5" tab="authentication" />, { me: plainAdmin() });

    const method = await screen.findByLabelText('Authentication method');
    expect((method as HTMLSelectElement).value).toBe('PASSWORD');
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['Password']);
    expect(screen.getByTestId('sso-hint').textContent).toMatch(/identity provider is configured/);
    await userEvent.click(screen.getByRole('button', { name: 'Send reset request' }));
    await screen.findByRole('status');
    expect(server.sent('POST', '/api/v1/acme/users/u-5/password-reset')).toHaveLength(1);
  });

  it('lets an admin make a user linked to an identity provider federated only, through the tenant\'s route', async () => {
    server.on('GET', '/api/v1/acme/tenant-access', tenantEntry);
    const link = { providerId: 'p-1', providerName: 'Corporate LDAP', providerType: 'ldap', externalId: 'e-1', linkedBy: 'ADMIN', createdAt: '2026-12-01T00:00:00Z', lastSignInAt: null };
    server.on('GET', '/api/v1/acme/users/u-5/authentication', { body: { userId: 'u-5', password: true, links: [link] } });
    server.on('PUT', '/api/v1/acme/users/u-5/authentication', { body: { userId: 'u-5', password: false, links: [link] } });
    renderWithAuth(server, <UserDetailPage tenant="acme" base="/t/acme/users" id="u-5" tab="authentication" />, { me: plainAdmin() });

    const method = (await screen.findByLabelText('Authentication method')) as HTMLSelectElement;
    await screen.findByText(/Corporate LDAP/);
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['Password', 'Identity providers only']);
    await userEvent.selectOptions(method, 'FEDERATED');
    await screen.findByText(/identity providers only; their password was removed/);
    expect(server.sent('PUT', '/api/v1/acme/users/u-5/authentication').map((r) => r.body)).toEqual([{ password: false }]);
  });

  it("resets a user's second factors through the tenant's route after the in-app confirmation (Cancel sends nothing)", async () => {
    server.on('GET', '/api/v1/acme/tenant-access', tenantEntry);
    server.on('POST', '/api/v1/acme/users/u-5/mfa-reset', { body: { userId: 'u-5', removed: { totp: true, passkeys: 1, recoveryCodes: 8 }, notified: true } });
    renderWithAuth(server, <UserDetailPage tenant="acme" base="/t/acme/users" id="u-5" tab="authentication" />, { me: plainAdmin() });

    await userEvent.click(await screen.findByRole('button', { name: 'Reset second factors…' }));
    expect(screen.getByRole('alertdialog', { name: 'Reset second factors?' }).textContent).toMatch(/authenticator app, every passkey and the recovery codes/);
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(server.sent('POST', '/api/v1/acme/users/u-5/mfa-reset')).toHaveLength(0);

    await userEvent.click(screen.getByRole('button', { name: 'Reset second factors…' }));
    await userEvent.click(screen.getByRole('button', { name: 'Reset second factors' }));
    expect((await screen.findByRole('status')).textContent).toMatch(/were reset; they have been told by email/);
    expect(server.sent('POST', '/api/v1/acme/users/u-5/mfa-reset')).toHaveLength(1);
  });

  it('a Super Admin unlocks a locked user and grants Instance Admin (an instance-level binding)', async () => {
    const locked = userView({ id: 'u-9', username: 'kim', lockedUntil: new Date(Date.now() + 600_000).toISOString() });
    instanceGrants(server, [...USER_GOVERNANCE, 'BINDING:READ', 'BINDING:CREATE']);
    server.on('GET', '/api/v1/users/u-9', { body: locked });
    server.on('POST', '/api/v1/users/u-9/unlock', { body: { ...locked, lockedUntil: null } });
    server.on('GET', '/api/v1/roles', page([{ id: 'r-ia', name: 'Instance Admin' }]));
    server.on('GET', '/api/v1/bindings', page([]), page([{ id: 'b-1', roleId: 'r-ia', roleName: 'Instance Admin' }]));
    server.on('POST', '/api/v1/bindings', { status: 201, body: {} });
    renderWithAuth(server, <UserDetailPage tenant={null} base="/admin/users" id="u-9" tab="overview" />, { me: userView({ id: 'root-2', username: 'root', superAdmin: true }) });

    expect((await screen.findByTestId('locked')).textContent).toMatch(/Locked/);
    await userEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    await waitFor(() => expect(screen.queryByTestId('locked')).toBeNull());
    await userEvent.click(await screen.findByRole('button', { name: 'Grant Instance Admin' }));

    await waitFor(() => expect(screen.getByTestId('instance-admin-state').textContent).toBe('kim is an Instance Admin.'));
    expect(server.sent('POST', '/api/v1/bindings').map((r) => r.body)).toEqual([{ roleId: 'r-ia', subjectType: 'USER', subjectId: 'u-9' }]);
    expect(server.sent('POST', '/api/v1/users/u-9/unlock')).toHaveLength(1);
  });
});
