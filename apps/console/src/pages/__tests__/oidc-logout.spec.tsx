/** @jest-environment jsdom */
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeApiForEachTest } from '../../__tests__/fake-api';
import { interactionExit } from '../oidc-interaction';
import { LOGOUT_CONFIRM, OidcLogoutDonePage, OidcLogoutPage } from '../oidc-logout';

const server = fakeApiForEachTest();

/** The form body the page posted (URLSearchParams: the fake API records JSON bodies only). */
const postedForm = () => String((server.fetch.mock.calls.find(([url]) => url === LOGOUT_CONFIRM) as [string, RequestInit])[1].body);

describe('OidcLogoutPage', () => {
  let leave: jest.SpyInstance;
  beforeEach(() => {
    leave = jest.spyOn(interactionExit, 'leave').mockImplementation(() => undefined);
    window.location.hash = '#xsrf=x-1&client=Acme+Books';
  });
  afterEach(() => {
    leave.mockRestore();
    window.location.hash = '';
  });

  it("shows the application's name; Sign out posts the provider's form with its xsrf value and logout=yes, then goes where identity says", async () => {
    server.on('POST', LOGOUT_CONFIRM, { body: { redirectTo: 'https://books.test/signed-out?state=s' } });
    render(<OidcLogoutPage />);
    expect(screen.getByTestId('oidc-client').textContent).toContain('Acme Books');
    await userEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(leave).toHaveBeenCalledWith('https://books.test/signed-out?state=s'));
    expect(new URLSearchParams(postedForm())).toEqual(new URLSearchParams({ xsrf: 'x-1', logout: 'yes' }));
    expect(server.sent('POST', LOGOUT_CONFIRM)[0].headers).toMatchObject({ accept: 'application/json' });
  });

  it('Stay signed in posts the form without logout', async () => {
    server.on('POST', LOGOUT_CONFIRM, { body: { redirectTo: '/oidc/session/end/success?client_id=c' } });
    render(<OidcLogoutPage />);
    await userEvent.click(screen.getByRole('button', { name: 'Stay signed in' }));
    await waitFor(() => expect(leave).toHaveBeenCalledWith('/oidc/session/end/success?client_id=c'));
    expect(new URLSearchParams(postedForm())).toEqual(new URLSearchParams({ xsrf: 'x-1' }));
  });

  it("shows the provider's refusal (an expired request) and stays", async () => {
    server.on('POST', LOGOUT_CONFIRM, { status: 400, body: { error: 'invalid_request', error_description: 'xsrf token invalid' } });
    render(<OidcLogoutPage />);
    await userEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'This sign-out request has expired or is not valid; sign out from the application again (the provider says: xsrf token invalid).',
    );
    expect(leave).not.toHaveBeenCalled();
  });

  it('without a request in the fragment there is nothing to confirm', () => {
    window.location.hash = '';
    render(<OidcLogoutPage />);
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull();
    expect(screen.getByText(/no sign-out request/)).toBeTruthy();
  });
});

describe('OidcLogoutDonePage', () => {
  afterEach(() => {
    window.location.hash = '';
  });

  it("names the application signed out of", () => {
    window.location.hash = '#client=Acme+Books';
    render(<OidcLogoutDonePage />);
    expect(screen.getByRole('heading', { name: 'Signed out' })).toBeTruthy();
    expect(screen.getByTestId('oidc-client').textContent).toBe('You are signed out of Acme Books.');
  });
});
