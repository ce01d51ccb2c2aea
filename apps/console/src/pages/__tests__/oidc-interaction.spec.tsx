/** @jest-environment jsdom */
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeApiForEachTest, problem } from '../../__tests__/fake-api';
import type { InteractionStep } from '@gatehouse/contracts';
import { interactionExit, OidcInteractionPage } from '../oidc-interaction';

const server = fakeApiForEachTest();
const BASE = '/oidc/interaction/uid-1';

const step = (fields: Partial<InteractionStep>): InteractionStep => ({
  uid: 'uid-1',
  step: 'login',
  client: { id: 'c-1', name: 'Acme Books', firstParty: false },
  scopes: ['openid', 'email'],
  ...fields,
});

describe('OidcInteractionPage', () => {
  let leave: jest.SpyInstance;
  beforeEach(() => {
    leave = jest.spyOn(interactionExit, 'leave').mockImplementation(() => undefined);
  });
  afterEach(() => leave.mockRestore());

  async function signIn(username = 'ada', password = 'correct horse') {
    await userEvent.type(await screen.findByLabelText('Username or email'), username);
    await userEvent.type(screen.getByLabelText('Password'), password);
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  }

  it('signs in, picks a tenant, consents and goes back to the application', async () => {
    server.on('GET', `${BASE}/details`, { body: step({}) });
    server.on('POST', `${BASE}/login`, { body: step({ step: 'tenant', tenants: [{ id: 'acme', name: 'acme' }, { id: 'globex', name: 'globex' }] }) });
    server.on('POST', `${BASE}/tenant`, { body: step({ step: 'consent' }) });
    server.on('POST', `${BASE}/consent`, { body: { redirectTo: 'https://gatehouse.test/oidc/auth/uid-1' } });
    render(<OidcInteractionPage uid="uid-1" />);

    expect((await screen.findByTestId('oidc-client')).textContent).toContain('Acme Books');
    await signIn();
    await userEvent.click(await screen.findByLabelText('globex'));
    await userEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect((await screen.findByTestId('oidc-scopes')).textContent).toContain('Your email address');
    await userEvent.click(screen.getByRole('button', { name: 'Allow' }));

    await waitFor(() => expect(leave).toHaveBeenCalledWith('https://gatehouse.test/oidc/auth/uid-1'));
    expect(server.sent('POST', `${BASE}/login`).map((r) => [r.body, r.headers.authorization])).toEqual([[{ username: 'ada', password: 'correct horse' }, undefined]]);
    expect(server.sent('POST', `${BASE}/tenant`).map((r) => r.body)).toEqual([{ tenant: 'globex' }]);
  });

  it('goes straight back when the sign-in ends the interaction (a first-party client, one tenant)', async () => {
    server.on('GET', `${BASE}/details`, { body: step({ client: { id: 'c-1', name: 'Console', firstParty: true } }) });
    server.on('POST', `${BASE}/login`, { body: { redirectTo: 'https://gatehouse.test/oidc/auth/uid-1' } });
    render(<OidcInteractionPage uid="uid-1" />);

    await signIn();

    await waitFor(() => expect(leave).toHaveBeenCalledWith('https://gatehouse.test/oidc/auth/uid-1'));
  });

  it('shows why the sign-in failed (lockout) and stays on the form', async () => {
    server.on('GET', `${BASE}/details`, { body: step({}) });
    server.on('POST', `${BASE}/login`, { status: 423, body: problem(423, 'Account locked', [], 'account-locked', 'Too many failed sign-ins; try again in 15 minutes') });
    render(<OidcInteractionPage uid="uid-1" />);

    await signIn('ada', 'wrong');

    expect((await screen.findByRole('alert')).textContent).toContain('Too many failed sign-ins');
    expect(screen.getByLabelText('Username or email')).toBeTruthy();
    expect(leave).not.toHaveBeenCalled();
  });

  it('asks for a new password when an administrator requires one', async () => {
    server.on('GET', `${BASE}/details`, { body: step({}) });
    server.on('POST', `${BASE}/login`, { status: 403, body: problem(403, 'Password change required', [], 'password-change-required') });
    render(<OidcInteractionPage uid="uid-1" />);

    await signIn('ada@example.com', 'old');

    expect(await screen.findByRole('heading', { name: 'Password change required' })).toBeTruthy();
    expect((screen.getByLabelText('Email') as HTMLInputElement).value).toBe('ada@example.com');
  });

  it('cancels: the application gets access_denied through the redirect identity answers', async () => {
    server.on('GET', `${BASE}/details`, { body: step({ step: 'consent' }) });
    server.on('POST', `${BASE}/abort`, { body: { redirectTo: 'https://app.example.com/cb?error=access_denied' } });
    render(<OidcInteractionPage uid="uid-1" />);

    await userEvent.click(await screen.findByRole('button', { name: 'Cancel and return to the application' }));

    await waitFor(() => expect(leave).toHaveBeenCalledWith('https://app.example.com/cb?error=access_denied'));
  });

  it('says so when the sign-in has expired', async () => {
    server.on('GET', `${BASE}/details`, { status: 404, body: { type: 'about:blank', title: 'Not Found', status: 404, detail: 'This sign-in has expired or does not exist; start again from the application' } });
    render(<OidcInteractionPage uid="uid-1" />);

    expect((await screen.findByRole('alert')).textContent).toContain('This sign-in has expired');
  });

  it('asks for the second factor after the password and posts it with its mfaToken to …/mfa', async () => {
    server.on('GET', `${BASE}/details`, { body: step({}) });
    server.on('POST', `${BASE}/login`, {
      status: 401,
      body: { ...problem(401, 'A second factor is required', [], 'mfa-required'), mfaToken: 'ghm_1', expiresIn: 300, factors: ['totp', 'recovery-code'] },
    });
    server.on('POST', `${BASE}/mfa`, { body: { redirectTo: 'https://gatehouse.test/oidc/auth/uid-1' } });
    render(<OidcInteractionPage uid="uid-1" />);

    await signIn();
    await userEvent.type(await screen.findByLabelText('Code from your authenticator app'), '123456');
    await userEvent.click(screen.getByRole('button', { name: 'Verify' }));

    await waitFor(() => expect(leave).toHaveBeenCalledWith('https://gatehouse.test/oidc/auth/uid-1'));
    expect(server.sent('POST', `${BASE}/mfa`).map((r) => r.body)).toEqual([{ mfaToken: 'ghm_1', code: '123456' }]);
  });

  it('names a step it does not know instead of failing', async () => {
    server.on('GET', `${BASE}/details`, { body: step({ step: 'webauthn-enrolment' as InteractionStep['step'] }) });
    render(<OidcInteractionPage uid="uid-1" />);

    expect((await screen.findByText(/needs a step this page does not know \(webauthn-enrolment\)/)).textContent).toBeTruthy();
  });
});
