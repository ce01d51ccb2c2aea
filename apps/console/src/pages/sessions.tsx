import type { EndedSessions, SessionView } from '@gatehouse/contracts';
import { useState } from 'react';
import { api } from '../api/client';
import { confirmAction } from '../ui/feedback';
import { formatDate, PagedTable, ProblemBox, useSubmit } from '../ui/kit';

/**
 * Live sessions of one user (`/me/sessions`, or an admin's `/users/{id}/sessions`): device, address,
 * created, last used; end one, or all the others (own) / all of them (admin). The current session is
 * marked and is never offered for ending here: signing out does that.
 */
export function Sessions({ base, own }: { base: string; own: boolean }) {
  const [version, setVersion] = useState(0);
  const [message, setMessage] = useState<string | null>(null);
  const action = useSubmit();
  const onEnd = (session: SessionView) =>
    action.submit(async () => {
      if (!(await confirmAction({ title: 'End this session?', body: `${session.userAgent ?? 'The unknown device'} is signed out at its next request.`, confirmLabel: 'End session', danger: true }))) return;
      await api.del(`${base}/${encodeURIComponent(session.id)}`);
      setMessage('Session ended.');
      setVersion((v) => v + 1);
    })();
  const onEndAll = action.submit(async () => {
    const title = own ? 'End every session but this one?' : 'End every session of this user?';
    if (!(await confirmAction({ title, body: 'Each device is signed out at its next request.', confirmLabel: own ? 'End all other sessions' : 'End all sessions', danger: true }))) return;
    const result = await api.del<EndedSessions>(base);
    setMessage(`${result?.ended ?? 0} session${result?.ended === 1 ? '' : 's'} ended.`);
    setVersion((v) => v + 1);
  });
  return (
    <div className="sessions" aria-label="Sessions">
      <p className="muted">
        {own
          ? 'Where you are signed in. Ending a session signs that device out at its next request.'
          : 'Where this user is signed in. Ending a session signs that device out at its next request.'}
      </p>
      <div className="row">
        <button type="button" className="danger" onClick={() => void onEndAll()} disabled={action.pending}>
          {own ? 'End all other sessions' : 'End all sessions'}
        </button>
      </div>
      {message && <p role="status">{message}</p>}
      <ProblemBox error={action.error} />
      <PagedTable<SessionView>
        source={({ page, size, q }) => `${base}?${new URLSearchParams({ page: String(page), size: String(size), ...(q ? { q } : {}) })}`}
        reloadKey={version}
        rowKey={(s) => s.id}
        empty="No live sessions."
        searchLabel="Search device or address"
        columns={[
          {
            label: 'Device',
            render: (s) => (
              <span data-testid="session-device">
                {s.userAgent ?? 'Unknown device'} {s.current && <span className="badge" data-testid="current-session">This session</span>}
              </span>
            ),
          },
          { label: 'IP address', render: (s) => s.ip ?? '—' },
          { label: 'Signed in', render: (s) => formatDate(s.createdAt) },
          { label: 'Last used', render: (s) => formatDate(s.lastUsedAt) },
          {
            label: '',
            render: (s) =>
              s.current ? null : (
                <button type="button" className="danger small" onClick={() => void onEnd(s)} aria-label={`End the session of ${s.userAgent ?? 'an unknown device'}`}>
                  End
                </button>
              ),
          },
        ]}
      />
    </div>
  );
}
