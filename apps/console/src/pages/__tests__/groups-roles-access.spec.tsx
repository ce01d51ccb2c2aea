/** @jest-environment jsdom */
import type { GroupView, RoleView } from '@gatehouse/contracts';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { answerDialog, FakeApi, fakeApiForEachTest, renderWithAuth, SentRequest, userView } from '../../__tests__/fake-api';
import { GroupDetailPage, GroupsList } from '../groups';
import { pairCount, RolesList } from '../roles';

// The console caches decisions per user and tenant: a user of its own in each test.
let n = 0;
let me = userView();
beforeEach(() => {
  me = userView({ id: `me-${++n}`, username: 'me' });
});
const page = <T,>(results: T[]) => ({ results, total: results.length, page: 1, size: 20 });

/** The decision API of `tenant` allows exactly the `PERMISSION:ACTION` pairs given. */
function allow(server: FakeApi, tenant: string, ...pairs: string[]) {
  server.on('POST', `/api/v1/${tenant}/acls/check`, (request: SentRequest) => ({
    body: (request.body as { checks: Array<{ permission: string; action: string }> }).checks.map((c) => ({ allowed: pairs.includes(`${c.permission}:${c.action}`) })),
  }));
}

const group: GroupView = { id: 'g-1', tenantId: 'acme', name: 'ops', description: null, memberCount: 1, createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z' };
const role = (fields: Partial<RoleView>): RoleView => ({
  id: 'r-1', tenantId: 'acme', scope: 'TENANT', name: 'Flow editor', description: null, permissions: {},
  managed: false, isDefault: false, createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z', ...fields,
});

const server = fakeApiForEachTest();

describe('roles: the Permissions column', () => {
  it('counts permission × action pairs, not permissions', async () => {
    expect(pairCount({ FLOW: ['READ', 'UPDATE', 'DELETE'], GROUP: ['READ', 'CREATE'] })).toBe(5);
    expect(pairCount({})).toBe(0);
    allow(server, 'acme', 'ROLE:READ', 'ROLE:CREATE');
    server.on('GET', '/api/v1/acme/roles', { body: page([role({ permissions: { FLOW: ['READ', 'UPDATE', 'DELETE'], GROUP: ['READ', 'CREATE'], ROLE: [] } })]) });
    renderWithAuth(server, <RolesList tenant="acme" base="/t/acme/roles" />, { me });

    const row = (await screen.findByRole('link', { name: 'Flow editor' })).closest('tr') as HTMLElement;
    expect(row.querySelectorAll('td')[2].textContent).toBe('5');
    expect(await screen.findByRole('link', { name: 'Create' })).toBeTruthy();
  });

  it('offers no Create to a caller the decision API denies ROLE:CREATE', async () => {
    allow(server, 'acme', 'ROLE:READ');
    server.on('GET', '/api/v1/acme/roles', { body: page([role({})]) });
    renderWithAuth(server, <RolesList tenant="acme" base="/t/acme/roles" />, { me });

    await screen.findByRole('link', { name: 'Flow editor' });
    await waitFor(() => expect(server.sent('POST', '/api/v1/acme/acls/check')).toHaveLength(1));
    expect(screen.queryByRole('link', { name: 'Create' })).toBeNull();
  });
});

describe('groups', () => {
  it('shows no Create above a Forbidden list', async () => {
    allow(server, 'acme');
    server.on('GET', '/api/v1/acme/groups', { status: 403, body: { type: 'about:blank', title: 'Forbidden', status: 403 } });
    renderWithAuth(server, <GroupsList tenant="acme" base="/t/acme/groups" />, { me });

    expect((await screen.findByRole('alert')).textContent).toBe('You are not allowed to do this.');
    expect(screen.queryByRole('link', { name: 'Create' })).toBeNull();
  });

  it('labels the member search and requires a password reset of the whole group once confirmed', async () => {
    allow(server, 'acme', 'GROUP:READ', 'GROUP_MEMBERSHIP:READ', 'GROUP_MEMBERSHIP:CREATE', 'USER:UPDATE');
    server.on('GET', '/api/v1/acme/groups/g-1', { body: group });
    server.on('GET', '/api/v1/acme/groups/g-1/members', { body: page([]) });
    server.on('POST', '/api/v1/acme/groups/g-1/password-reset', { body: { requested: 3 } });
    renderWithAuth(server, <GroupDetailPage tenant="acme" base="/t/acme/groups" id="g-1" tab="members" />, { me });

    expect(await screen.findByRole('group', { name: 'Find a user (name or email)' })).toBeTruthy();
    expect(screen.getByLabelText('Type')).toBeTruthy();
    const reset = await screen.findByRole('button', { name: 'Require password reset' });
    await userEvent.click(reset);
    const asked = await answerDialog(userEvent, 'Cancel');
    expect(asked.getAttribute('aria-labelledby')).toBeTruthy();
    expect(asked.textContent).toContain('Require a new password from every user of ops?');
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(server.sent('POST', '/api/v1/acme/groups/g-1/password-reset')).toHaveLength(0);
    await userEvent.click(reset);
    await answerDialog(userEvent, 'Require password reset');
    expect((await screen.findByTestId('group-reset-done')).textContent).toBe('3 users must choose a new password.');
    expect(server.sent('POST', '/api/v1/acme/groups/g-1/password-reset')).toHaveLength(1);
  });

  it('shows the refusal of a reset that reaches users out of reach', async () => {
    allow(server, 'acme', 'GROUP:READ', 'GROUP_MEMBERSHIP:READ', 'USER:UPDATE');
    server.on('GET', '/api/v1/acme/groups/g-1', { body: group });
    server.on('GET', '/api/v1/acme/groups/g-1/members', { body: page([]) });
    server.on('POST', '/api/v1/acme/groups/g-1/password-reset', {
      status: 403, body: { type: 'https://gatehouse.dev/problems/forbidden', title: 'Forbidden', status: 403, detail: 'You cannot reset 2 users: they also have access to tenant other, outside your reach' },
    });
    renderWithAuth(server, <GroupDetailPage tenant="acme" base="/t/acme/groups" id="g-1" tab="members" />, { me });

    await userEvent.click(await screen.findByRole('button', { name: 'Require password reset' }));
    await answerDialog(userEvent, 'Require password reset');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('You are not allowed to do this.You cannot reset 2 users: they also have access to tenant other, outside your reach.');
    expect(screen.queryByRole('form', { name: 'Add member' })).toBeNull();
  });
});
