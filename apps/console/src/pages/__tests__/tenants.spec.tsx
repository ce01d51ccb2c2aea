/** @jest-environment jsdom */
import type { MfaPolicyView, TenantView } from '@gatehouse/contracts';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { answerDialog, currentPath, fakeApiForEachTest, fieldErrors, invalid, problem, renderWithAuth } from '../../__tests__/fake-api';
import { CreateTenantPage, TenantSettings } from '../tenants';

const acme: TenantView = { id: 'acme', name: 'Acme', workerGroup: 'eu', status: 'ACTIVE', createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z' } as TenantView;

const server = fakeApiForEachTest();

describe('CreateTenantPage', () => {
  it('creates the tenant with the optional fields only when given, then opens it', async () => {
    server.on('POST', '/api/v1/tenants', { status: 201, body: acme });
    render(<CreateTenantPage />);

    await userEvent.type(screen.getByLabelText('Id'), 'acme');
    await userEvent.type(screen.getByLabelText('Name'), 'Acme');
    await userEvent.type(screen.getByLabelText('Admin user'), 'ada@example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(currentPath()).toBe('/t/acme/settings'));
    expect(server.sent('POST', '/api/v1/tenants').map((r) => r.body)).toEqual([{ id: 'acme', name: 'Acme', adminUser: 'ada@example.com' }]);
  });

  it('shows the id error next to the id (checked before sending), then the server\'s conflict in the problem box', async () => {
    server.on(
      'POST', '/api/v1/tenants',
      invalid({ field: 'id', message: 'id must be 2-63 characters of lowercase letters, digits and dashes, starting with a letter or digit' }),
      { status: 409, body: problem(409, 'Conflict', [], 'conflict', 'A tenant with id acme exists') },
    );
    render(<CreateTenantPage />);
    await userEvent.type(screen.getByLabelText('Id'), 'Acme!');
    await userEvent.type(screen.getByLabelText('Name'), 'Acme');

    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    const plain = 'Use 2-63 lowercase letters, digits and dashes, starting with a letter or digit.';
    expect(fieldErrors('id')).toEqual([plain]);
    expect(server.requests).toHaveLength(0);
    await userEvent.clear(screen.getByLabelText('Id'));
    await userEvent.type(screen.getByLabelText('Id'), 'acme');
    // The server says the same, in the same words.
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(fieldErrors('id')).toEqual([plain]));
    expect(fieldErrors('name')).toEqual([]);
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('A tenant with id acme exists.'));
    expect(fieldErrors('id')).toEqual([]);
    expect(currentPath()).toBe('/');
  });
});

describe('TenantSettings (the Settings section of /t/{id})', () => {
  it('saves the overview (an empty worker group is null) and reads the tenant again', async () => {
    server.on('GET', '/api/v1/tenants/acme', { body: acme }, { body: { ...acme, name: 'Acme Corp', workerGroup: null } });
    server.on('PATCH', '/api/v1/tenants/acme', { body: acme });
    renderWithAuth(server, <TenantSettings tenant="acme" />);

    const name = await screen.findByLabelText('Name');
    await userEvent.type(name, ' Corp');
    await userEvent.clear(screen.getByLabelText('Worker group'));
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    expect((await screen.findByRole('status')).textContent).toBe('Saved.');
    expect(server.sent('PATCH', '/api/v1/tenants/acme').map((r) => r.body)).toEqual([{ name: 'Acme Corp', workerGroup: null }]);
    await waitFor(() => expect(server.sent('GET', '/api/v1/tenants/acme')).toHaveLength(2));
  });

  it('deletes the tenant only when its id is typed to confirm', async () => {
    server.on('GET', '/api/v1/tenants/acme', { body: acme });
    server.on('DELETE', '/api/v1/tenants/acme', { status: 204 });
    renderWithAuth(server, <TenantSettings tenant="acme" />);

    await userEvent.click(await screen.findByRole('button', { name: 'Delete acme' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Delete the tenant acme?' });
    await userEvent.type(within(dialog).getByLabelText('Type acme to confirm'), 'acm');
    expect(within(dialog).getByRole('button', { name: 'Delete tenant' })).toHaveProperty('disabled', true);
    await userEvent.keyboard('{Enter}');
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(server.sent('DELETE', '/api/v1/tenants/acme')).toHaveLength(0);
    const deleteButton = screen.getByRole('button', { name: 'Delete acme' });
    await waitFor(() => expect(document.activeElement).toBe(deleteButton));
    await userEvent.click(deleteButton);
    await answerDialog(userEvent, 'Delete tenant', 'acme');

    await waitFor(() => expect(currentPath()).toBe('/admin/tenants'));
    expect(server.sent('DELETE', '/api/v1/tenants/acme')).toHaveLength(1);
    expect(screen.getByTestId('notice').textContent).toContain('Tenant acme deleted.');
  });
});

describe('TenantSettings: the two-step verification policy', () => {
  const inherited: MfaPolicyView = { policy: 'optional', source: 'instance', tenantPolicy: null, instanceDefault: 'optional' };
  const own: MfaPolicyView = { policy: 'required-for-admins', source: 'tenant', tenantPolicy: 'required-for-admins', instanceDefault: 'optional' };

  it("shows the policy in effect, sets the tenant's own, then goes back to the instance's (null)", async () => {
    server.on('GET', '/api/v1/tenants/acme', { body: acme });
    server.on('GET', '/api/v1/acme/mfa-policy', { body: inherited }, { body: own }, { body: inherited });
    server.on('PUT', '/api/v1/acme/mfa-policy', { body: own }, { body: inherited });
    renderWithAuth(server, <TenantSettings tenant="acme" />);

    const panel = within(await screen.findByRole('form', { name: 'Two-step verification policy' }));
    const select = await panel.findByLabelText('Who must use two-step verification');
    expect((select as HTMLSelectElement).value).toBe('inherit');
    expect(panel.getByText(/In effect: Optional \(the instance's default\)/)).toBeTruthy();

    await userEvent.selectOptions(select, 'required-for-admins');
    await userEvent.click(panel.getByRole('button', { name: 'Save' }));
    expect((await panel.findByRole('status')).textContent).toBe('Saved.');
    await waitFor(() => expect(panel.getByText(/In effect: Required for admins \(this tenant's own\)/)).toBeTruthy());

    await userEvent.selectOptions(panel.getByLabelText('Who must use two-step verification'), 'inherit');
    await userEvent.click(panel.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(server.sent('PUT', '/api/v1/acme/mfa-policy').map((r) => r.body)).toEqual([{ policy: 'required-for-admins' }, { policy: null }]));
  });

  it('a caller who may not set it is told why, in the panel', async () => {
    server.on('GET', '/api/v1/tenants/acme', { body: acme });
    server.on('GET', '/api/v1/acme/mfa-policy', { body: inherited });
    server.on('PUT', '/api/v1/acme/mfa-policy', { status: 403, body: problem(403, 'Forbidden', [], 'forbidden', 'Only an Admin of acme sets its MFA policy') });
    renderWithAuth(server, <TenantSettings tenant="acme" />);

    const panel = within(await screen.findByRole('form', { name: 'Two-step verification policy' }));
    await userEvent.selectOptions(await panel.findByLabelText('Who must use two-step verification'), 'required');
    await userEvent.click(panel.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(panel.getByRole('alert').textContent).toContain('Only an Admin of acme sets its MFA policy'));
    expect(panel.queryByRole('status')).toBeNull();
  });
});
