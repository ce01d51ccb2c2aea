import { useState } from 'react';
import { ApiError } from '../api/client';
import { Loading, ProblemBox } from '../ui/kit';
import { Card } from './public';
import { interactionExit } from './oidc-interaction';

/** Where the confirmation is posted (the provider's `end_session_confirm`, through the gateway). */
export const LOGOUT_CONFIRM = '/oidc/session/end/confirm';

/** What identity put in the page's fragment (oidc-provider.ts, consoleLogoutPage): never sent to a server. */
function fragment(): URLSearchParams {
  return new URLSearchParams(window.location.hash.replace(/^#/, ''));
}

type ConfirmAnswer = { redirectTo?: string; error?: string; error_description?: string };

function parsed(text: string): ConfirmAnswer {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as ConfirmAnswer) : {};
  } catch {
    return {};
  }
}

/**
 * The provider's RP-initiated logout confirmation (`/ui/oidc/logout`, where identity sends the browser): the
 * application's name, then "Sign out" (ends the Gatehouse session and every application's sign-in through it)
 * or "Stay signed in" (only this application's). Posted with fetch, as the provider's form with its xsrf value;
 * identity answers where to go next ({redirectTo}: the application's post-logout page, or the success page).
 */
export function OidcLogoutPage() {
  const [params] = useState(fragment);
  const xsrf = params.get('xsrf');
  const client = params.get('client');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const confirm = async (logout: boolean) => {
    setPending(true);
    setError(null);
    try {
      const body = new URLSearchParams({ xsrf: xsrf ?? '', ...(logout ? { logout: 'yes' } : {}) });
      const response = await fetch(LOGOUT_CONFIRM, { method: 'POST', headers: { accept: 'application/json' }, body, credentials: 'same-origin' });
      const answer = parsed(await response.text());
      if (!response.ok || !answer.redirectTo) {
        const reason = answer.error_description ? ` (the provider says: ${answer.error_description})` : '';
        throw new ApiError({ type: 'about:blank', title: answer.error ?? 'Error', status: response.status, detail: `This sign-out request has expired or is not valid; sign out from the application again${reason}` });
      }
      interactionExit.leave(answer.redirectTo);
    } catch (e) {
      setPending(false);
      setError(e instanceof ApiError ? e : new ApiError({ type: 'about:blank', title: 'Network error', status: 0, detail: 'The server cannot be reached. Check your connection and try again.' }));
    }
  };

  if (!xsrf) {
    return (
      <Card title="Sign out">
        <p>There is no sign-out request here; sign out from the application again.</p>
      </Card>
    );
  }
  return (
    <Card title="Sign out">
      {pending ? (
        <Loading label="Signing out…" />
      ) : (
        <>
          <p data-testid="oidc-client">
            {client ? (
              <>
                <strong>{client}</strong> asks to sign you out of Gatehouse.
              </>
            ) : (
              'An application asks to sign you out of Gatehouse.'
            )}
          </p>
          <ProblemBox error={error} />
          <div className="row">
            <button type="button" autoFocus onClick={() => void confirm(true)}>
              Sign out
            </button>
            <button type="button" className="secondary" onClick={() => void confirm(false)}>
              Stay signed in
            </button>
          </div>
        </>
      )}
    </Card>
  );
}

/** After a logout without a post-logout redirect URI (`/ui/oidc/logout/done`). */
export function OidcLogoutDonePage() {
  const [client] = useState(() => fragment().get('client'));
  return (
    <Card title="Signed out">
      <p data-testid="oidc-client">{client ? <>You are signed out of <strong>{client}</strong>.</> : 'You are signed out.'}</p>
    </Card>
  );
}
