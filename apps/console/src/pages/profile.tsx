import type { UserSettingsView } from '@gatehouse/contracts';
import { useEffect, useState } from 'react';
import { api, url } from '../api/client';
import { useAuth } from '../session';
import { Field, Loading, PageHeader, PasswordField, ProblemBox, setTimeZone, Tabs, Toggle, useAsync, useSubmit } from '../ui/kit';
import { ApiTokens } from './api-tokens';
import { applyTheme, tenantLabel } from './layout';

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

/** Preferences are kept per tenant (theme, time zone, default namespace). */
function Preferences({ tenant }: { tenant: string }) {
  const base = url(`/${encodeURIComponent(tenant)}/settings/me`);
  const { data, error: loadError } = useAsync(() => api.get<UserSettingsView>(base), [base]);
  const [form, setForm] = useState({ theme: 'system', timezone: '', defaultNamespace: '' });
  const [saved, setSaved] = useState(false);
  const { pending, error, submit } = useSubmit();
  useEffect(() => {
    if (data) setForm({ theme: data.theme ?? 'system', timezone: data.timezone ?? '', defaultNamespace: data.defaultNamespace ?? '' });
  }, [data]);
  const onSubmit = submit(async () => {
    const body: Record<string, unknown> = { theme: form.theme, ...(data?.editor ? { editor: data.editor } : {}) };
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
      <ProblemBox error={error} fields={['timezone', 'defaultNamespace', 'theme']} />
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
            <dd>{me.email ?? '—'}</dd>
            <dt>Super Admin</dt>
            <dd>{me.superAdmin ? 'Yes' : 'No'}</dd>
          </dl>
          {tenant ? <Preferences tenant={tenant} /> : <p className="muted">Choose a tenant to edit your preferences there.</p>}
        </>
      )}
      {tab === 'password' && <ChangePassword />}
      {tab === 'api-tokens' && <ApiTokens base={url('/me/api-tokens')} />}
    </div>
  );
}
