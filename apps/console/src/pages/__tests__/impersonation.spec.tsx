/** @jest-environment jsdom */
import type { ImpersonationToken, TenantAccessEntry } from '@gatehouse/contracts';
import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { api, impersonation, session } from '../../api/client';
import { useAuth } from '../../session';
import { currentPath, FakeApi, fakeApiForEachTest, problem, renderWithAuth, SentRequest, userView } from '../../__tests__/fake-api';
import { ImpersonationBanner } from '../layout';
import { UserDetailPage } from '../users';

const SESSION_TOKEN = 'access-1';
const IMPERSONATION_TOKEN = 'impersonation-1';
// A new admin id per test: the console caches capabilities per signed-in user.
let admin = userView({ id: 'admin-0', username: 'admin' });
let admins = 0;
beforeEach(() => {
  admin = userView({ id: `admin-${++admins}`, username: 'admin' });
});
const viewer = userView({ id: 'viewer-1', username: 'vera' });
const IMPERSONATE = `/api/v1/acme/users/${viewer.id}/impersonate`;

/** The decisions of the subject whose token the request carries: `grants[token]` lists the allowed pairs. */
function decisions(server: FakeApi, path: string, grants: Record<string, string[]>) {
  server.on('POST', path, (r: SentRequest) => ({
    body: (r.body as { checks: Array<{ permission: string; action: string }> }).checks.map((c) => ({
      allowed: (grants[bearerOf(r) ?? ''] ?? []).includes(`${c.permission}:${c.action}`),
    })),
  }));
}
const bearerOf = (r: SentRequest) => r.headers.authorization?.replace(/^Bearer /, '');

const answer = (fields: Partial<ImpersonationToken> = {}): ImpersonationToken => ({
  accessToken: IMPERSONATION_TOKEN,
  tokenType: 'Bearer',
  expiresIn: 300,
  user: { id: viewer.id, username: viewer.username },
  impersonator: { id: admin.id },
  tenantId: 'acme',
  ...fields,
});

const server = fakeApiForEachTest();

/** The admin on the viewer's page in tenant acme, with the banner the shell shows above every page. */
function renderUserPage(adminGrants: string[] = ['USER:READ', 'TENANT_ACCESS:READ', 'IMPERSONATE:CREATE']) {
  decisions(server, '/api/v1/acls/check', {});
  decisions(server, '/api/v1/acme/acls/check', { [SESSION_TOKEN]: adminGrants, [IMPERSONATION_TOKEN]: ['USER:READ'] });
  const entry = { subjectId: viewer.id, user: viewer, groups: [], bindings: 1 } as unknown as TenantAccessEntry;
  server.on('GET', '/api/v1/acme/tenant-access', { body: { results: [entry], total: 1, page: 1, size: 5 } });
  function Who() {
    const { me } = useAuth();
    return <p data-testid="me">{me?.username}</p>;
  }
  const rendered = renderWithAuth(
    server,
    <>
      <ImpersonationBanner />
      <Who />
      <UserDetailPage tenant="acme" base="/t/acme/users" id={viewer.id} tab="overview" />
    </>,
    { me: admin },
  );
  // Who /me is depends on the token: the console follows the impersonation (declared last: it wins).
  server.on('GET', '/api/v1/me', (r: SentRequest) => ({ body: bearerOf(r) === IMPERSONATION_TOKEN ? viewer : admin }));
  return rendered;
}

describe('Impersonation in the console', () => {
  it('Impersonate switches the calls to the impersonation token; the banner is announced and focused; End comes back to the admin on the user page', async () => {
    server.on('POST', IMPERSONATE, { status: 201, body: answer() });
    server.on('GET', '/api/v1/acme/groups', { body: { results: [], total: 0 } });
    renderUserPage();

    await userEvent.click(await screen.findByRole('button', { name: 'Impersonate' }));

    const banner = await screen.findByTestId('impersonation-banner');
    expect(banner.getAttribute('role')).toBe('status');
    expect(banner.textContent).toContain('You are acting as vera in acme');
    expect(document.activeElement).toBe(banner);
    expect(currentPath()).toBe('/t/acme');
    expect(bearerOf(server.sent('POST', IMPERSONATE)[0])).toBe(SESSION_TOKEN);
    await waitFor(() => expect(screen.getByTestId('me').textContent).toBe('vera'));
    // The token is in memory only, and the admin's session is still there underneath.
    expect(JSON.stringify({ ...localStorage })).not.toContain(IMPERSONATION_TOKEN);
    expect(JSON.stringify({ ...sessionStorage })).not.toContain(IMPERSONATION_TOKEN);
    expect(session.accessToken).toBe(SESSION_TOKEN);

    await api.get('/api/v1/acme/groups');
    expect(bearerOf(server.sent('GET', '/api/v1/acme/groups')[0])).toBe(IMPERSONATION_TOKEN);
    // While acting as someone, no impersonating anyone else.
    expect(screen.queryByRole('button', { name: 'Impersonate' })).toBeNull();

    await userEvent.click(screen.getByRole('button', { name: 'End' }));

    expect(screen.queryByTestId('impersonation-banner')).toBeNull();
    expect(currentPath()).toBe(`/t/acme/users/${viewer.id}`);
    await waitFor(() => expect(screen.getByTestId('me').textContent).toBe('admin'));
    await api.get('/api/v1/acme/groups');
    expect(bearerOf(server.sent('GET', '/api/v1/acme/groups')[1])).toBe(SESSION_TOKEN);
    expect(await screen.findByRole('button', { name: 'Impersonate' })).toBeTruthy();
  });

  it('offers no Impersonate to a caller without IMPERSONATE in the tenant', async () => {
    renderUserPage(['USER:READ', 'TENANT_ACCESS:READ']);
    expect(await screen.findByTestId('user-username')).toBeTruthy();
    await waitFor(() => expect(server.sent('POST', '/api/v1/acme/acls/check').length).toBeGreaterThan(0));
    expect(server.sent('POST', '/api/v1/acme/acls/check')[0].body).toMatchObject({ checks: expect.arrayContaining([{ permission: 'IMPERSONATE', action: 'CREATE' }]) });
    expect(screen.queryByRole('button', { name: 'Impersonate' })).toBeNull();
  });

  it("shows the server's refusal in its words, and stays the admin", async () => {
    server.on('POST', IMPERSONATE, {
      status: 403,
      body: { ...problem(403, 'Forbidden', [], 'forbidden', 'You cannot impersonate viewer-1: it holds GROUP:CREATE in tenant acme, which you do not'), rule: 'no-credential-escalation' },
    });
    renderUserPage();

    await userEvent.click(await screen.findByRole('button', { name: 'Impersonate' }));

    expect((await screen.findByRole('alert')).textContent).toContain('You cannot impersonate viewer-1: it holds GROUP:CREATE in tenant acme, which you do not');
    expect(impersonation.actingAs).toBeNull();
    expect(screen.queryByTestId('impersonation-banner')).toBeNull();
  });

  it('ends by itself when the token expires: the banner gives way to a notice', async () => {
    server.on('POST', IMPERSONATE, { status: 201, body: answer({ expiresIn: 0.3 }) });
    renderUserPage();

    await userEvent.click(await screen.findByRole('button', { name: 'Impersonate' }));
    expect(await screen.findByTestId('impersonation-banner')).toBeTruthy();

    const notice = await screen.findByTestId('impersonation-notice', {}, { timeout: 2000 });
    expect(notice.getAttribute('role')).toBe('status');
    expect(notice.textContent).toContain('no longer acting as vera');
    expect(screen.queryByTestId('impersonation-banner')).toBeNull();
    await waitFor(() => expect(screen.getByTestId('me').textContent).toBe('admin'));
    await userEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('impersonation-notice')).toBeNull();
  });

  it('a 401 while impersonating ends the impersonation and is never retried as the admin', async () => {
    server.on('POST', IMPERSONATE, { status: 201, body: answer() });
    server.on('GET', '/api/v1/acme/groups', { status: 401, body: problem(401, 'Unauthorized', [], 'unauthorized', 'The token has expired') });
    server.on('POST', '/api/v1/session/refresh', { body: { tokenType: 'Bearer', accessToken: 'access-2', expiresIn: 900 } });
    renderUserPage();
    await userEvent.click(await screen.findByRole('button', { name: 'Impersonate' }));
    await screen.findByTestId('impersonation-banner');

    await act(() => expect(api.get('/api/v1/acme/groups')).rejects.toMatchObject({ status: 401 }));

    expect(server.sent('GET', '/api/v1/acme/groups').map(bearerOf)).toEqual([IMPERSONATION_TOKEN]);
    expect(server.sent('POST', '/api/v1/session/refresh')).toHaveLength(0);
    expect(impersonation.actingAs).toBeNull();
    expect((await screen.findByTestId('impersonation-notice')).textContent).toContain('no longer acting as vera');
  });

  it('ends with the session: signing out drops the token', async () => {
    server.on('POST', IMPERSONATE, { status: 201, body: answer() });
    server.on('DELETE', '/api/v1/session', { status: 204 });
    renderUserPage();
    await userEvent.click(await screen.findByRole('button', { name: 'Impersonate' }));
    await screen.findByTestId('impersonation-banner');

    await act(() => session.signOut());

    expect(impersonation.actingAs).toBeNull();
    expect(screen.queryByTestId('impersonation-banner')).toBeNull();
    expect(screen.queryByTestId('impersonation-notice')).toBeNull();
    expect(bearerOf(server.sent('DELETE', '/api/v1/session')[0])).toBeUndefined();
  });
});
