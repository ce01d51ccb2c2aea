import type { InteractionStep } from '@gatehouse/contracts';
import { useEffect, useState } from 'react';
import { anonymous, ApiError, SecondStep, url } from '../api/client';
import { assertPasskey } from '../api/passkeys';
import { Loading, ProblemBox, useAsync, useSubmit } from '../ui/kit';
import { Card, PasswordChangeRequired, SignInForm } from './public';

type Answer = InteractionStep | { redirectTo: string };

/** What each scope lets the application see or do, for the consent screen. */
const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are (your account id)',
  profile: 'Your name and username',
  email: 'Your email address',
  tenant: 'The tenant you sign in to',
  roles: 'Your roles in that tenant',
  groups: 'Your groups in that tenant',
  offline_access: 'Stay signed in when you are away',
  api: 'Call the Gatehouse API as you',
};

/** Back to the application: identity's answer ends the interaction with a redirect to the client (an object, so specs can watch it). */
export const interactionExit = {
  leave(to: string): void {
    window.location.assign(to);
  },
};

/**
 * The OpenID Connect provider's sign-in (`/ui/oidc/interaction/:uid`, where identity sends the browser):
 * password sign-in (the console's form: lockout, forced password change) and its second step for a user
 * with a factor (`…/mfa`), or a passkey alone (`…/passkey`), the tenant when the user can reach several,
 * the consent of a third-party client; then back to the application. Steps this page does not know are
 * shown as such, with the way out.
 */
export function OidcInteractionPage({ uid }: { uid: string }) {
  const base = `/oidc/interaction/${encodeURIComponent(uid)}`;
  const loaded = useAsync(() => anonymous.get<InteractionStep>(`${base}/details`), [base]);
  const [step, setStep] = useState<InteractionStep | null>(null);
  const [leaving, setLeaving] = useState(false);
  const [mustChange, setMustChange] = useState<string | null>(null);
  const current = step ?? loaded.data ?? null;

  const advance = async (action: string, body: object = {}) => {
    const answer = await anonymous.post<Answer>(`${base}/${action}`, body);
    if ('redirectTo' in answer) {
      setLeaving(true);
      interactionExit.leave(answer.redirectTo);
    } else {
      setStep(answer);
    }
  };

  if (loaded.error) {
    return (
      <Card title="Sign in">
        <ProblemBox error={loaded.error as ApiError} />
      </Card>
    );
  }
  if (!current || leaving) return <Card title="Sign in"><Loading label={leaving ? 'Returning to the application…' : 'Loading…'} /></Card>;
  const intro = (
    <p data-testid="oidc-client">
      to continue to <strong>{current.client.name}</strong>
    </p>
  );
  if (mustChange !== null) {
    return (
      <Card title="Password change required">
        <PasswordChangeRequired username={mustChange} />
      </Card>
    );
  }
  return (
    <Card title={current.step === 'login' ? 'Sign in' : current.step === 'tenant' ? 'Choose a tenant' : current.step === 'consent' ? 'Allow access' : 'Sign in'}>
      {intro}
      {current.step === 'login' ? (
        <SignInForm
          interaction={uid}
          signIn={(username, password) => advance('login', { username, password })}
          completeSecondStep={(secondStep: SecondStep) => advance('mfa', secondStep)}
          passkeySignIn={async () => {
            const { options } = await anonymous.post<{ options: Record<string, unknown> }>(url('/login/passkey/options'));
            await advance('passkey', { credential: await assertPasskey(options) });
          }}
          onSignedIn={() => undefined}
          onPasswordChangeRequired={setMustChange}
        />
      ) : current.step === 'tenant' ? (
        <TenantChoice tenants={current.tenants ?? []} choose={(tenant) => advance('tenant', { tenant })} />
      ) : current.step === 'consent' ? (
        <Consent step={current} consent={() => advance('consent')} />
      ) : (
        <p className="problem">This sign-in needs a step this page does not know ({current.step}). Cancel and try again later.</p>
      )}
      <Cancel abort={() => advance('abort')} />
    </Card>
  );
}

function TenantChoice({ tenants, choose }: { tenants: Array<{ id: string; name: string }>; choose: (tenant: string) => Promise<void> }) {
  const [tenant, setTenant] = useState(tenants[0]?.id ?? '');
  const { pending, error, submit } = useSubmit();
  useEffect(() => setTenant((t) => (tenants.some((x) => x.id === t) ? t : (tenants[0]?.id ?? ''))), [tenants]);
  return (
    <form onSubmit={submit(() => choose(tenant))} noValidate>
      <fieldset className="choices">
        <legend>Tenant</legend>
        {tenants.map((t) => (
          <label key={t.id} className="choice">
            <input type="radio" name="tenant" value={t.id} checked={tenant === t.id} onChange={() => setTenant(t.id)} /> {t.name}
          </label>
        ))}
      </fieldset>
      <ProblemBox error={error} fields={[]} />
      <button type="submit" disabled={pending || !tenant}>
        {pending ? 'Continuing…' : 'Continue'}
      </button>
    </form>
  );
}

function Consent({ step, consent }: { step: InteractionStep; consent: () => Promise<void> }) {
  const { pending, error, submit } = useSubmit();
  return (
    <form onSubmit={submit(consent)} noValidate>
      <p>
        <strong>{step.client.name}</strong> asks to:
      </p>
      <ul className="scopes" data-testid="oidc-scopes">
        {step.scopes.map((s) => (
          <li key={s} data-scope={s}>
            {SCOPE_TEXT[s] ?? s}
          </li>
        ))}
      </ul>
      <ProblemBox error={error} fields={[]} />
      <button type="submit" disabled={pending}>
        {pending ? 'Allowing…' : 'Allow'}
      </button>
    </form>
  );
}

function Cancel({ abort }: { abort: () => Promise<void> }) {
  const { pending, error, submit } = useSubmit();
  return (
    <>
      <ProblemBox error={error} fields={[]} />
      <p className="muted">
        <button type="button" className="link" disabled={pending} onClick={() => void submit(abort)()}>
          Cancel and return to the application
        </button>
      </p>
    </>
  );
}
