/** @jest-environment jsdom */
import { AUDIT_TYPES, type AuditLogView } from '@gatehouse/contracts';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeApiForEachTest, renderWithAuth, userView } from '../../__tests__/fake-api';
import { AuditPage, TYPES } from '../audit';

// The console caches decisions per user and tenant: a user of its own in each test.
let n = 0;
let me = userView();
beforeEach(() => {
  me = userView({ id: `me-${++n}`, username: 'me' });
});
const page = <T,>(results: T[]) => ({ results, total: results.length, page: 1, size: 20 });

const server = fakeApiForEachTest();

describe('audit log', () => {
  const entry = (id: string, fields: Partial<AuditLogView>): AuditLogView => ({
    id, source: 'authorization', tenantId: 'acme', type: 'UPDATE', resourceType: 'GROUP', resourceId: 'g-1',
    actor: { type: 'USER', id: 'u-1', username: null }, ip: null, at: '2025-01-01T00:00:00Z', ...fields,
  });

  it('shows names instead of ids, reading each kind once for the whole page', async () => {
    server.on('GET', '/api/v1/acme/auditlogs/search', {
      body: page([
        entry('a1', {}),
        entry('a2', { resourceType: 'ROLE', resourceId: 'r-1' }),
        entry('a3', { resourceType: 'GROUP', resourceId: 'g-2', actor: { type: 'SERVICE_ACCOUNT', id: 's-1', username: null } }),
        entry('a4', { type: 'DELETE', resourceType: 'GROUP', resourceId: 'g-gone', before: { name: 'old group' } }),
        entry('a5', { resourceType: 'GROUP', resourceId: 'g-9', actor: { type: 'USER', id: 'u-2', username: 'grace' } }),
        // A membership's entry names its group (its resource id is the group's).
        entry('a6', { type: 'CREATE', resourceType: 'GROUP_MEMBERSHIP', resourceId: 'g-2' }),
      ]),
    });
    server.on('GET', '/api/v1/acme/groups', { body: page([{ id: 'g-1', name: 'ops' }, { id: 'g-2', name: 'dev' }]) });
    server.on('GET', '/api/v1/acme/roles', { body: page([{ id: 'r-1', name: 'Auditors' }]) });
    server.on('GET', '/api/v1/acme/tenant-access', { body: page([{ subjectType: 'USER', subjectId: 'u-1', user: { id: 'u-1', username: 'ada' }, groups: [], bindings: 1 }]) });
    server.on('GET', '/api/v1/acme/service-accounts', { body: page([{ id: 's-1', name: 'ci-bot' }]) });
    renderWithAuth(server, <AuditPage tenant="acme" />, { me });

    await screen.findByText('ci-bot', undefined, { timeout: 5_000 });
    await screen.findByText('Auditors', undefined, { timeout: 5_000 });
    expect(screen.getAllByText('ops')).toHaveLength(1);
    expect(screen.getAllByText('dev')).toHaveLength(2);
    expect(screen.getAllByText('ada')).toHaveLength(4);
    expect(screen.getByText('old group')).toBeTruthy();
    expect(screen.getByText('grace')).toBeTruthy();
    expect(screen.getByText('g-9').tagName).toBe('CODE');
    for (const path of ['groups', 'roles', 'tenant-access', 'service-accounts']) expect(server.sent('GET', `/api/v1/acme/${path}`)).toHaveLength(1);
  });

  it('filters on an actor found by name', async () => {
    server.on('GET', '/api/v1/acme/auditlogs/search', { body: page([]) });
    server.on('GET', '/api/v1/acme/tenant-access', { body: page([{ subjectType: 'USER', subjectId: 'u-1', user: { id: 'u-1', username: 'ada' }, groups: [], bindings: 1 }]) });
    server.on('GET', '/api/v1/acme/service-accounts', { body: page([]) });
    renderWithAuth(server, <AuditPage tenant="acme" />, { me });

    await userEvent.type(await screen.findByLabelText('Actor'), 'ad');
    await userEvent.click(await screen.findByRole('button', { name: /ada/ }));
    expect(screen.getByTestId('picked-actor').textContent).toBe('ada');
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(server.sent('GET', '/api/v1/acme/auditlogs/search').some((r) => r.url.includes('actor=u-1'))).toBe(true));
    expect(server.sent('GET', '/api/v1/acme/tenant-access')[0].url).toContain('q=ad');
  });

  it('offers every audit type as a filter, the grant guard\'s refusals included, and names a refusal\'s rule', async () => {
    expect(TYPES).toEqual([...AUDIT_TYPES]);
    server.on('GET', '/api/v1/acme/auditlogs/search', {
      body: page([entry('r1', { type: 'ACCESS_REFUSED', resourceType: 'BINDING', resourceId: null, details: { rule: 'no-self-elevation', detail: 'You cannot give yourself ROLE:CREATE', operation: 'authorization.bindings.create.v1' } })]),
    });
    server.on('GET', '/api/v1/acme/tenant-access', { body: page([]) });
    server.on('GET', '/api/v1/acme/service-accounts', { body: page([]) });
    server.on('GET', '/api/v1/acme/groups', { body: page([]) });
    server.on('GET', '/api/v1/acme/roles', { body: page([]) });
    renderWithAuth(server, <AuditPage tenant="acme" />, { me });

    expect(await screen.findByText('refused: no-self-elevation', undefined, { timeout: 5_000 })).toBeTruthy();
    await userEvent.selectOptions(screen.getByLabelText('Type'), 'ACCESS_REFUSED');
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(server.sent('GET', '/api/v1/acme/auditlogs/search').some((r) => r.url.includes('type=ACCESS_REFUSED'))).toBe(true));
  });
});
