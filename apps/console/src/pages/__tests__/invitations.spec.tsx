/** @jest-environment jsdom */
import type { InvitationView } from '@gatehouse/contracts';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { answerDialog, FakeApi, fakeApiForEachTest, fieldErrors, invalid, renderWithAuth, SentRequest, userView } from '../../__tests__/fake-api';
import { ApiError } from '../../api/client';
import { InvitationsPage, roleErrors } from '../invitations';

let n = 0;
let me = userView();
beforeEach(() => {
  me = userView({ id: `inviter-${++n}` });
});
const page = <T,>(results: T[]) => ({ results, total: results.length, page: 1, size: 20 });
const PATH = '/api/v1/acme/invitations';
const invitation = (fields: Partial<InvitationView> = {}): InvitationView => ({
  id: 'i-1', tenantId: 'acme', email: 'grace@example.com', roles: [{ roleId: 'r-dev', namespaces: ['company.data'] }], groupIds: ['g-1'],
  status: 'PENDING', expiresAt: '2025-02-01T00:00:00Z', invitedBy: 'u-1', acceptedBy: null, acceptedAt: null, createdAt: '2025-01-01T00:00:00Z', ...fields,
});

function allow(server: FakeApi, ...pairs: string[]) {
  server.on('POST', '/api/v1/acme/acls/check', (request: SentRequest) => ({
    body: (request.body as { checks: Array<{ permission: string; action: string }> }).checks.map((c) => ({ allowed: pairs.includes(`${c.permission}:${c.action}`) })),
  }));
}

const server = fakeApiForEachTest();
beforeEach(() => {
  server.on('GET', '/api/v1/acme/roles', { body: page([{ id: 'r-dev', name: 'Developer' }, { id: 'r-admin', name: 'Admin' }]) });
  server.on('GET', '/api/v1/acme/groups', { body: page([{ id: 'g-1', name: 'ops' }]) });
});

describe('InvitationsPage', () => {
  it('lists invitations with their status, role and group names, and filters by status', async () => {
    allow(server, 'INVITATION:READ');
    server.on('GET', PATH, { body: page([invitation(), invitation({ id: 'i-2', email: 'old@example.com', status: 'EXPIRED', roles: [], groupIds: [] })]) });
    renderWithAuth(server, <InvitationsPage tenant="acme" />, { me });

    const row = (await screen.findByText('grace@example.com')).closest('tr') as HTMLElement;
    await waitFor(() => expect(within(row).getByText('Developer (company.data)')).toBeTruthy());
    expect(within(row).getByText('Pending')).toBeTruthy();
    expect(within(row).getByText('ops')).toBeTruthy();
    expect(within(screen.getByText('old@example.com').closest('tr') as HTMLElement).getByText('Expired')).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'Invite' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();

    await userEvent.selectOptions(screen.getByLabelText('Status'), 'EXPIRED');
    await waitFor(() => expect(server.sent('GET', PATH).some((r) => r.url.includes('status=EXPIRED'))).toBe(true));
  });

  it('invites with a role on namespaces and a group, and shows the link once', async () => {
    allow(server, 'INVITATION:READ', 'INVITATION:CREATE');
    server.on('GET', PATH, { body: page([]) });
    server.on('POST', PATH, { status: 201, body: invitation({ link: 'http://localhost/ui/invitations/accept?token=t0k3n' }) });
    renderWithAuth(server, <InvitationsPage tenant="acme" />, { me });

    await userEvent.type(await screen.findByLabelText('Email'), 'grace@example.com');
    await waitFor(() => expect(screen.getAllByRole('option', { name: 'Developer' })).toHaveLength(1));
    await userEvent.selectOptions(screen.getByLabelText('Role'), 'r-dev');
    await userEvent.type(screen.getByLabelText('Namespaces'), 'company.data, company.ml');
    await userEvent.click(screen.getByLabelText('ops'));
    await userEvent.click(screen.getByRole('button', { name: 'Send invitation' }));

    expect((await screen.findByTestId('invitation-sent')).textContent).toContain('token=t0k3n');
    expect(server.sent('POST', PATH).map((r) => r.body)).toEqual([
      { email: 'grace@example.com', roles: [{ roleId: 'r-dev', namespaces: ['company.data', 'company.ml'] }], groupIds: ['g-1'] },
    ]);
    expect(screen.getByLabelText('Email')).toHaveProperty('value', '');
  });

  it("shows the guard's refusal of a role above the inviter's at the role field", async () => {
    allow(server, 'INVITATION:READ', 'INVITATION:CREATE');
    server.on('GET', PATH, { body: page([]) });
    const detail = 'You cannot let anyone gain ROLE:CREATE: you do not hold it';
    server.on('POST', PATH, { status: 403, body: { type: 'https://gatehouse.dev/problems/forbidden', title: 'Forbidden', status: 403, detail, rule: 'no-permission-escalation' } });
    renderWithAuth(server, <InvitationsPage tenant="acme" />, { me });

    await userEvent.type(await screen.findByLabelText('Email'), 'grace@example.com');
    await waitFor(() => expect(screen.getAllByRole('option', { name: 'Admin' })).toHaveLength(1));
    await userEvent.selectOptions(screen.getByLabelText('Role'), 'r-admin');
    await userEvent.click(screen.getByRole('button', { name: 'Send invitation' }));

    await waitFor(() => expect(fieldErrors('roles')).toEqual([detail]));
    expect(screen.getByLabelText('Role').getAttribute('aria-invalid')).toBe('true');
    // Once: at the role field, not again in a problem box.
    expect(screen.queryByRole('alert')).toBeNull();
    expect(document.body.textContent?.split(detail)).toHaveLength(2);
  });

  it('puts the refusals about the role at the role field, and no other', () => {
    const refusal = (extra: Record<string, unknown>) => new ApiError({ type: 'https://gatehouse.dev/problems/forbidden', title: 'Forbidden', status: 403, detail: 'no', ...extra });
    expect(roleErrors(refusal({ rule: 'tenant-permission-required' }))).toEqual(['no']);
    expect(roleErrors(refusal({ rule: 'missing-permission', permission: 'BINDING' }))).toEqual(['no']);
    expect(roleErrors(refusal({ rule: 'missing-permission', permission: 'GROUP_MEMBERSHIP' }))).toEqual([]);
    expect(roleErrors(refusal({}))).toEqual([]);
    expect(roleErrors(null)).toEqual([]);
  });

  it('names a bad email at its field, and withdraws an invitation once confirmed', async () => {
    allow(server, 'INVITATION:READ', 'INVITATION:CREATE', 'INVITATION:DELETE');
    server.on('GET', PATH, { body: page([invitation()]) }, { body: page([]) });
    server.on('POST', PATH, invalid({ field: 'email', message: 'email must be an email' }));
    server.on('DELETE', `${PATH}/i-1`, { status: 204 });
    renderWithAuth(server, <InvitationsPage tenant="acme" />, { me });

    // The form's own check (the server's rule) first: nothing is sent.
    await userEvent.type(await screen.findByLabelText('Email'), 'nope');
    await userEvent.click(screen.getByRole('button', { name: 'Send invitation' }));
    await waitFor(() => expect(fieldErrors('email')).toEqual(['Enter an email address, such as name@example.com.']));
    expect(server.sent('POST', PATH)).toHaveLength(0);
    // What the server refuses all the same, in plain words at the field.
    await userEvent.type(screen.getByLabelText('Email'), '@example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Send invitation' }));
    await waitFor(() => expect(server.sent('POST', PATH)).toHaveLength(1));
    expect(fieldErrors('email')).toEqual(['Enter an email address, such as name@example.com.']);

    await userEvent.click(await screen.findByRole('button', { name: 'Withdraw the invitation of grace@example.com' }));
    await answerDialog(userEvent, 'Withdraw');
    await screen.findByText('No invitations.');
    expect(screen.getByTestId('notice').textContent).toContain('Invitation of grace@example.com withdrawn.');
    expect(server.sent('DELETE', `${PATH}/i-1`)).toHaveLength(1);
  });
});
