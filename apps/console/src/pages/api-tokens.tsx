import type { ApiTokenView, CreatedApiToken } from '@gatehouse/contracts';
import { useState } from 'react';
import { api } from '../api/client';
import { assertValid, RULES } from '../ui/checks';
import { confirmAction, notify } from '../ui/feedback';
import { Field, formatDate, PagedTable, ProblemBox, SecretOnce, TextArea, Toggle, useSubmit } from '../ui/kit';

const MAX_AGES = [
  { value: '', label: 'Never expires' },
  { value: 'P7D', label: '7 days' },
  { value: 'P30D', label: '30 days' },
  { value: 'P90D', label: '90 days' },
  { value: 'P1Y', label: '1 year' },
  { value: 'custom', label: 'Custom (ISO-8601)' },
];

/** API tokens of one owner (the signed-in user, or a service account): list, create (secret shown once), revoke. */
export function ApiTokens({ base }: { base: string }) {
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [form, setForm] = useState({ name: '', description: '', maxAge: 'P30D', custom: '', extended: false });
  const { pending, error, submit } = useSubmit();
  const revoke = useSubmit();
  // The list, creation and revocation are judged alike (may the caller act for this owner?): when the list
  // is refused, its refusal is shown once, and no Create is offered that would only be refused again.
  const [refused, setRefused] = useState(false);
  const onCreate = submit(async () => {
    const maxAge = form.maxAge === 'custom' ? form.custom : form.maxAge;
    const custom = form.maxAge === 'custom';
    assertValid(custom ? { ...RULES.apiToken, maxAge: { ...RULES.apiToken.maxAge, required: true } } : RULES.apiToken, { ...form, maxAge: custom ? form.custom : '' });
    const body: Record<string, unknown> = { name: form.name, extended: form.extended };
    if (form.description) body.description = form.description;
    if (maxAge) body.maxAge = maxAge;
    const created = await api.post<CreatedApiToken>(base, body);
    setSecret(created.token);
    setCreating(false);
    setForm({ name: '', description: '', maxAge: 'P30D', custom: '', extended: false });
    setVersion((v) => v + 1);
  });
  const onRevoke = (token: ApiTokenView) =>
    revoke.submit(async () => {
      if (!(await confirmAction({ title: `Revoke the token “${token.name}”?`, body: 'Clients using it stop working at once.', confirmLabel: 'Revoke', danger: true }))) return;
      await api.del(`${base}/${encodeURIComponent(token.id)}`);
      notify(`Token “${token.name}” revoked.`);
      setVersion((v) => v + 1);
    })();
  return (
    <div className="api-tokens">
      {secret && <SecretOnce secret={secret} onDone={() => setSecret(null)} />}
      {refused ? null : !creating ? (
        <button type="button" onClick={() => setCreating(true)}>
          Create API token
        </button>
      ) : (
        <form className="panel" onSubmit={onCreate} noValidate aria-label="New API token">
          <Field label="Name" name="name" value={form.name} onChange={(name) => setForm({ ...form, name })} error={error} autoFocus />
          <TextArea label="Description" name="description" value={form.description} onChange={(description) => setForm({ ...form, description })} error={error} />
          <div className="field">
            <label htmlFor="f-maxAge-select">Max age</label>
            <select id="f-maxAge-select" value={form.maxAge} onChange={(e) => setForm({ ...form, maxAge: e.target.value })}>
              {MAX_AGES.map((m) => (
                <option key={m.value} value={m.value}>
                  {m.label}
                </option>
              ))}
            </select>
          </div>
          {form.maxAge === 'custom' && <Field label="Duration" name="maxAge" value={form.custom} onChange={(custom) => setForm({ ...form, custom })} error={error} placeholder="PT12H" />}
          {form.maxAge && <Toggle label="Extend the expiry on each use" name="extended" checked={form.extended} onChange={(extended) => setForm({ ...form, extended })} />}
          <ProblemBox error={error} fields={['name', 'description', 'maxAge']} />
          <div className="row">
            <button type="submit" disabled={pending}>
              {pending ? 'Creating…' : 'Create'}
            </button>
            <button type="button" className="secondary" onClick={() => setCreating(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <ProblemBox error={revoke.error} />
      <PagedTable<ApiTokenView>
        source={({ page, size, q }) => `${base}?${new URLSearchParams({ page: String(page), size: String(size), ...(q ? { q } : {}) })}`}
        reloadKey={version}
        onProblem={(problem) => setRefused(problem?.status === 403)}
        rowKey={(t) => t.id}
        empty="No API tokens yet."
        columns={[
          { label: 'Name', render: (t) => <span title={t.description ?? ''}>{t.name}</span> },
          { label: 'Prefix', render: (t) => <code>{t.prefix}…</code> },
          { label: 'Expires', render: (t) => (t.expiresAt ? formatDate(t.expiresAt) : 'Never') },
          { label: 'Last used', render: (t) => formatDate(t.lastUsedAt) },
          { label: 'Created', render: (t) => formatDate(t.createdAt) },
          {
            label: '',
            render: (t) => (
              <button type="button" className="danger small" onClick={() => void onRevoke(t)} aria-label={`Revoke ${t.name}`}>
                Revoke
              </button>
            ),
          },
        ]}
      />
    </div>
  );
}
