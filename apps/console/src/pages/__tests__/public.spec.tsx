/** @jest-environment jsdom */
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { session } from '../../api/client';
import {
  Answer, currentPath, fakeApiForEachTest, fieldErrors, invalid, problem, renderWithAuth, setupStatus, tokenPair, userView, visit,
} from '../../__tests__/fake-api';
import { ForgottenPasswordPage, LoginPage, PasswordChangeRequiredPage, ResetPasswordPage, SetupPage } from '../public';

const server = fakeApiForEachTest();

describe('LoginPage', () => {
  /** Opens the sign-in page at `path`, where POST /session (the browser sign-in) answers `login`, and signs in. */
  async function signInAt(path: string, login: Answer, username: string, password: string) {
    visit(path);
    server.on('POST', '/api/v1/session', login);
    server.on('GET', '/api/v1/me', { body: userView() });
    renderWithAuth(server, <LoginPage />);
    await userEvent.type(screen.getByLabelText('Username or email'), username);
    await userEvent.type(screen.getByLabelText('Password'), password);
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  }

  it('signs in, loads the profile with the new access token and goes where it was asked to', async () => {
    await signInAt('/login?next=%2Ft%2Facme%2Fusers', { body: tokenPair('access-ada') }, 'ada', 'correct horse');

    await waitFor(() => expect(currentPath()).toBe('/t/acme/users'));
    expect(server.sent('POST', '/api/v1/session').map((r) => [r.body, r.headers['x-gatehouse-csrf']])).toEqual([[{ username: 'ada', password: 'correct horse' }, '1']]);
    expect(server.sent('GET', '/api/v1/me')[0].headers.authorization).toBe('Bearer access-ada');
    expect(session.signedIn).toBe(true);
  });

  it('goes home instead of to another site', async () => {
    await signInAt('/login?next=%2F%2Fevil.example', { body: tokenPair('a') }, 'ada', 'pw');

    await waitFor(() => expect(currentPath()).toBe('/'));
  });

  it('shows why the sign-in failed and stays signed out', async () => {
    await signInAt('/login', { status: 401, body: problem(401, 'Unauthorized', [], 'invalid-credentials', 'Wrong username or password') }, 'ada', 'wrong');

    expect((await screen.findByRole('alert')).textContent).toContain('Wrong username or password');
    expect(session.signedIn).toBe(false);
    expect(currentPath()).toBe('/login');
    expect(server.sent('GET', '/api/v1/me')).toHaveLength(0);
  });

  it('leads to the password-change page when an administrator requires a new password', async () => {
    await signInAt('/login', { status: 403, body: problem(403, 'Password change required', [], 'password-change-required') }, 'ada@example.com', 'old');

    await waitFor(() => expect(currentPath()).toBe('/password-change-required?username=ada%40example.com'));
  });
});

describe('ForgottenPasswordPage', () => {
  it('asks for a link for the email and says one is on its way', async () => {
    server.on('POST', '/api/v1/forgotten-password', { status: 204 });
    render(<ForgottenPasswordPage />);

    await userEvent.type(screen.getByLabelText('Email'), 'ada@example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Send link' }));

    expect((await screen.findByRole('status')).textContent).toBe('If an account uses ada@example.com, an email with a link to choose a new password is on its way.');
    expect(server.sent('POST', '/api/v1/forgotten-password').map((r) => r.body)).toEqual([{ email: 'ada@example.com' }]);
    expect(screen.queryByLabelText('Email')).toBeNull();
  });

  it('shows the error of the email next to it', async () => {
    server.on('POST', '/api/v1/forgotten-password', invalid({ field: 'email', message: 'email must be an email' }));
    render(<ForgottenPasswordPage />);

    await userEvent.type(screen.getByLabelText('Email'), 'nope');
    await userEvent.click(screen.getByRole('button', { name: 'Send link' }));

    await waitFor(() => expect(fieldErrors('email')).toEqual(['Enter an email address, such as name@example.com.']));
    expect(screen.getByRole('alert').querySelector('li')).toBeNull();
  });
});

describe('PasswordChangeRequiredPage', () => {
  it('offers a new link to the email the user signed in with', async () => {
    visit('/password-change-required?username=ada%40example.com');
    server.on('POST', '/api/v1/forgotten-password', { status: 204 });
    render(<PasswordChangeRequiredPage />);

    expect(screen.getByLabelText('Email')).toHaveProperty('value', 'ada@example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Send a new link' }));

    expect((await screen.findByRole('status')).textContent).toBe('A new link is on its way to ada@example.com.');
    expect(server.sent('POST', '/api/v1/forgotten-password').map((r) => r.body)).toEqual([{ email: 'ada@example.com' }]);
  });
});

describe('ResetPasswordPage', () => {
  it('says the link is incomplete without a token', () => {
    visit('/reset-password');
    render(<ResetPasswordPage />);
    expect(screen.getByText(/This link is incomplete/)).toBeTruthy();
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('sets the new password with the token of the link once both entries match', async () => {
    visit('/reset-password?token=tok-123');
    server.on('POST', '/api/v1/reset-password', { status: 204 });
    render(<ResetPasswordPage />);

    await userEvent.type(screen.getByLabelText('New password'), 'a-long-new-password');
    await userEvent.type(screen.getByLabelText('Repeat the new password'), 'a-long-new-passwor');
    expect(screen.getByText('The passwords differ')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Set password' })).toHaveProperty('disabled', true);
    await userEvent.type(screen.getByLabelText('Repeat the new password'), 'd');
    await userEvent.click(screen.getByRole('button', { name: 'Set password' }));

    expect((await screen.findByRole('status')).textContent).toContain('Your password has been changed.');
    expect(server.sent('POST', '/api/v1/reset-password').map((r) => r.body)).toEqual([{ token: 'tok-123', password: 'a-long-new-password' }]);
  });

  it('shows the policy error next to the password, and a way to a new link when the token is spent', async () => {
    visit('/reset-password?token=old');
    server.on(
      'POST', '/api/v1/reset-password',
      invalid({ field: 'password', message: 'password must be at least 12 characters' }),
      { status: 400, body: problem(400, 'Invalid reset token', [], 'invalid-reset-token') },
    );
    render(<ResetPasswordPage />);
    await userEvent.type(screen.getByLabelText('New password'), 'short');

    await userEvent.click(screen.getByRole('button', { name: 'Set password' }));
    await waitFor(() => expect(fieldErrors('password')).toEqual(['Must be at least 12 characters.']));
    expect(screen.queryByRole('link', { name: 'Request a new link' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Set password' }));

    expect(await screen.findByRole('link', { name: 'Request a new link' })).toBeTruthy();
    expect(fieldErrors('password')).toEqual([]);
  });
});

describe('SetupPage', () => {
  const fill = async (label: string, text: string) => userEvent.type(screen.getByLabelText(label), text);

  it('creates the first user and tenant, signs in and opens the tenant', async () => {
    server.on('POST', '/api/v1/setup', { status: 201, body: { user: { id: 'u-1', username: 'root', superAdmin: true }, tenant: { id: 'acme' } } });
    server.on('POST', '/api/v1/session', { body: tokenPair('root-token') });
    server.on('GET', '/api/v1/me', { body: userView({ username: 'root', superAdmin: true }) });
    renderWithAuth(server, <SetupPage />, { setup: setupStatus({ setupComplete: false, enabled: true }) });
    await screen.findByLabelText('First tenant id');

    await fill('Username', 'root');
    await fill('Password', 'Change-Me-Now-42');
    await fill('First tenant id', 'acme');
    await userEvent.click(screen.getByRole('button', { name: 'Create user' }));

    await waitFor(() => expect(currentPath()).toBe('/t/acme'));
    expect(server.sent('POST', '/api/v1/setup').map((r) => r.body)).toEqual([{ username: 'root', password: 'Change-Me-Now-42', tenant: 'acme' }]);
    expect(server.sent('POST', '/api/v1/session').map((r) => r.body)).toEqual([{ username: 'root', password: 'Change-Me-Now-42' }]);
    expect(server.sent('GET', '/api/v1/setup')).toHaveLength(2);
  });

  it('asks for no tenant when there is a default tenant, and sends the email when given', async () => {
    server.on('POST', '/api/v1/setup', { status: 201, body: { user: { id: 'u-1', username: 'root', superAdmin: true }, tenant: null } });
    server.on('POST', '/api/v1/session', { body: tokenPair('root-token') });
    server.on('GET', '/api/v1/me', { body: userView() });
    renderWithAuth(server, <SetupPage />, { setup: setupStatus({ setupComplete: false, enabled: true, defaultTenant: true }) });
    await screen.findByLabelText('Username');

    expect(screen.queryByLabelText('First tenant id')).toBeNull();
    await fill('Username', 'root');
    await fill('Email', 'root@example.com');
    await fill('Password', 'pw');
    await userEvent.click(screen.getByRole('button', { name: 'Create user' }));

    await waitFor(() => expect(currentPath()).toBe('/'));
    expect(server.sent('POST', '/api/v1/setup')[0].body).toEqual({ username: 'root', password: 'pw', email: 'root@example.com' });
  });

  it('shows each field error next to its field', async () => {
    server.on('POST', '/api/v1/setup', invalid(
      { field: 'username', message: 'username must not be empty' },
      { field: 'tenant', message: 'id must be 2-63 characters' },
      { field: 'locale', message: 'unknown locale' },
    ));
    renderWithAuth(server, <SetupPage />, { setup: setupStatus({ setupComplete: false, enabled: true }) });
    await screen.findByLabelText('First tenant id');

    await userEvent.click(screen.getByRole('button', { name: 'Create user' }));

    await waitFor(() => expect(fieldErrors('username')).toEqual(['This is required.']));
    expect(fieldErrors('tenant')).toEqual(['Must be 2-63 characters.']);
    expect(fieldErrors('password')).toEqual([]);
    expect([...screen.getByRole('alert').querySelectorAll('li')].map((li) => li.textContent)).toEqual(['Locale: Unknown locale.']);
    expect(server.sent('POST', '/api/v1/session')).toHaveLength(0);
  });
});
