import type { MfaRequired } from '@gatehouse/contracts';
import { useEffect, useState } from 'react';
import { anonymous, ApiError } from '../api/client';
import { Link, navigate, useLocation } from '../router';
import { useAuth } from '../session';
import { Loading, ProblemBox } from '../ui/kit';
import { BINDING_KEY, Card, SecondFactorStep } from './public';

/** The state of an answer for an interaction is `i.<uid>.<random>`: the interaction it goes back to. */
function interactionOf(state: string | null): string | null {
  const match = state ? /^i\.([\w-]{1,64})\./.exec(state) : null;
  return match ? match[1] : null;
}

/**
 * `/ui/federation/callback`: where identity providers send the browser back (the redirect URI registered there).
 * The answer (its query) and the binding kept at the start go to the console's session, or to the OpenID
 * provider's interaction it was started for; a second factor is asked here when the MFA policy wants one.
 */
export function FederationCallbackPage() {
  const { federatedSignIn, completeSignIn } = useAuth();
  const { query } = useLocation();
  const [secondStep, setSecondStep] = useState<MfaRequired | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const interaction = interactionOf(query.get('state'));
  useEffect(() => {
    const binding = sessionStorage.getItem(BINDING_KEY) ?? '';
    sessionStorage.removeItem(BINDING_KEY);
    const answer = { query: query.toString(), binding };
    const finish = interaction
      ? anonymous.post<{ redirectTo?: string }>(`/oidc/interaction/${interaction}/federated`, answer).then((r) => {
        if (r.redirectTo) window.location.assign(r.redirectTo);
        else window.location.assign(`/ui/oidc/interaction/${interaction}`);
      })
      : federatedSignIn(answer.query, answer.binding).then(() => navigate('/', { replace: true }));
    finish.catch((e: unknown) => {
      if (e instanceof ApiError && e.slug === 'mfa-required') setSecondStep(e.problem as unknown as MfaRequired);
      else setError(e instanceof ApiError ? e : new ApiError({ type: 'about:blank', title: 'Error', status: 500, detail: String(e) }));
    });
    // The answer is used once, when the page opens.
  }, []);
  if (secondStep) {
    const complete = interaction
      ? async (step: Parameters<typeof completeSignIn>[0]) => {
        const r = await anonymous.post<{ redirectTo?: string }>(`/oidc/interaction/${interaction}/mfa`, step);
        window.location.assign(r.redirectTo ?? `/ui/oidc/interaction/${interaction}`);
      }
      : completeSignIn;
    return (
      <Card title="Sign in">
        <SecondFactorStep step={secondStep} complete={complete} onDone={() => (interaction ? undefined : navigate('/', { replace: true }))} onRestart={() => navigate('/login')} />
      </Card>
    );
  }
  if (error) {
    return (
      <Card title="Sign in">
        <ProblemBox error={error} />
        <p><Link to={interaction ? `/oidc/interaction/${interaction}` : '/login'}>Start again</Link></p>
      </Card>
    );
  }
  return <Card title="Sign in"><Loading label="Signing you in…" /></Card>;
}
