/** @jest-environment jsdom */
import type { PermissionCatalogue, RoleTemplate, RoleView } from '@gatehouse/contracts';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { currentPath, fakeApiForEachTest, fieldErrors, invalid } from '../../__tests__/fake-api';
import { RoleEditPage } from '../roles';

const BASE = '/t/acme/roles';
const catalogue: PermissionCatalogue = {
  actions: ['CREATE', 'READ', 'UPDATE', 'DELETE'],
  permissions: [
    { name: 'TENANT', level: 'INSTANCE', namespaced: false, description: 'Tenants' },
    { name: 'GROUP', level: 'TENANT', namespaced: false, description: 'Groups' },
    { name: 'ROLE', level: 'TENANT', namespaced: false, description: 'Roles' },
    { name: 'FLOW', level: 'TENANT', namespaced: true, description: 'Flows' },
  ],
};
const templates: RoleTemplate[] = [
  { name: 'Viewer', description: 'Reads', scope: 'TENANT', permissions: { GROUP: ['READ'], FLOW: ['READ'] } },
  { name: 'Instance admin', description: '', scope: 'INSTANCE', permissions: { TENANT: ['READ'] } },
];
const role = (fields: Partial<RoleView> = {}): RoleView => ({
  id: 'r-1', tenantId: 'acme', scope: 'TENANT', name: 'Flow editor', description: null, permissions: { FLOW: ['READ', 'UPDATE'] },
  managed: false, isDefault: false, createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z', ...fields,
});
const box = (label: string) => screen.getByRole('checkbox', { name: label }) as HTMLInputElement;

const server = fakeApiForEachTest();
beforeEach(() => {
  server.on('GET', '/api/v1/acme/acls/permissions', { body: catalogue });
  server.on('GET', '/api/v1/acme/acls/templates', { body: templates });
});

describe('RoleEditPage', () => {
  it('creates a role with the permission × action pairs that were ticked, in the catalogue order', async () => {
    server.on('POST', '/api/v1/acme/roles', { status: 201, body: role() });
    render(<RoleEditPage tenant="acme" base={BASE} id={null} />);
    await userEvent.type(await screen.findByLabelText('Name'), 'Group keeper');

    expect(screen.queryByRole('checkbox', { name: 'TENANT READ' })).toBeNull();
    await userEvent.click(box('GROUP UPDATE'));
    await userEvent.click(box('GROUP READ'));
    await userEvent.click(box('ROLE all'));
    await userEvent.click(box('FLOW DELETE'));
    await userEvent.click(box('FLOW DELETE'));
    await userEvent.click(screen.getByLabelText('Default role (bound to users who join the tenant)'));
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(currentPath()).toBe(BASE));
    expect(server.sent('POST', '/api/v1/acme/roles').map((r) => r.body)).toEqual([
      { name: 'Group keeper', isDefault: true, permissions: { GROUP: ['READ', 'UPDATE'], ROLE: ['CREATE', 'READ', 'UPDATE', 'DELETE'] } },
    ]);
  });

  it('ticks a whole row with "all" once every action of it is ticked, and clears it with "all"', async () => {
    render(<RoleEditPage tenant="acme" base={BASE} id={null} />);
    await screen.findByLabelText('Name');

    for (const action of ['CREATE', 'READ', 'UPDATE', 'DELETE']) await userEvent.click(box(`GROUP ${action}`));
    expect(box('GROUP all').checked).toBe(true);
    await userEvent.click(box('GROUP all'));

    expect(['CREATE', 'READ', 'UPDATE', 'DELETE'].map((a) => box(`GROUP ${a}`).checked)).toEqual([false, false, false, false]);
  });

  it('starts from a tenant template', async () => {
    server.on('POST', '/api/v1/acme/roles', { status: 201, body: role() });
    render(<RoleEditPage tenant="acme" base={BASE} id={null} />);
    const start = await screen.findByLabelText('Start from');

    expect([...(start as HTMLSelectElement).options].map((o) => o.text)).toEqual(['Empty', 'Viewer']);
    await userEvent.selectOptions(start, 'Viewer');
    expect(box('GROUP READ').checked).toBe(true);
    expect(box('FLOW READ').checked).toBe(true);
    await userEvent.type(screen.getByLabelText('Name'), 'Viewer');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(server.sent('POST', '/api/v1/acme/roles')).toHaveLength(1));
    expect((server.requests.at(-1)?.body as { permissions: unknown }).permissions).toEqual({ GROUP: ['READ'], FLOW: ['READ'] });
  });

  it('shows the errors of the permissions under the grid and the name error next to the name', async () => {
    server.on('POST', '/api/v1/acme/roles', invalid(
      { field: 'name', message: 'name must be shorter than or equal to 100 characters' },
      { field: 'permissions.FLOW[0]', message: 'FLOW does not take CREATE' },
    ));
    render(<RoleEditPage tenant="acme" base={BASE} id={null} />);
    // Checked before sending (the server's rule): an empty name never leaves the form.
    await userEvent.click(await screen.findByRole('button', { name: 'Save' }));
    expect(fieldErrors('name')).toEqual(['This is required.']);
    expect(server.sent('POST', '/api/v1/acme/roles')).toHaveLength(0);

    await userEvent.type(screen.getByLabelText('Name'), 'Flow maker');
    await userEvent.click(box('FLOW CREATE'));
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(fieldErrors('name')).toEqual(['Use at most 100 characters.']));
    const grid = screen.getByRole('table', { name: 'Permissions' });
    expect(grid.nextElementSibling?.textContent).toBe('FLOW does not take CREATE.');
    expect(screen.getByRole('alert').textContent).toBe('Check the marked fields.');
    expect(currentPath()).toBe('/');
  });

  it('edits an existing role with PATCH', async () => {
    server.on('GET', '/api/v1/acme/roles/r-1', { body: role({ description: 'Edits flows' }) });
    server.on('PATCH', '/api/v1/acme/roles/r-1', { body: role() });
    render(<RoleEditPage tenant="acme" base={BASE} id="r-1" />);

    expect(await screen.findByDisplayValue('Flow editor')).toBeTruthy();
    expect(screen.queryByLabelText('Start from')).toBeNull();
    await userEvent.click(box('FLOW UPDATE'));
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(currentPath()).toBe(BASE));
    expect(server.sent('PATCH', '/api/v1/acme/roles/r-1').map((r) => r.body)).toEqual([
      { name: 'Flow editor', description: 'Edits flows', isDefault: false, permissions: { FLOW: ['READ'] } },
    ]);
  });

  it('shows a managed role read-only, with no way to delete it', async () => {
    server.on('GET', '/api/v1/acme/roles/r-1', { body: role({ name: 'Admin', managed: true }) });
    render(<RoleEditPage tenant="acme" base={BASE} id="r-1" />);

    expect(await screen.findByDisplayValue('Admin')).toHaveProperty('disabled', true);
    expect(box('FLOW READ').disabled).toBe(true);
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
  });
});
