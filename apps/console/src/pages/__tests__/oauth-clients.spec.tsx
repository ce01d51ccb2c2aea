/** @jest-environment jsdom */
import type { OAuthClientView, Page, ServiceAccountView } from '@gatehouse/contracts';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { answerDialog, currentPath, fakeApiForEachTest, fieldErrors, invalid, withFeedback } from '../../__tests__/fake-api';
import { OAuthClientsSection } from '../oauth-clients';

const client: OAuthClientView = {
  id: 'c-1', tenantId: 'acme', clientId: 'cid-123', name: 'Portal', description: null, type: 'confidential', ownerType: 'USER', ownerId: 'u-1',
  redirectUris: ['https://portal.example.com/cb'], postLogoutRedirectUris: [], backchannelLogoutUri: null,
  grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile', 'email'], firstParty: false,
  secretCreatedAt: '2026-01-01T00:00:00Z', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', createdBy: 'u-1',
};
const robot = { id: 'sa-1', tenantId: 'acme', name: 'deployer', description: null, createdAt: '', updatedAt: '' } satisfies ServiceAccountView;
const page = <T,>(results: T[]): Page<T> => ({ results, total: results.length, page: 1, size: 500 });

const server = fakeApiForEachTest();

describe('OAuth clients', () => {
  it('creates a machine client owned by a service account: URIs one per line, the grants and scopes ticked, the secret shown once', async () => {
    server.on('GET', '/api/v1/acme/service-accounts', { body: page([robot]) });
    server.on('POST', '/api/v1/acme/oauth-clients', { status: 201, body: { ...client, clientSecret: 'the-secret' } });
    render(<OAuthClientsSection tenant="acme" rest="new" />);
    await screen.findByRole('option', { name: 'Service account deployer' });
    await userEvent.selectOptions(screen.getByLabelText('Owner'), 'sa-1');
    await userEvent.type(screen.getByLabelText('Name'), 'Portal');
    await userEvent.type(screen.getByLabelText('Redirect URIs (one per line)'), ' https://a.example.com/cb {enter}{enter}https://b.example.com/cb');
    await userEvent.click(screen.getByLabelText('Refresh tokens'));
    await userEvent.click(screen.getByLabelText(/^Client credentials/));
    await userEvent.click(screen.getByLabelText('email'));
    await userEvent.click(screen.getByLabelText('tenant'));
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));

    expect((await screen.findByTestId('client-secret')).textContent).toBe('the-secret');
    expect(screen.getByTestId('client-id').textContent).toBe('cid-123');
    expect(server.sent('POST', '/api/v1/acme/oauth-clients').map((r) => r.body)).toEqual([{
      name: 'Portal', description: null, redirectUris: ['https://a.example.com/cb', 'https://b.example.com/cb'], postLogoutRedirectUris: [],
      backchannelLogoutUri: null, grantTypes: ['authorization_code', 'client_credentials'], scopes: ['openid', 'profile', 'tenant'], firstParty: false,
      type: 'confidential', ownerType: 'SERVICE_ACCOUNT', ownerId: 'sa-1',
    }]);
    await userEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(currentPath()).toBe('/t/acme/oauth-clients/c-1');
  });

  it('a public client is owned by its creator and has no secret to show', async () => {
    server.on('GET', '/api/v1/acme/service-accounts', { status: 403, body: {} });
    server.on('POST', '/api/v1/acme/oauth-clients', { status: 201, body: { ...client, type: 'public', secretCreatedAt: null } });
    render(<OAuthClientsSection tenant="acme" rest="new" />);
    await userEvent.selectOptions(screen.getByLabelText('Type'), 'public');
    await userEvent.type(screen.getByLabelText('Name'), 'SPA');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByText('A public client has no secret: it proves itself with PKCE.')).toBeTruthy();
    expect(screen.queryByTestId('client-secret')).toBeNull();
    const [sent] = server.sent('POST', '/api/v1/acme/oauth-clients').map((r) => r.body as Record<string, unknown>);
    expect(sent).toMatchObject({ type: 'public', name: 'SPA' });
    expect(sent).not.toHaveProperty('ownerId');
  });

  it("shows a refused redirect URI next to its field", async () => {
    server.on('GET', '/api/v1/acme/service-accounts', { body: page([]) });
    server.on('POST', '/api/v1/acme/oauth-clients', invalid({ field: 'redirectUris', message: 'each value in redirectUris must be a URL address' }));
    render(<OAuthClientsSection tenant="acme" rest="new" />);
    await userEvent.type(screen.getByLabelText('Name'), 'Portal');
    await userEvent.type(screen.getByLabelText('Redirect URIs (one per line)'), 'not a url');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(fieldErrors('redirectUris')).toHaveLength(1));
    expect(screen.queryByTestId('client-secret')).toBeNull();
  });

  it('edits a client (Save sends the form as it stands), rotates a confidential one\'s secret once confirmed', async () => {
    server.on('GET', '/api/v1/acme/oauth-clients/c-1', { body: client });
    server.on('PATCH', '/api/v1/acme/oauth-clients/c-1', (r) => ({ body: { ...client, ...(r.body as object) } }));
    server.on('POST', '/api/v1/acme/oauth-clients/c-1/secret', { body: { ...client, clientSecret: 'rotated-secret' } });
    render(withFeedback(<OAuthClientsSection tenant="acme" rest="c-1" />));
    await userEvent.click(await screen.findByLabelText('First party (skips the consent screen)'));
    await userEvent.type(screen.getByLabelText(/^Back-channel logout URI/), 'https://portal.example.com/logout');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('status')).textContent).toBe('Saved.');
    expect(server.sent('PATCH', '/api/v1/acme/oauth-clients/c-1').map((r) => r.body)).toEqual([{
      name: 'Portal', description: null, redirectUris: ['https://portal.example.com/cb'], postLogoutRedirectUris: [],
      backchannelLogoutUri: 'https://portal.example.com/logout', grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile', 'email'], firstParty: true,
    }]);
    await userEvent.click(screen.getByRole('button', { name: 'Rotate secret' }));
    await answerDialog(userEvent, 'Rotate secret');
    expect((await screen.findByTestId('client-secret')).textContent).toBe('rotated-secret');
  });

  it('offers no Rotate secret for a public client; deleting asks for its name', async () => {
    server.on('GET', '/api/v1/acme/oauth-clients/c-1', { body: { ...client, type: 'public', secretCreatedAt: null } });
    server.on('DELETE', '/api/v1/acme/oauth-clients/c-1', { status: 204 });
    render(withFeedback(<OAuthClientsSection tenant="acme" rest="c-1" />));
    expect(await screen.findByText('none (public client)')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Rotate secret' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await answerDialog(userEvent, 'Delete client', 'Portal');
    await waitFor(() => expect(currentPath()).toBe('/t/acme/oauth-clients'));
    expect(server.sent('DELETE', '/api/v1/acme/oauth-clients/c-1')).toHaveLength(1);
    expect(await screen.findByText('OAuth client Portal deleted.')).toBeTruthy();
  });
});
