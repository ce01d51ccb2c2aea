/** @jest-environment jsdom */
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { session } from '../../api/client';
import { currentPath, fakeApiForEachTest, problem, renderWithAuth, tokenPair, userView, visit } from '../../__tests__/fake-api';
import { FederationCallbackPage } from '../federated-sign-in';
import { LoginPage } from '../public';

const server = fakeApiForEachTest();

describe('Signing in through an identity provider', () => {
  it('offers the instance-wide providers, and those of the typed address\'s domain (home-realm discovery)', async () => {
    server.on('GET', '/api/v1/login/providers', (r) => ({
      body: new URL(r.url, 'http://x').searchParams.get('email')?.endsWith('@acme.example')
        ? [{ id: 'p-1', name: 'Company SSO', type: 'oidc' }, { id: 'p-2', name: 'Acme Entra ID', type: 'oidc' }]
        : [{ id: 'p-1', name: 'Company SSO', type: 'oidc' }],
    }));
    visit('/login');
    renderWithAuth(server, <LoginPage />);
    expect(await screen.findByRole('button', { name: 'Continue with Company SSO' }, { timeout: 5000 })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Continue with Acme Entra ID' })).toBeNull();
    await userEvent.type(screen.getByLabelText('Username or email'), 'ada@acme.example');
    expect(await screen.findByRole('button', { name: 'Continue with Acme Entra ID' }, { timeout: 5000 })).toBeTruthy();
    // Only the domain is sent, never the name typed.
    expect(server.sent('GET', '/api/v1/login/providers').map((r) => new URL(r.url, 'http://x').searchParams.get('email'))).toContain('x@acme.example');
  });

  it("finishes the console's sign-in with the provider's answer and the start's binding, then goes home", async () => {
    sessionStorage.setItem('gatehouse.federation.binding', 'binding-1');
    server.on('POST', '/api/v1/session/federated', { body: tokenPair('access-fed') });
    server.on('GET', '/api/v1/me', { body: userView() });
    visit('/federation/callback?code=c-1&state=s-1&iss=https%3A%2F%2Fidp.example');
    renderWithAuth(server, <FederationCallbackPage />);
    await waitFor(() => expect(currentPath()).toBe('/'));
    const [sent] = server.sent('POST', '/api/v1/session/federated');
    expect([sent.body, sent.headers['x-gatehouse-csrf']]).toEqual([{ query: 'code=c-1&state=s-1&iss=https%3A%2F%2Fidp.example', binding: 'binding-1' }, '1']);
    expect(sessionStorage.getItem('gatehouse.federation.binding')).toBeNull();
    expect(session.signedIn).toBe(true);
  });

  it('asks for the second factor when the policy wants one', async () => {
    server.on('POST', '/api/v1/session/federated', {
      status: 401, body: { ...problem(401, 'Unauthorized', [], 'mfa-required', 'A second factor is required'), mfaToken: 'ghm_1', factors: ['totp'] },
    });
    visit('/federation/callback?code=c-1&state=s-1');
    renderWithAuth(server, <FederationCallbackPage />);
    expect(await screen.findByLabelText(/code/i)).toBeTruthy();
  });

  it('shows why an answer was refused', async () => {
    server.on('POST', '/api/v1/session/federated', { status: 401, body: problem(401, 'Unauthorized', [], 'federation-refused', '"Company SSO" did not sign you in: access_denied') });
    visit('/federation/callback?error=access_denied&state=s-2');
    renderWithAuth(server, <FederationCallbackPage />);
    expect((await screen.findByRole('alert')).textContent).toContain('access_denied');
    expect(screen.getByRole('link', { name: 'Start again' })).toBeTruthy();
  });
});
