/** @jest-environment jsdom */
import type { GroupView, ServiceAccountView } from '@gatehouse/contracts';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { answerDialog, currentPath, fakeApiForEachTest, fieldErrors, withFeedback } from '../../__tests__/fake-api';
import { GroupForm } from '../groups';
import { ServiceAccountForm } from '../service-accounts';

const BASE = '/t/acme/groups';
const group: GroupView = {
  id: 'g-1', tenantId: 'acme', name: 'ops', description: 'On call', memberCount: 2, createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z',
};

const server = fakeApiForEachTest();

describe('GroupForm', () => {
  it('creates a group in the tenant and opens its members', async () => {
    server.on('POST', '/api/v1/acme/groups', { status: 201, body: { ...group, id: 'g-9' } });
    render(<GroupForm tenant="acme" base={BASE} />);

    await userEvent.type(screen.getByLabelText('Name'), 'ops');
    await userEvent.type(screen.getByLabelText('Description'), 'On call');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(currentPath()).toBe('/t/acme/groups/g-9/members'));
    expect(server.sent('POST', '/api/v1/acme/groups').map((r) => r.body)).toEqual([{ name: 'ops', description: 'On call' }]);
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
  });

  it('leaves out an empty description, and shows the name error next to the name, once and in plain words', async () => {
    server.on('POST', '/api/v1/acme/groups', {
      status: 400,
      body: { type: 'https://gatehouse.dev/problems/validation', title: 'Bad Request', status: 400, detail: 'name: name must be shorter than or equal to 100 characters', errors: [{ field: 'name', message: 'name must be shorter than or equal to 100 characters' }] },
    });
    render(<GroupForm tenant="acme" base={BASE} />);

    await userEvent.type(screen.getByLabelText('Name'), 'ops');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(fieldErrors('name')).toEqual(['Use at most 100 characters.']));
    expect(screen.getByRole('alert').textContent).toBe('Check the marked fields.');
    expect(document.body.textContent).not.toContain('Bad Request');
    expect(document.body.textContent?.split('Use at most 100 characters.')).toHaveLength(2);
    expect(screen.getByLabelText('Name').getAttribute('aria-describedby')).toBe('f-name-errors');
    expect(fieldErrors('description')).toEqual([]);
    expect(server.requests[0].body).toEqual({ name: 'ops' });
    expect(currentPath()).toBe('/');
  });

  it("checks the name as the server would before sending anything", async () => {
    render(<GroupForm tenant="acme" base={BASE} />);

    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(fieldErrors('name')).toEqual(['This is required.']);
    await userEvent.type(screen.getByLabelText('Name'), 'x'.repeat(101));
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(fieldErrors('name')).toEqual(['Use at most 100 characters.']);
    expect(server.requests).toHaveLength(0);
  });

  it('saves an existing group in place', async () => {
    server.on('PATCH', '/api/v1/acme/groups/g-1', { body: { ...group, name: 'ops-eu' } });
    render(<GroupForm tenant="acme" base={BASE} group={group} />);

    expect(screen.getByLabelText('Name')).toHaveProperty('value', 'ops');
    await userEvent.type(screen.getByLabelText('Name'), '-eu');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    expect((await screen.findByRole('status')).textContent).toBe('Saved.');
    expect(server.sent('PATCH', '/api/v1/acme/groups/g-1').map((r) => r.body)).toEqual([{ name: 'ops-eu', description: 'On call' }]);
  });

  it('deletes the group only once its name is typed in the confirmation, then says so', async () => {
    server.on('DELETE', '/api/v1/acme/groups/g-1', { status: 204 });
    render(withFeedback(<GroupForm tenant="acme" base={BASE} group={group} />));

    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = await answerDialog(userEvent, 'Cancel');
    expect(dialog.textContent).toContain('Delete the group ops?');
    expect(server.requests).toHaveLength(0);
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await userEvent.type(await screen.findByLabelText('Type ops to confirm'), 'op');
    expect(screen.getByRole('button', { name: 'Delete group' })).toHaveProperty('disabled', true);
    await userEvent.type(screen.getByLabelText('Type ops to confirm'), 's');
    await userEvent.click(screen.getByRole('button', { name: 'Delete group' }));

    await waitFor(() => expect(currentPath()).toBe(BASE));
    expect(server.sent('DELETE', '/api/v1/acme/groups/g-1')).toHaveLength(1);
    expect(screen.getByTestId('notice').textContent).toContain('Group ops deleted.');
  });
});

describe('ServiceAccountForm', () => {
  const account: ServiceAccountView = { id: 'sa-1', tenantId: 'acme', name: 'ci-bot', description: null, createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z' };

  it('creates an account (no description is null) and opens its API tokens', async () => {
    server.on('POST', '/api/v1/acme/service-accounts', { status: 201, body: { ...account, id: 'sa-7' } });
    render(<ServiceAccountForm tenant="acme" base="/t/acme/service-accounts" />);

    await userEvent.type(screen.getByLabelText('Name'), 'ci-bot');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(currentPath()).toBe('/t/acme/service-accounts/sa-7/api-tokens'));
    expect(server.requests[0].body).toEqual({ name: 'ci-bot', description: null });
  });

  it('refuses a name that is not a DNS label before sending it', async () => {
    render(<ServiceAccountForm tenant="acme" base="/t/acme/service-accounts" />);

    await userEvent.type(screen.getByLabelText('Name'), 'CI Bot');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    expect(fieldErrors('name')).toEqual(['Use 1-63 lowercase letters, digits and dashes, not starting or ending with a dash.']);
    expect(server.requests).toHaveLength(0);
  });

  it('saves an existing account in place, and shows a problem of the delete', async () => {
    server.on('PATCH', '/api/v1/acme/service-accounts/sa-1', { body: account });
    server.on('DELETE', '/api/v1/acme/service-accounts/sa-1', { status: 409, body: { type: 'https://gatehouse.dev/problems/conflict', title: 'Conflict', status: 409, detail: 'The account still has bindings' } });
    render(withFeedback(<ServiceAccountForm tenant="acme" base="/t/acme/service-accounts" account={account} />));

    await userEvent.type(screen.getByLabelText('Description'), 'Builds');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('status')).textContent).toBe('Saved.');
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await answerDialog(userEvent, 'Delete service account', 'ci-bot');

    expect((await screen.findByRole('alert')).textContent).toBe('The account still has bindings.');
    expect(server.requests.map((r) => [r.method, r.body])).toEqual([['PATCH', { name: 'ci-bot', description: 'Builds' }], ['DELETE', undefined]]);
  });
});
