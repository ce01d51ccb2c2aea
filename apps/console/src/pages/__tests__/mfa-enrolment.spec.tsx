/** @jest-environment jsdom */
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { session } from '../../api/client';
import { fakeApiForEachTest, renderWithAuth, userView } from '../../__tests__/fake-api';
import { MfaEnrolmentPage } from '../mfa-enrolment';

const server = fakeApiForEachTest();

/** An unsigned JWT with these claims (the console reads them, the gateway verifies them). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${part({ alg: 'EdDSA' })}.${part(claims)}.signature`;
}

const noFactors = { enabled: false, totp: null, passkeys: [], recoveryCodes: null };

describe('MfaEnrolmentPage', () => {
  it('walks a user whom a policy requires a factor through setting one up; Continue gets the full session only once one is set up', async () => {
    server.on('GET', '/api/v1/me/mfa', { body: noFactors });
    renderWithAuth(server, <MfaEnrolmentPage />, { me: userView({ id: 'u-1', username: 'ada' }) });

    expect(await screen.findByRole('heading', { name: 'Set up two-step verification' })).toBeTruthy();
    expect(await screen.findByRole('button', { name: 'Set up an authenticator app' })).toBeTruthy();

    server.on('POST', '/api/v1/session/refresh', { body: { tokenType: 'Bearer', accessToken: jwt({ sub: 'u-1', sid: 's-1', mfa_enrolment: true }), expiresIn: 900 } });
    await userEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect((await screen.findByRole('alert')).textContent).toContain('No second factor is set up yet');
    expect(session.enrolmentOnly).toBe(true);

    server.on('POST', '/api/v1/session/refresh', { body: { tokenType: 'Bearer', accessToken: jwt({ sub: 'u-1', sid: 's-1' }), expiresIn: 900 } });
    await userEvent.click(screen.getByRole('button', { name: 'Continue' }));
    await screen.findByRole('button', { name: 'Continue' });
    expect(session.enrolmentOnly).toBe(false);
  });
});
