/** @jest-environment jsdom */
import type { SessionView } from '@gatehouse/contracts';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { answerDialog, fakeApiForEachTest, withFeedback } from '../../__tests__/fake-api';
import { Sessions } from '../sessions';

const session = (id: string, fields: Partial<SessionView> = {}): SessionView => ({
  id, userAgent: `Browser ${id}`, ip: '10.0.0.1', createdAt: '2026-01-01T10:00:00Z', lastUsedAt: '2026-01-01T11:00:00Z',
  expiresAt: '2026-01-31T10:00:00Z', current: false, ...fields,
});
const PATH = '/api/v1/me/sessions';
const server = fakeApiForEachTest();

describe('Sessions: own live sessions', () => {
  it('lists sessions with the current one marked and not endable; ends another and all the others', async () => {
    server.on('GET', PATH, { body: { results: [session('a', { current: true }), session('b')], total: 2, page: 1, size: 20 } });
    server.on('DELETE', `${PATH}/b`, { status: 204 });
    server.on('DELETE', PATH, { body: { ended: 1 } });
    render(withFeedback(<Sessions base={PATH} own />));

    expect(await screen.findByTestId('current-session')).toBeTruthy();
    expect(screen.getAllByRole('button', { name: /^End the session of/ })).toHaveLength(1);
    await userEvent.click(screen.getByRole('button', { name: 'End the session of Browser b' }));
    await answerDialog(userEvent, 'End session');
    await waitFor(() => expect(server.sent('DELETE', `${PATH}/b`)).toHaveLength(1));
    expect((await screen.findByRole('status')).textContent).toBe('Session ended.');

    await userEvent.click(screen.getByRole('button', { name: 'End all other sessions' }));
    await answerDialog(userEvent, 'End all other sessions');
    await waitFor(() => expect(server.sent('DELETE', PATH)).toHaveLength(1));
    expect((await screen.findByRole('status')).textContent).toBe('1 session ended.');
  });
});
