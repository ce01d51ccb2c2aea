/** @jest-environment jsdom */
import type { ApiTokenView, Page, ServiceAccountView } from '@gatehouse/contracts';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { answerDialog, currentPath, fakeApiForEachTest, fieldErrors, invalid, problem, withFeedback } from '../../__tests__/fake-api';
import { ApiTokens } from '../api-tokens';
import { ServiceAccountForm } from '../service-accounts';

const account: ServiceAccountView = {
  id: 'sa-1', tenantId: 'acme', name: 'deployer', description: 'CI', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z',
} as ServiceAccountView;
const token = (fields: Partial<ApiTokenView> = {}): ApiTokenView => ({
  id: 't-1', name: 'ci', description: null, prefix: 'gh_AbCd1234', maxAge: 'P30D', extended: false, expiresAt: '2026-02-01T00:00:00Z',
  lastUsedAt: null, createdAt: '2026-01-01T00:00:00Z', ...fields,
});
const page = <T,>(results: T[]): Page<T> => ({ results, total: results.length, page: 1, size: 25 });
const TOKENS = '/api/v1/acme/service-accounts/sa-1/api-tokens';

const server = fakeApiForEachTest();

describe('Service account form', () => {
  it('checks the name as the server does before sending anything', async () => {
    render(<ServiceAccountForm tenant="acme" base="/t/acme/service-accounts" />);
    await userEvent.type(screen.getByLabelText(/^Name/), 'Deployer!');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(fieldErrors('name')).toEqual(['Use 1-63 lowercase letters, digits and dashes, not starting or ending with a dash.']);
    expect(server.requests).toEqual([]);
  });

  it('creates one (a blank description as null), says so and opens its API tokens', async () => {
    server.on('POST', '/api/v1/acme/service-accounts', { status: 201, body: account });
    render(withFeedback(<ServiceAccountForm tenant="acme" base="/t/acme/service-accounts" />));
    await userEvent.type(screen.getByLabelText(/^Name/), 'deployer');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(currentPath()).toBe('/t/acme/service-accounts/sa-1/api-tokens'));
    expect(server.sent('POST', '/api/v1/acme/service-accounts').map((r) => r.body)).toEqual([{ name: 'deployer', description: null }]);
    expect(await screen.findByText('Service account deployer created.')).toBeTruthy();
  });

  it("saves an existing one in place, and shows the server's refusal next to its field", async () => {
    server.on('PATCH', '/api/v1/acme/service-accounts/sa-1', { body: account }, invalid({ field: 'name', message: 'name already exists' }));
    render(<ServiceAccountForm tenant="acme" base="/t/acme/service-accounts" account={account} />);
    await userEvent.clear(screen.getByLabelText('Description'));
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('status')).textContent).toBe('Saved.');
    expect(server.sent('PATCH', '/api/v1/acme/service-accounts/sa-1').map((r) => r.body)).toEqual([{ name: 'deployer', description: null }]);
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(fieldErrors('name')).toHaveLength(1));
    expect(currentPath()).toBe('/');
  });

  it('deletes one only once its name is typed, then goes back to the list', async () => {
    server.on('DELETE', '/api/v1/acme/service-accounts/sa-1', { status: 204 });
    render(withFeedback(<ServiceAccountForm tenant="acme" base="/t/acme/service-accounts" account={account} />));
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await answerDialog(userEvent, 'Cancel');
    expect(server.sent('DELETE', '/api/v1/acme/service-accounts/sa-1')).toEqual([]);
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await answerDialog(userEvent, 'Delete service account', 'deployer');
    await waitFor(() => expect(currentPath()).toBe('/t/acme/service-accounts'));
    expect(server.sent('DELETE', '/api/v1/acme/service-accounts/sa-1')).toHaveLength(1);
  });
});

describe('API tokens', () => {
  it('lists the tokens with their prefix and expiry; creates one with the chosen max age and shows its secret once', async () => {
    server.on('GET', TOKENS, { body: page([token({ expiresAt: null, maxAge: null })]) });
    server.on('POST', TOKENS, { status: 201, body: { ...token({ id: 't-2', name: 'deploy' }), token: 'gh_the-secret' } });
    render(<ApiTokens base={TOKENS} />);
    const row = (await screen.findByText('gh_AbCd1234…')).closest('tr') as HTMLElement;
    expect(within(row).getByText('Never')).toBeTruthy();

    await userEvent.click(screen.getByRole('button', { name: 'Create API token' }));
    await userEvent.type(screen.getByLabelText('Name'), 'deploy');
    await userEvent.selectOptions(screen.getByLabelText('Max age'), 'P90D');
    await userEvent.click(screen.getByLabelText('Extend the expiry on each use'));
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect((await screen.findByTestId('secret')).textContent).toBe('gh_the-secret');
    expect(server.sent('POST', TOKENS).map((r) => r.body)).toEqual([{ name: 'deploy', extended: true, maxAge: 'P90D' }]);
    await waitFor(() => expect(server.sent('GET', TOKENS)).toHaveLength(2));
  });

  it('a token that never expires is sent without a max age and cannot be extended', async () => {
    server.on('GET', TOKENS, { body: page([]) });
    server.on('POST', TOKENS, { status: 201, body: { ...token(), token: 'gh_x' } });
    render(<ApiTokens base={TOKENS} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Create API token' }));
    await userEvent.type(screen.getByLabelText('Name'), 'forever');
    await userEvent.selectOptions(screen.getByLabelText('Max age'), '');
    expect(screen.queryByLabelText('Extend the expiry on each use')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    await screen.findByTestId('secret');
    expect(server.sent('POST', TOKENS).map((r) => r.body)).toEqual([{ name: 'forever', extended: false }]);
  });

  it('a custom max age must be an ISO-8601 duration, checked before anything is sent', async () => {
    server.on('GET', TOKENS, { body: page([]) });
    server.on('POST', TOKENS, { status: 201, body: { ...token(), token: 'gh_x' } });
    render(<ApiTokens base={TOKENS} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Create API token' }));
    await userEvent.type(screen.getByLabelText('Name'), 'short');
    await userEvent.selectOptions(screen.getByLabelText('Max age'), 'custom');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(fieldErrors('maxAge')).toHaveLength(1);
    await userEvent.type(screen.getByLabelText('Duration'), '12 hours');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(fieldErrors('maxAge')).toEqual(['Enter a duration such as P30D (30 days) or PT12H (12 hours).']);
    expect(server.sent('POST', TOKENS)).toEqual([]);
    await userEvent.clear(screen.getByLabelText('Duration'));
    await userEvent.type(screen.getByLabelText('Duration'), 'PT12H');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    await screen.findByTestId('secret');
    expect(server.sent('POST', TOKENS).map((r) => r.body)).toEqual([{ name: 'short', extended: false, maxAge: 'PT12H' }]);
  });

  it('revokes a token only once confirmed, and says so', async () => {
    server.on('GET', TOKENS, { body: page([token()]) });
    server.on('DELETE', `${TOKENS}/t-1`, { status: 204 });
    render(withFeedback(<ApiTokens base={TOKENS} />));
    await userEvent.click(await screen.findByRole('button', { name: 'Revoke ci' }));
    await answerDialog(userEvent, 'Cancel');
    expect(server.sent('DELETE', `${TOKENS}/t-1`)).toEqual([]);
    await userEvent.click(screen.getByRole('button', { name: 'Revoke ci' }));
    await answerDialog(userEvent, 'Revoke');
    expect(await screen.findByText('Token “ci” revoked.')).toBeTruthy();
    expect(server.sent('DELETE', `${TOKENS}/t-1`)).toHaveLength(1);
  });

  it('a refused list is shown once, with no Create offered', async () => {
    server.on('GET', TOKENS, { status: 403, body: problem(403, 'Forbidden', [], 'forbidden', 'You may not act for this service account') });
    render(<ApiTokens base={TOKENS} />);
    expect((await screen.findAllByRole('alert')).map((a) => a.textContent)).toEqual(['You are not allowed to do this.You may not act for this service account.']);
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Create API token' })).toBeNull());
    expect(screen.getAllByRole('alert')).toHaveLength(1);
  });
});
