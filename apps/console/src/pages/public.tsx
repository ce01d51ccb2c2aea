import type { EmailVerificationResult, FederatedSignInStart, MfaRequired, SetupResult, SignInProvider } from '@gatehouse/contracts';
import { ReactNode, useEffect, useRef, useState } from 'react';
import { anonymous, api, ApiError, SecondStep, url } from '../api/client';
import { assertPasskey, passkeysSupported } from '../api/passkeys';
import { Link, navigate, useLocation } from '../router';
import { useAuth } from '../session';
import { Field, PasswordField, ProblemBox, useSubmit } from '../ui/kit';

/** The card of the console's public pages (sign-in, setup, password pages, the OpenID Connect sign-in). */
export function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="card-page">
      <div className="card">
        <div className="brand">Gatehouse</div>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

/** First run: creates the first user (Super Admin) and, without a default tenant, the first tenant. */
export function SetupPage() {
  const { setup, reloadSetup, signIn } = useAuth();
  const [form, setForm] = useState({ username: '', email: '', password: '', tenant: '' });
  const { pending, error, submit } = useSubmit();
  const needsTenant = !!setup?.multiTenancy.enabled && !setup.multiTenancy.defaultTenant;
  const set = (k: keyof typeof form) => (v: string) => setForm({ ...form, [k]: v });
  const onSubmit = submit(async () => {
    const body: Record<string, string> = { username: form.username, password: form.password };
    if (form.email) body.email = form.email;
    if (needsTenant) body.tenant = form.tenant;
    const result = await api.post<SetupResult>(url('/setup'), body);
    await reloadSetup();
    await signIn(form.username, form.password);
    navigate(result.tenant ? `/t/${result.tenant.id}` : '/');
  });
  return (
    <Card title="Welcome">
      <p>Create the first user. It becomes the Super Admin of this instance.</p>
      <form onSubmit={onSubmit} noValidate>
        <Field label="Username" name="username" value={form.username} onChange={set('username')} error={error} autoComplete="username" required />
        <Field label="Email" name="email" type="email" value={form.email} onChange={set('email')} error={error} hint="Optional when the username is an email address" />
        <PasswordField label="Password" name="password" value={form.password} onChange={set('password')} error={error} />
        {needsTenant && <Field label="First tenant id" name="tenant" value={form.tenant} onChange={set('tenant')} error={error} hint="Lowercase letters, digits and dashes" />}
        <ProblemBox error={error} fields={['username', 'email', 'password', 'tenant']} />
        <button type="submit" disabled={pending}>
          {pending ? 'Creating…' : 'Create user'}
        </button>
      </form>
    </Card>
  );
}

/**
 * The sign-in form: username or email and password, posted by `signIn` (the console's session, or an
 * OpenID Connect interaction). Lockout and throttling answer as problems shown here; a required password
 * change calls `onPasswordChangeRequired` with the username. With `completeSecondStep`, an `mfa-required`
 * answer leads to the second step (a factor posted with its mfaToken); without it, it shows as a problem.
 * With `passkeySignIn`, a passkey alone signs in too.
 */
/** Where the start's binding waits for the provider's answer (this tab only). */
export const BINDING_KEY = 'gatehouse.federation.binding';

/**
 * "Continue with …" (docs/federation.md): the enabled identity providers the gateway offers, and those claiming
 * the typed address's domain (home-realm discovery). A click starts the sign-in there; `interaction`: for the
 * OpenID provider's interaction of that uid.
 */
export function ProviderButtons({ email, interaction }: { email: string; interaction?: string }) {
  const [providers, setProviders] = useState<SignInProvider[]>([]);
  const { pending, error, submit } = useSubmit();
  const domain = email.includes('@') ? email.slice(email.lastIndexOf('@') + 1) : '';
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      anonymous.get<SignInProvider[]>(url('/login/providers', domain ? { email: `x@${domain}` } : {})).then(
        (list) => live && setProviders(list),
        () => live && setProviders([]),
      );
    }, domain ? 250 : 0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [domain]);
  const start = (provider: SignInProvider) =>
    submit(async () => {
      const started = await anonymous.post<FederatedSignInStart>(url(`/login/providers/${provider.id}/start`), interaction ? { interaction } : {});
      sessionStorage.setItem(BINDING_KEY, started.binding);
      window.location.assign(started.redirectTo);
    })();
  if (providers.length === 0) return null;
  return (
    <div className="federated" aria-label="Identity providers" role="group">
      <p className="muted">Or sign in with your organisation:</p>
      {providers.map((p) => (
        <p key={p.id}>
          <button type="button" className="secondary" onClick={() => void start(p)} disabled={pending}>
            Continue with {p.name}
          </button>
        </p>
      ))}
      <ProblemBox error={error} />
    </div>
  );
}

export function SignInForm({ signIn, completeSecondStep, passkeySignIn, onSignedIn, onPasswordChangeRequired, interaction }: {
  signIn: (username: string, password: string) => Promise<void>;
  /** The OpenID provider's interaction this form signs in for: identity providers started here come back to it. */
  interaction?: string;
  passkeySignIn?: () => Promise<void>;
  completeSecondStep?: (secondStep: SecondStep) => Promise<void>;
  onSignedIn: () => void;
  onPasswordChangeRequired: (username: string) => void;
}) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [secondStep, setSecondStep] = useState<MfaRequired | null>(null);
  const { pending, error, submit } = useSubmit();
  const onSubmit = submit(async () => {
    try {
      await signIn(username, password);
    } catch (e) {
      if ((e as { slug?: string }).slug === 'password-change-required') {
        onPasswordChangeRequired(username);
        return;
      }
      if (completeSecondStep && e instanceof ApiError && e.slug === 'mfa-required') {
        setSecondStep(e.problem as unknown as MfaRequired);
        setPassword('');
        return;
      }
      throw e;
    }
    onSignedIn();
  });
  const withPasskey = submit(async () => {
    await passkeySignIn?.();
    onSignedIn();
  });
  if (secondStep && completeSecondStep) {
    return <SecondFactorStep step={secondStep} complete={completeSecondStep} onDone={onSignedIn} onRestart={() => setSecondStep(null)} />;
  }
  return (
    <>
      <form onSubmit={onSubmit} noValidate>
        <Field label="Username or email" name="username" value={username} onChange={setUsername} error={error} autoComplete="username" autoFocus />
        <Field label="Password" name="password" type="password" value={password} onChange={setPassword} error={error} autoComplete="current-password" />
        <ProblemBox error={error} fields={['username', 'password']} />
        <button type="submit" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {passkeySignIn && passkeysSupported() && (
        <p>
          <button type="button" className="secondary" onClick={() => void withPasskey()} disabled={pending}>
            Use a passkey instead
          </button>
        </p>
      )}
      <ProviderButtons email={username} interaction={interaction} />
      <p className="muted">
        <Link to="/forgotten-password">Forgotten password?</Link>
      </p>
    </>
  );
}

export function LoginPage() {
  const { signIn, completeSignIn, passkeySignIn } = useAuth();
  const { query } = useLocation();
  const next = query.get('next');
  return (
    <Card title="Sign in">
      <SignInForm
        signIn={signIn}
        completeSecondStep={completeSignIn}
        passkeySignIn={passkeySignIn}
        onPasswordChangeRequired={(username) => navigate(`/password-change-required?username=${encodeURIComponent(username)}`)}
        onSignedIn={() => navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true })}
      />
    </Card>
  );
}

/** The second step of a sign-in (or a step-up): the authenticator app's code, a passkey, or a recovery code. */
export function SecondFactorStep({ step, complete, onDone, onRestart }: {
  step: MfaRequired;
  complete: (secondStep: SecondStep) => Promise<void>;
  onDone: () => void;
  onRestart: () => void;
}) {
  const [useRecovery, setUseRecovery] = useState(!step.factors.includes('totp') && !step.factors.includes('passkey'));
  const [value, setValue] = useState('');
  const { pending, error, submit } = useSubmit();
  const spent = error?.slug === 'invalid-mfa-token';
  const onSubmit = submit(async () => {
    const factor = useRecovery ? { recoveryCode: value.trim() } : { code: value.trim() };
    await complete({ mfaToken: step.mfaToken, ...factor });
    onDone();
  });
  const withPasskey = submit(async () => {
    await complete({ mfaToken: step.mfaToken, passkey: await assertPasskey(step.passkeyOptions ?? {}) });
    onDone();
  });
  const totp = step.factors.includes('totp');
  return (
    <>
      <h2>Two-step verification</h2>
      {step.passkeyOptions && (
        <p>
          <button type="button" onClick={() => void withPasskey()} disabled={pending || spent}>
            Use your passkey
          </button>
        </p>
      )}
      {(totp || useRecovery) && (
      <form onSubmit={onSubmit} noValidate aria-label="Second factor">
        {useRecovery ? (
          <Field label="Recovery code" name="recoveryCode" value={value} onChange={setValue} error={error} autoComplete="off" autoFocus hint="Each recovery code works once" />
        ) : (
          <Field label="Code from your authenticator app" name="code" value={value} onChange={setValue} error={error} autoComplete="one-time-code" inputMode="numeric" autoFocus />
        )}
        <ProblemBox error={error} fields={['code', 'recoveryCode']} />
        {spent ? (
          <button type="button" onClick={onRestart}>Sign in again</button>
        ) : (
          <button type="submit" disabled={pending || value.trim() === ''}>
            {pending ? 'Verifying…' : 'Verify'}
          </button>
        )}
      </form>
      )}
      {!(totp || useRecovery) && <ProblemBox error={error} fields={['passkey']} />}
      <p className="muted">
        {step.factors.includes('recovery-code') && (totp || !useRecovery) && (
          <button type="button" className="link" onClick={() => { setUseRecovery(!useRecovery); setValue(''); }}>
            {useRecovery ? (totp ? 'Use your authenticator app' : 'Use your passkey') : 'Use a recovery code'}
          </button>
        )}{' '}
        <button type="button" className="link" onClick={onRestart}>Cancel</button>
      </p>
    </>
  );
}

/** Asks for a link to choose a new password (POST /forgotten-password) and says when it is on its way. */
function ResetLinkRequest({ initialEmail = '', intro, button, pendingButton = button, sentMessage, autoFocus }: {
  initialEmail?: string;
  intro?: ReactNode;
  button: string;
  pendingButton?: string;
  sentMessage: (email: string) => string;
  autoFocus?: boolean;
}) {
  const [email, setEmail] = useState(initialEmail);
  const [sent, setSent] = useState(false);
  const { pending, error, submit } = useSubmit();
  const onSubmit = submit(async () => {
    await api.post(url('/forgotten-password'), { email });
    setSent(true);
  });
  return (
    <>
      {sent ? (
        <p role="status">{sentMessage(email)}</p>
      ) : (
        <form onSubmit={onSubmit} noValidate>
          {intro}
          <Field label="Email" name="email" type="email" value={email} onChange={setEmail} error={error} autoFocus={autoFocus} />
          <ProblemBox error={error} fields={['email']} />
          <button type="submit" disabled={pending}>
            {pending ? pendingButton : button}
          </button>
        </form>
      )}
      <p className="muted">
        <Link to="/login">Back to sign in</Link>
      </p>
    </>
  );
}

export function ForgottenPasswordPage() {
  return (
    <Card title="Forgotten password">
      <ResetLinkRequest
        intro={<p>Enter the email address of your account. We will send you a link to choose a new password.</p>}
        button="Send link"
        pendingButton="Sending…"
        sentMessage={(email) => `If an account uses ${email}, an email with a link to choose a new password is on its way.`}
        autoFocus
      />
    </Card>
  );
}

/** The page of the emailed link: `/ui/reset-password?token=...`. */
export function ResetPasswordPage() {
  const { query } = useLocation();
  const token = query.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState(false);
  const { pending, error, submit } = useSubmit();
  const onSubmit = submit(async () => {
    await api.post(url('/reset-password'), { token, password });
    setDone(true);
  });
  const mismatch = confirm.length > 0 && password !== confirm;
  return (
    <Card title="Choose a new password">
      {!token ? (
        <p className="problem">This link is incomplete. Request a new one from the sign-in page.</p>
      ) : done ? (
        <p role="status">
          Your password has been changed. <Link to="/login">Sign in</Link>
        </p>
      ) : (
        <form onSubmit={onSubmit} noValidate>
          <PasswordField label="New password" name="password" value={password} onChange={setPassword} error={error} />
          <Field label="Repeat the new password" name="confirm" type="password" value={confirm} onChange={setConfirm} hint={mismatch ? <span className="warn">The passwords differ</span> : undefined} />
          <ProblemBox error={error} fields={['password']} />
          {error?.slug === 'invalid-reset-token' && (
            <p>
              <Link to="/forgotten-password">Request a new link</Link>
            </p>
          )}
          <button type="submit" disabled={pending || mismatch || !password}>
            {pending ? 'Saving…' : 'Set password'}
          </button>
        </form>
      )}
    </Card>
  );
}

/**
 * The page of an emailed confirmation link: `/ui/verify-email?token=...`. It confirms on opening (the
 * token is single use; a second render in development must not spend it twice).
 */
export function VerifyEmailPage() {
  const { query } = useLocation();
  const token = query.get('token') ?? '';
  const { reloadMe } = useAuth();
  const [result, setResult] = useState<EmailVerificationResult | null>(null);
  const { error, submit } = useSubmit();
  const sent = useRef(false);
  useEffect(() => {
    if (!token || sent.current) return;
    sent.current = true;
    void submit(async () => {
      setResult(await api.post<EmailVerificationResult>(url('/verify-email'), { token }));
      // A signed-in tab shows the new address and badge from now on.
      await reloadMe().catch(() => undefined);
    })();
  }, [token, submit, reloadMe]);
  return (
    <Card title="Confirm your email address">
      {!token ? (
        <p className="problem">This link is incomplete. Ask for a new one from your profile.</p>
      ) : result ? (
        <p role="status">
          {result.outcome === 'CHANGED' ? `Your email address is now ${result.email}.` : `${result.email} is confirmed.`} <Link to="/me">Go to your profile</Link>
        </p>
      ) : error ? (
        <>
          <ProblemBox error={error} />
          <p>
            <Link to="/me">Ask for a new link from your profile</Link>
          </p>
        </>
      ) : (
        <p role="status" aria-busy="true">Confirming…</p>
      )}
    </Card>
  );
}

/** Login refused because an administrator requires a new password: the way out is a reset link. */
export function PasswordChangeRequiredPage() {
  const { query } = useLocation();
  return (
    <Card title="Password change required">
      <PasswordChangeRequired username={query.get('username') ?? ''} />
    </Card>
  );
}

/** Why the sign-in stopped (an administrator requires a new password) and the way out: a reset link. */
export function PasswordChangeRequired({ username }: { username: string }) {
  return (
    <>
      <p>An administrator requires you to choose a new password before signing in again. Use the link in the email you received, or request a new one.</p>
      <ResetLinkRequest initialEmail={username.includes('@') ? username : ''} button="Send a new link" sentMessage={(email) => `A new link is on its way to ${email}.`} />
    </>
  );
}

/** The link of an invitation email: join the tenant with an existing account, or create one. */
export function AcceptInvitationPage() {
  const { query } = useLocation();
  const token = query.get('token') ?? '';
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [accepted, setAccepted] = useState<{ tenantId: string | null; created: boolean } | null>(null);
  const { pending, error, submit } = useSubmit();
  const onSubmit = submit(async () => {
    const account = username ? { username, password, ...(firstName ? { firstName } : {}), ...(lastName ? { lastName } : {}) } : {};
    setAccepted(await api.post<{ tenantId: string | null; created: boolean }>(url('/invitations/accept'), { token, ...account }));
  });
  return (
    <Card title="Accept your invitation">
      {!token ? (
        <p className="problem">This link is incomplete. Ask for a new invitation.</p>
      ) : accepted ? (
        <p role="status" data-testid="invitation-accepted">
          {accepted.created ? 'Your account has been created and you' : 'You'} now have access to{' '}
          {accepted.tenantId ?? 'the default tenant'}. <Link to="/login">Sign in</Link>
        </p>
      ) : (
        <form onSubmit={onSubmit} noValidate>
          <p>Already have an account? Leave the fields empty and accept. New here? Choose a username and a password.</p>
          <Field label="Username" name="username" value={username} onChange={setUsername} error={error} autoComplete="username" />
          <PasswordField label="Password" name="password" value={password} onChange={setPassword} error={error} />
          <Field label="First name" name="firstName" value={firstName} onChange={setFirstName} error={error} />
          <Field label="Last name" name="lastName" value={lastName} onChange={setLastName} error={error} />
          <ProblemBox error={error} fields={['username', 'password', 'firstName', 'lastName']} />
          <button type="submit" disabled={pending || (username !== '' && !password)}>
            {pending ? 'Accepting…' : 'Accept invitation'}
          </button>
        </form>
      )}
    </Card>
  );
}
