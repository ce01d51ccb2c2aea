import type { EditorPreferences, EmailVerificationSent, UserSettingsView } from '@gatehouse/contracts';
import { useEffect, useState } from 'react';
import { api, url } from '../api/client';
import { useAuth } from '../session';
import { Field, Loading, PageHeader, PasswordField, ProblemBox, setTimeZone, Tabs, Toggle, useAsync, useSubmit } from '../ui/kit';
import { ApiTokens } from './api-tokens';
import { SecurityPanel } from './security';
import { Sessions } from './sessions';
import { applyTheme, tenantLabel } from './layout';

export function EmailBadge({ verified }: { verified: boolean }) {
  return verified ? (
    <span className="badge active" data-testid="email-verified">Verified</span>
  ) : (
    <span className="badge disabled" data-testid="email-unverified">Not verified</span>
  );
}

/**
 * Own email: change it (the current password is required; it applies once the new address confirms it),
 * see and withdraw a pending change, or have the confirmation link sent again.
 */
function ChangeEmail() {
  const { me, reloadMe } = useAuth();
  const [form, setForm] = useState({ email: '', password: '' });
  const [editing, setEditing] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const { pending, error, submit } = useSubmit();
  const other = useSubmit();
  if (!me) return null;
  const onSubmit = submit(async () => {
    const sent = await api.post<EmailVerificationSent>(url('/me/email'), form);
    setMessage(`A confirmation link was sent to ${sent.email}. Your address changes once you open it.`);
    setForm({ email: '', password: '' });
    setEditing(false);
    await reloadMe();
  });
  const onResend = other.submit(async () => {
    const sent = await api.post<EmailVerificationSent>(url('/me/email/verification'));
    setMessage(`A new confirmation link was sent to ${sent.email}.`);
  });
  const onCancel = other.submit(async () => {
    await api.del(url('/me/email/pending'));
    setMessage('The email change was withdrawn.');
    await reloadMe();
  });
  return (
    <div className="panel" aria-label="Email address">
      <h2>Email address</h2>
      {message && <p role="status">{message}</p>}
      {me.pendingEmail && (
        <p data-testid="pending-email">
          Waiting for confirmation: <strong>{me.pendingEmail}</strong>. Your address stays {me.email} until you open the link sent there.
        </p>
      )}
      {!me.emailVerified && !me.pendingEmail && <p className="muted">Your address is not verified: password reset links are sent to verified addresses only.</p>}
      <ProblemBox error={other.error} />
      <div className="row">
        {(me.pendingEmail || !me.emailVerified) && (
          <button type="button" className="secondary" onClick={() => void onResend()} disabled={other.pending}>
            Send the link again
          </button>
        )}
        {me.pendingEmail && (
          <button type="button" className="secondary" onClick={() => void onCancel()} disabled={other.pending}>
            Withdraw the change
          </button>
        )}
        {!editing && (
          <button type="button" onClick={() => setEditing(true)}>
            Change email
          </button>
        )}
      </div>
      {editing && (
        <form onSubmit={onSubmit} noValidate aria-label="Change email">
          <Field label="New email" name="email" type="email" autoComplete="email" value={form.email} onChange={(email) => setForm({ ...form, email })} error={error} />
          <Field label="Current password" name="password" type="password" autoComplete="current-password" value={form.password} onChange={(password) => setForm({ ...form, password })} error={error} />
          <ProblemBox error={error} fields={['email', 'password']} />
          <div className="row">
            <button type="submit" disabled={pending || !form.email || !form.password}>
              {pending ? 'Sending…' : 'Send confirmation link'}
            </button>
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

function ChangePassword() {
  const [form, setForm] = useState({ oldPassword: '', newPassword: '', endOtherSessions: true });
  const [done, setDone] = useState(false);
  const { pending, error, submit } = useSubmit();
  const onSubmit = submit(async () => {
    await api.put(url('/me/password'), form);
    setDone(true);
    setForm({ oldPassword: '', newPassword: '', endOtherSessions: true });
  });
  return (
    <form className="panel" onSubmit={onSubmit} noValidate aria-label="Change password">
      <h2>Change password</h2>
      {done && <p role="status">Your password has been changed.</p>}
      <Field label="Current password" name="oldPassword" type="password" autoComplete="current-password" value={form.oldPassword} onChange={(oldPassword) => setForm({ ...form, oldPassword })} error={error} />
      <PasswordField label="New password" name="newPassword" value={form.newPassword} onChange={(newPassword) => setForm({ ...form, newPassword })} error={error} />
      <Toggle label="Sign out my other sessions" name="endOtherSessions" checked={form.endOtherSessions} onChange={(endOtherSessions) => setForm({ ...form, endOtherSessions })} />
      <ProblemBox error={error} fields={['oldPassword', 'newPassword']} />
      <button type="submit" disabled={pending || !form.oldPassword || !form.newPassword}>
        Change password
      </button>
    </form>
  );
}

const KEYMAPS = ['default', 'vim', 'emacs'] as const;
type EditorForm = { fontSize: string; tabSize: string; wordWrap: boolean; keymap: string };
const editorForm = (e: EditorPreferences | undefined): EditorForm => ({
  fontSize: e?.fontSize?.toString() ?? '', tabSize: e?.tabSize?.toString() ?? '', wordWrap: e?.wordWrap ?? false, keymap: e?.keymap ?? 'default',
});

/** The editor preferences as sent: blank sizes left out (unset); a size that is not a number goes as typed, for the server to name. */
export function editorBody(form: EditorForm): Record<string, unknown> {
  const size = (v: string) => (/^\d+$/.test(v.trim()) ? Number(v.trim()) : v.trim());
  return {
    ...(form.fontSize.trim() ? { fontSize: size(form.fontSize) } : {}),
    ...(form.tabSize.trim() ? { tabSize: size(form.tabSize) } : {}),
    wordWrap: form.wordWrap,
    keymap: form.keymap,
  };
}

/** Preferences are kept per tenant (theme, editor, time zone, default namespace). */
export function Preferences({ tenant }: { tenant: string }) {
  const base = url(`/${encodeURIComponent(tenant)}/settings/me`);
  const { data, error: loadError } = useAsync(() => api.get<UserSettingsView>(base), [base]);
  const [form, setForm] = useState({ theme: 'system', timezone: '', defaultNamespace: '' });
  const [editor, setEditor] = useState<EditorForm>(editorForm(undefined));
  const [saved, setSaved] = useState(false);
  const { pending, error, submit } = useSubmit();
  useEffect(() => {
    if (data) {
      setForm({ theme: data.theme ?? 'system', timezone: data.timezone ?? '', defaultNamespace: data.defaultNamespace ?? '' });
      setEditor(editorForm(data.editor));
    }
  }, [data]);
  const onSubmit = submit(async () => {
    setSaved(false);
    const body: Record<string, unknown> = { theme: form.theme, editor: editorBody(editor) };
    if (form.timezone) body.timezone = form.timezone;
    if (form.defaultNamespace) body.defaultNamespace = form.defaultNamespace;
    const view = await api.put<UserSettingsView>(base, body);
    applyTheme(view.theme);
    setTimeZone(view.timezone);
    setSaved(true);
  });
  if (loadError) return <ProblemBox error={loadError} />;
  if (!data) return <Loading />;
  const zones = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return (
    <form className="panel" onSubmit={onSubmit} noValidate aria-label="Preferences">
      <h2>Preferences in {tenantLabel(tenant)}</h2>
      <div className="field">
        <label htmlFor="f-theme">Theme</label>
        <select id="f-theme" value={form.theme} onChange={(e) => setForm({ ...form, theme: e.target.value })}>
          <option value="system">System</option>
          <option value="light">Light</option>
          <option value="dark">Dark</option>
        </select>
      </div>
      <Field label="Time zone" name="timezone" list="zones" value={form.timezone} onChange={(timezone) => setForm({ ...form, timezone })} error={error} placeholder="Europe/Paris" />
      <datalist id="zones">
        {zones.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      <Field label="Default namespace" name="defaultNamespace" value={form.defaultNamespace} onChange={(defaultNamespace) => setForm({ ...form, defaultNamespace })} error={error} placeholder="company.team" />
      <fieldset className="field" aria-label="Editor">
        <legend>Editor</legend>
        <div className="row">
          <Field label="Font size" name="editor.fontSize" type="number" min={8} max={48} value={editor.fontSize} onChange={(fontSize) => setEditor({ ...editor, fontSize })} error={error} placeholder="14" />
          <Field label="Tab size" name="editor.tabSize" type="number" min={1} max={16} value={editor.tabSize} onChange={(tabSize) => setEditor({ ...editor, tabSize })} error={error} placeholder="2" />
          <div className="field">
            <label htmlFor="f-keymap">Key bindings</label>
            <select id="f-keymap" value={editor.keymap} onChange={(e) => setEditor({ ...editor, keymap: e.target.value })}>
              {KEYMAPS.map((k) => (
                <option key={k} value={k}>
                  {k === 'default' ? 'Default' : k === 'vim' ? 'Vim' : 'Emacs'}
                </option>
              ))}
            </select>
          </div>
        </div>
        <Toggle label="Wrap long lines" name="wordWrap" checked={editor.wordWrap} onChange={(wordWrap) => setEditor({ ...editor, wordWrap })} />
      </fieldset>
      <ProblemBox error={error} fields={['timezone', 'defaultNamespace', 'theme', 'editor.fontSize', 'editor.tabSize']} />
      {saved && <p role="status">Saved.</p>}
      <button type="submit" disabled={pending}>
        Save preferences
      </button>
    </form>
  );
}

export function ProfilePage({ tab, tenant }: { tab: string; tenant: string | null }) {
  const { me } = useAuth();
  if (!me) return <Loading />;
  return (
    <div>
      <PageHeader title="Profile" />
      <Tabs
        active={tab}
        tabs={[
          { id: 'overview', label: 'Overview', to: '/me' },
          { id: 'password', label: 'Password', to: '/me/password' },
          { id: 'sessions', label: 'Sessions', to: '/me/sessions' },
          { id: 'security', label: 'Security', to: '/me/security' },
          { id: 'api-tokens', label: 'API tokens', to: '/me/api-tokens' },
        ]}
      />
      {tab === 'overview' && (
        <>
          <dl className="facts panel">
            <dt>Username</dt>
            <dd data-testid="me-username">{me.username}</dd>
            <dt>Name</dt>
            <dd>{[me.firstName, me.lastName].filter(Boolean).join(' ') || '—'}</dd>
            <dt>Email</dt>
            <dd>
              {me.email ?? '—'} <EmailBadge verified={me.emailVerified} />
            </dd>
            <dt>Super Admin</dt>
            <dd>{me.superAdmin ? 'Yes' : 'No'}</dd>
          </dl>
          <ChangeEmail />
          {tenant ? <Preferences tenant={tenant} /> : <p className="muted">Choose a tenant to edit your preferences there.</p>}
        </>
      )}
      {tab === 'password' && <ChangePassword />}
      {tab === 'sessions' && <Sessions base={url('/me/sessions')} own />}
      {tab === 'security' && <SecurityPanel />}
      {tab === 'api-tokens' && <ApiTokens base={url('/me/api-tokens')} />}
    </div>
  );
}
