/** @jest-environment jsdom */
import type { IntegrationView, IntegrationWithSecret, Page } from '@gatehouse/contracts';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { answerDialog, currentPath, fakeApiForEachTest, fieldErrors, invalid, renderWithAuth, SentRequest, userView, withFeedback } from '../../__tests__/fake-api';
import { IntegrationsSection } from '../integrations';

const integration: IntegrationView = {
  id: 'i-1', tenantId: 'acme', name: 'Entra ID', enabled: true, ownerId: 'u-1', secretPrefix: 'ghscim_abcdefgh', secretCreatedAt: '2026-01-01T00:00:00Z',
  lastUsedAt: null, scimPath: '/api/v1/acme/integrations/i-1/scim/v2', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z',
};
const withSecret: IntegrationWithSecret = { ...integration, secret: 'ghscim_abcdefgh-the-rest-of-it' };

const server = fakeApiForEachTest();

describe('Provisioning integrations', () => {
  it('lists the integrations with their status and secret prefix; Create only for USER:CREATE holders', async () => {
    server.on('GET', '/api/v1/acme/integrations', { body: { results: [integration], total: 1, page: 1, size: 25 } satisfies Page<IntegrationView> });
    server.on('POST', '/api/v1/acme/acls/check', (r: SentRequest) => ({
      body: (r.body as { checks: Array<{ permission: string; action: string }> }).checks.map((c) => ({ allowed: c.permission === 'USER' && c.action !== 'DELETE' })),
    }));
    renderWithAuth(server, <IntegrationsSection tenant="acme" rest="" />, { me: userView({ id: 'integrator-1' }) });
    expect(await screen.findByRole('link', { name: 'Entra ID' })).toHaveProperty('href', expect.stringContaining('/t/acme/integrations/i-1'));
    expect(screen.getByText('ghscim_abcdefgh…')).toBeTruthy();
    expect(screen.getByText('Enabled')).toBeTruthy();
    expect(await screen.findByRole('link', { name: 'Create' })).toBeTruthy();
  });

  it('creates one and shows its secret and SCIM base URL once, then opens it', async () => {
    server.on('POST', '/api/v1/acme/integrations', { status: 201, body: withSecret });
    render(<IntegrationsSection tenant="acme" rest="new" />);
    await userEvent.type(screen.getByLabelText('Name'), 'Entra ID');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect((await screen.findByTestId('integration-secret')).textContent).toBe(withSecret.secret);
    expect(screen.getByTestId('scim-url').textContent).toBe(`${window.location.origin}/api/v1/acme/integrations/i-1/scim/v2`);
    expect(server.sent('POST', '/api/v1/acme/integrations').map((r) => r.body)).toEqual([{ name: 'Entra ID' }]);
    await userEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(currentPath()).toBe('/t/acme/integrations/i-1');
  });

  it('shows a refused name next to the field', async () => {
    server.on('POST', '/api/v1/acme/integrations', invalid({ field: 'name', message: 'name must be shorter than or equal to 100 characters' }));
    render(<IntegrationsSection tenant="acme" rest="new" />);
    await userEvent.type(screen.getByLabelText('Name'), 'x');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(fieldErrors('name')).toEqual(['Use at most 100 characters.']));
  });

  it('disables one, and rotates its secret only once confirmed, showing the new one', async () => {
    server.on('GET', '/api/v1/acme/integrations/i-1', { body: integration });
    server.on('PATCH', '/api/v1/acme/integrations/i-1', { body: { ...integration, enabled: false } });
    server.on('POST', '/api/v1/acme/integrations/i-1/secret', { body: { ...withSecret, secret: 'ghscim_new-one' } });
    render(withFeedback(<IntegrationsSection tenant="acme" rest="i-1" />));
    await userEvent.click(await screen.findByLabelText(/Enabled/));
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('status')).textContent).toBe('Saved.');
    expect(server.sent('PATCH', '/api/v1/acme/integrations/i-1').map((r) => r.body)).toEqual([{ name: 'Entra ID', enabled: false }]);
    await userEvent.click(screen.getByRole('button', { name: 'Rotate secret' }));
    await answerDialog(userEvent, 'Cancel');
    expect(server.sent('POST', '/api/v1/acme/integrations/i-1/secret')).toEqual([]);
    await userEvent.click(screen.getByRole('button', { name: 'Rotate secret' }));
    await answerDialog(userEvent, 'Rotate secret');
    expect((await screen.findByTestId('integration-secret')).textContent).toBe('ghscim_new-one');
  });
});
