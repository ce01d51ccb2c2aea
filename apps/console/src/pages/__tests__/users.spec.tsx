/** @jest-environment jsdom */
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { currentPath, fakeApiForEachTest, fieldErrors, invalid, renderWithAuth, userView } from '../../__tests__/fake-api';
import { CreateUserPage, UserDetailPage } from '../users';

const admin = userView({ id: 'admin-1', username: 'admin', superAdmin: true });
const tenantAdmin = userView({ id: 'ta-1', username: 'ta', superAdmin: false });

const server = fakeApiForEachTest();
beforeEach(() => {
  server.on('POST', '/api/v1/validate-password', { body: { valid: true, errors: [] } });
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

  it('in a tenant, adds the new user to the groups ticked (and offers no Super Admin to a tenant admin)', async () => {
    server.on('GET', '/api/v1/acme/groups', { body: { results: [{ id: 'g-1', name: 'ops' }, { id: 'g-2', name: 'dev' }], total: 2, page: 1, size: 100 } });
    server.on('POST', '/api/v1/users', { status: 201, body: userView({ id: 'u-7' }) });
    server.on('POST', '/api/v1/acme/groups/g-2/members', { status: 201, body: {} });
    renderWithAuth(server, <CreateUserPage tenant="acme" base="/t/acme/users" />, { me: tenantAdmin });

    await userEvent.click(await screen.findByLabelText('dev'));
    expect(screen.queryByLabelText('Super Admin')).toBeNull();
    await userEvent.type(screen.getByLabelText('Username'), 'lin@example.com');
    await userEvent.type(screen.getByLabelText('Initial password'), 'pw');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(currentPath()).toBe('/t/acme/users/u-7'));
    expect(server.sent('GET', '/api/v1/acme/groups')[0].url).toBe('/api/v1/acme/groups?size=100');
    expect(server.sent('POST', '/api/v1/users')[0].body).toEqual({ username: 'lin@example.com', password: 'pw' });
    expect(server.sent('POST', '/api/v1/acme/groups/g-2/members').map((r) => r.body)).toEqual([{ memberType: 'USER', memberId: 'u-7' }]);
    expect(server.sent('POST', '/api/v1/acme/groups/g-1/members')).toHaveLength(0);
  });

  it('shows each error of a 422 next to its field and stays on the form', async () => {
    server.on('POST', '/api/v1/users', invalid(
      { field: 'username', message: 'username is taken' },
      { field: 'password', message: 'password must be at least 12 characters' },
    ));
    renderWithAuth(server, <CreateUserPage tenant={null} base="/admin/users" />, { me: admin });

    await userEvent.type(await screen.findByLabelText('Username'), 'ada');
    await userEvent.type(screen.getByLabelText('Initial password'), 'short');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(fieldErrors('username')).toEqual(['username is taken']));
    expect(fieldErrors('password')).toEqual(['password must be at least 12 characters']);
    expect(fieldErrors('email')).toEqual([]);
    expect(screen.getByLabelText('Initial password').getAttribute('aria-invalid')).toBe('true');
    expect(currentPath()).toBe('/');
  });
});

describe('UserDetailPage', () => {
  it('saves the names of a user; an admin who is not a Super Admin cannot change the email', async () => {
    const user = userView({ id: 'u-5', username: 'lin', firstName: 'Lin', email: 'lin@example.com' });
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
});
