/** @jest-environment jsdom */
import type { Page, WebhookDeliveryDetail, WebhookDeliveryView, WebhookSubscriptionView, WebhookSubscriptionWithSecret } from '@gatehouse/contracts';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { answerDialog, currentPath, fakeApiForEachTest, fieldErrors, invalid, renderWithAuth, SentRequest, userView, withFeedback } from '../../__tests__/fake-api';
import { webhookPaths, WebhooksSection } from '../webhooks';

const webhook: WebhookSubscriptionView = {
  id: 'w-1', scope: 'TENANT', tenantId: 'acme', url: 'https://hooks.example.com/in', description: null, eventTypes: ['GROUP.*'],
  enabled: true, disabledReason: null, disabledAt: null, consecutiveFailures: 0, owner: { type: 'USER', id: 'u-1' },
  secretCreatedAt: '2026-01-01T00:00:00Z', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z',
};
const withSecret: WebhookSubscriptionWithSecret = { ...webhook, signingSecret: 'whsec_c2VjcmV0' };
const delivery = (fields: Partial<WebhookDeliveryView>): WebhookDeliveryView => ({
  id: 'd-1', subscriptionId: 'w-1', webhookId: 'a-1', eventType: 'GROUP.CREATE', sequence: 1, status: 'SUCCEEDED', attempts: 1,
  lastStatusCode: 200, lastError: null, nextAttemptAt: null, deliveredAt: '2026-01-02T00:00:00Z', createdAt: '2026-01-02T00:00:00Z',
  updatedAt: '2026-01-02T00:00:00Z', ...fields,
});
const page = <T,>(results: T[]): Page<T> => ({ results, total: results.length, page: 1, size: 50 });

const server = fakeApiForEachTest();

describe('Webhooks', () => {
  it("a tenant's webhooks are under its API path, the instance's under /notifications/webhooks", () => {
    expect(webhookPaths('acme corp')).toEqual({ api: '/api/v1/acme%20corp/webhooks', base: '/t/acme%20corp/webhooks' });
    expect(webhookPaths(null)).toEqual({ api: '/api/v1/notifications/webhooks', base: '/admin/webhooks' });
  });

  it('lists them with their events and why one is disabled; Create only for AUDITLOG:CREATE holders', async () => {
    const failing: WebhookSubscriptionView = { ...webhook, id: 'w-2', url: 'https://down.example.com', eventTypes: [], enabled: false, disabledReason: 'FAILURES' };
    server.on('GET', '/api/v1/acme/webhooks', { body: { ...page([webhook, failing]), size: 25 } });
    server.on('POST', '/api/v1/acme/acls/check', (r: SentRequest) => ({
      body: (r.body as { checks: Array<{ permission: string; action: string }> }).checks.map((c) => ({ allowed: c.permission === 'AUDITLOG' && c.action === 'READ' })),
    }));
    renderWithAuth(server, <WebhooksSection tenant="acme" rest="" />, { me: userView() });
    const row = (await screen.findByRole('link', { name: 'https://down.example.com' })).closest('tr') as HTMLElement;
    expect(within(row).getByText('All')).toBeTruthy();
    expect(within(row).getByText('Disabled: failures')).toBeTruthy();
    expect(screen.getByText('GROUP.*')).toBeTruthy();
    await waitFor(() => expect(server.sent('POST', '/api/v1/acme/acls/check')).not.toEqual([]));
    expect(screen.queryByRole('link', { name: 'Create' })).toBeNull();
  });

  it('creates one from the form (event types one per line or comma-separated, a blank description as null) and shows its signing secret once', async () => {
    server.on('POST', '/api/v1/acme/webhooks', { status: 201, body: withSecret });
    render(<WebhooksSection tenant="acme" rest="new" />);
    await userEvent.type(screen.getByLabelText('Endpoint URL (https)'), '  https://hooks.example.com/in ');
    await userEvent.type(screen.getByLabelText(/^Event types/), 'GROUP.*,  USER.DELETE{enter}{enter}ROLE.CREATE');
    await userEvent.click(screen.getByLabelText('Enabled'));
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect((await screen.findByTestId('signing-secret')).textContent).toBe('whsec_c2VjcmV0');
    expect(server.sent('POST', '/api/v1/acme/webhooks').map((r) => r.body)).toEqual([{
      url: 'https://hooks.example.com/in', description: null, eventTypes: ['GROUP.*', 'USER.DELETE', 'ROLE.CREATE'], enabled: false,
    }]);
    await userEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(currentPath()).toBe('/t/acme/webhooks/w-1');
  });

  it('shows a refused URL next to its field and keeps what was typed', async () => {
    server.on('POST', '/api/v1/notifications/webhooks', invalid({ field: 'url', message: 'url must be an https URL' }));
    render(<WebhooksSection tenant={null} rest="new" />);
    await userEvent.type(screen.getByLabelText('Endpoint URL (https)'), 'http://plain.example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(fieldErrors('url')).toHaveLength(1));
    expect((screen.getByLabelText('Endpoint URL (https)') as HTMLInputElement).value).toBe('http://plain.example.com');
    expect(screen.queryByTestId('signing-secret')).toBeNull();
  });

  it('edits one (Save sends the whole form), rotates its secret once confirmed, and redelivers a finished delivery', async () => {
    server.on('GET', '/api/v1/acme/webhooks/w-1', { body: { ...webhook, description: 'audit feed' } });
    server.on('GET', '/api/v1/acme/webhooks/w-1/deliveries', { body: page([delivery({}), delivery({ id: 'd-2', sequence: 2, status: 'PENDING', lastStatusCode: null })]) });
    server.on('PATCH', '/api/v1/acme/webhooks/w-1', (r: SentRequest) => ({ body: { ...webhook, ...(r.body as object) } }));
    server.on('POST', '/api/v1/acme/webhooks/w-1/secret', { body: { ...withSecret, signingSecret: 'whsec_bmV3' } });
    server.on('POST', '/api/v1/acme/webhooks/w-1/deliveries/d-1/redeliver', { status: 202, body: delivery({ status: 'PENDING' }) });
    render(withFeedback(<WebhooksSection tenant="acme" rest="w-1" />));

    const description = await screen.findByLabelText('Description');
    await userEvent.clear(description);
    await userEvent.type(description, 'SIEM');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('status')).textContent).toBe('Saved.');
    expect(server.sent('PATCH', '/api/v1/acme/webhooks/w-1').map((r) => r.body)).toEqual([
      { url: webhook.url, description: 'SIEM', eventTypes: ['GROUP.*'], enabled: true },
    ]);

    await userEvent.click(screen.getByRole('button', { name: 'Rotate secret' }));
    await answerDialog(userEvent, 'Rotate secret');
    expect((await screen.findByTestId('signing-secret')).textContent).toBe('whsec_bmV3');

    const log = screen.getByRole('region', { name: 'Delivery log' });
    expect(within(log).getAllByRole('button', { name: 'Redeliver' })).toHaveLength(1);
    await userEvent.click(within(log).getByRole('button', { name: 'Redeliver' }));
    await waitFor(() => expect(server.sent('POST', '/api/v1/acme/webhooks/w-1/deliveries/d-1/redeliver')).toHaveLength(1));
    await waitFor(() => expect(server.sent('GET', '/api/v1/acme/webhooks/w-1/deliveries')).toHaveLength(2));
  });

  it('deletes one only once confirmed, then says so and goes back to the list', async () => {
    server.on('GET', '/api/v1/acme/webhooks/w-1', { body: webhook });
    server.on('GET', '/api/v1/acme/webhooks/w-1/deliveries', { body: page([]) });
    server.on('DELETE', '/api/v1/acme/webhooks/w-1', { status: 204 });
    render(withFeedback(<WebhooksSection tenant="acme" rest="w-1" />));
    await userEvent.click(await screen.findByRole('button', { name: 'Delete' }));
    await answerDialog(userEvent, 'Cancel');
    expect(server.sent('DELETE', '/api/v1/acme/webhooks/w-1')).toEqual([]);
    await userEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await answerDialog(userEvent, 'Delete webhook');
    await waitFor(() => expect(currentPath()).toBe('/t/acme/webhooks'));
    expect(server.sent('DELETE', '/api/v1/acme/webhooks/w-1')).toHaveLength(1);
    expect(await screen.findByText('Webhook deleted.')).toBeTruthy();
  });

  it('shows one delivery with its attempts and the body sent', async () => {
    const detail: WebhookDeliveryDetail = {
      ...delivery({ status: 'DEAD', deliveredAt: null }),
      payload: { type: 'GROUP.CREATE', data: { id: 'g-1' } },
      attemptLog: [{ attempt: 1, startedAt: '2026-01-02T00:00:00Z', durationMs: 31, statusCode: 500, error: null }],
    } as WebhookDeliveryDetail;
    server.on('GET', '/api/v1/acme/webhooks/w-1/deliveries/d-1', { body: detail });
    render(<WebhooksSection tenant="acme" rest="w-1/deliveries/d-1" />);
    expect(await screen.findByRole('heading', { name: 'Delivery 1: GROUP.CREATE' })).toBeTruthy();
    const attempts = screen.getByRole('region', { name: 'Attempts' });
    expect(within(attempts).getByText('31 ms')).toBeTruthy();
    expect(within(attempts).getByText('500')).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Body' }).textContent).toContain('"id": "g-1"');
  });
});
