import type { MfaPolicy, MfaPolicyView, TenantView } from '@gatehouse/contracts';
import { useEffect, useState } from 'react';
import { api, tenantPath, url } from '../api/client';
import { Link, navigate } from '../router';
import { Field, FieldErrors, formatDate, Loading, PageHeader, ProblemBox, SaveFooter, useAsync, useSubmit } from '../ui/kit';
import { ListPage } from '../ui/resources';
import { assertValid, RULES } from '../ui/checks';
import { confirmAction, notify } from '../ui/feedback';
import { fieldMessages } from '../ui/wording';
import { useCapabilities } from '../session';

export function TenantsPage() {
  const instance = useCapabilities(null);
  return (
    <ListPage<TenantView>
      title="Tenants"
      base="/admin/tenants"
      canCreate={instance?.can('TENANT', 'CREATE') ?? false}
      source={({ page, size, q }) => url('/tenants', { page, size, q, sort: 'id' })}
      rowKey={(t) => t.id}
      empty="No tenants yet. Create the first one."
      searchLabel="Search tenants"
      columns={[
        { label: 'Id', render: (t) => <Link to={`/t/${t.id}`}>{t.id}</Link> },
        { label: 'Name', render: (t) => t.name },
        { label: 'Worker group', render: (t) => t.workerGroup ?? '—' },
        { label: 'Status', render: (t) => <span className={`badge ${t.status.toLowerCase()}`}>{t.status}</span> },
        { label: 'Created', render: (t) => formatDate(t.createdAt) },
      ]}
    />
  );
}

export function CreateTenantPage() {
  const [form, setForm] = useState({ id: '', name: '', workerGroup: '', adminUser: '' });
  const { pending, error, submit } = useSubmit();
  const set = (k: keyof typeof form) => (v: string) => setForm({ ...form, [k]: v });
  const onSubmit = submit(async () => {
    assertValid(RULES.createTenant, form);
    const body: Record<string, string> = { id: form.id, name: form.name };
    if (form.workerGroup) body.workerGroup = form.workerGroup;
    if (form.adminUser) body.adminUser = form.adminUser;
    const tenant = await api.post<TenantView>(url('/tenants'), body);
    notify(`Tenant ${tenant.id} created.`);
    navigate(`/t/${tenant.id}/settings`);
  });
  return (
    <div>
      <PageHeader title="Create tenant" />
      <form className="panel" onSubmit={onSubmit} noValidate aria-label="Create tenant">
        <Field label="Id" name="id" value={form.id} onChange={set('id')} error={error} hint="2-63 lowercase letters, digits and dashes; it cannot change later" autoFocus />
        <Field label="Name" name="name" value={form.name} onChange={set('name')} error={error} />
        <Field label="Worker group" name="workerGroup" value={form.workerGroup} onChange={set('workerGroup')} error={error} />
        <Field label="Admin user" name="adminUser" value={form.adminUser} onChange={set('adminUser')} error={error} hint="Username or email of the tenant's Admin; you by default" />
        <ProblemBox error={error} fields={['id', 'name', 'workerGroup', 'adminUser']} />
        <div className="row">
          <button type="submit" disabled={pending}>
            {pending ? 'Creating…' : 'Save'}
          </button>
          <Link to="/admin/tenants" className="button secondary">
            Cancel
          </Link>
        </div>
      </form>
    </div>
  );
}

function Overview({ tenant, reload }: { tenant: TenantView; reload: () => void }) {
  const [form, setForm] = useState({ name: tenant.name, workerGroup: tenant.workerGroup ?? '' });
  const [saved, setSaved] = useState(false);
  const { pending, error, submit } = useSubmit();
  const removal = useSubmit();
  useEffect(() => setForm({ name: tenant.name, workerGroup: tenant.workerGroup ?? '' }), [tenant]);
  const onSubmit = submit(async () => {
    setSaved(false);
    assertValid(RULES.updateTenant, form);
    await api.patch(url(`/tenants/${tenant.id}`), { name: form.name, workerGroup: form.workerGroup || null });
    setSaved(true);
    reload();
  });
  const onDelete = removal.submit(async () => {
    const confirmed = await confirmAction({
      title: `Delete the tenant ${tenant.id}?`,
      body: 'Its roles, groups, bindings and service accounts are removed. Users and the audit trail stay.',
      confirmLabel: 'Delete tenant',
      danger: true,
      typeToConfirm: tenant.id,
    });
    if (!confirmed) return;
    await api.del(url(`/tenants/${tenant.id}`));
    notify(`Tenant ${tenant.id} deleted.`);
    navigate('/admin/tenants');
  });
  return (
    <>
      <form className="panel" onSubmit={onSubmit} noValidate aria-label="Tenant overview">
        <dl className="facts">
          <dt>Id</dt>
          <dd>{tenant.id}</dd>
          <dt>Status</dt>
          <dd>{tenant.status}</dd>
          <dt>Created</dt>
          <dd>{formatDate(tenant.createdAt)}</dd>
        </dl>
        <Field label="Name" name="name" value={form.name} onChange={(name) => setForm({ ...form, name })} error={error} />
        <Field label="Worker group" name="workerGroup" value={form.workerGroup} onChange={(workerGroup) => setForm({ ...form, workerGroup })} error={error} />
        <SaveFooter error={error} fields={['name', 'workerGroup']} saved={saved} pending={pending} />
      </form>
      <MfaPolicyPanel tenant={tenant.id} />
      <div className="panel danger-zone">
        <h2>Delete tenant</h2>
        <ProblemBox error={removal.error} />
        <button type="button" className="danger" onClick={() => void onDelete()} disabled={removal.pending}>
          Delete {tenant.id}
        </button>
      </div>
    </>
  );
}

const POLICY_LABELS: Record<MfaPolicy, string> = {
  optional: 'Optional',
  required: 'Required for everyone',
  'required-for-admins': 'Required for admins',
};
const INHERIT = 'inherit';

/**
 * The tenant's two-step verification policy (docs/mfa.md) over GET/PUT /api/v1/{tenant}/mfa-policy:
 * its own, or the instance's default ("inherit" sends null). Setting it is its Admin's, an Instance Admin's
 * or a Super Admin's: anyone else is told so by the API.
 */
export function MfaPolicyPanel({ tenant }: { tenant: string }) {
  const path = url(tenantPath(tenant, '/mfa-policy'));
  const { data, error: loadError, reload } = useAsync(() => api.get<MfaPolicyView>(path), [path]);
  const [choice, setChoice] = useState<string>(INHERIT);
  const [saved, setSaved] = useState(false);
  const { pending, error, submit } = useSubmit();
  useEffect(() => {
    if (data) setChoice(data.tenantPolicy ?? INHERIT);
  }, [data]);
  const onSubmit = submit(async () => {
    setSaved(false);
    await api.put<MfaPolicyView>(path, { policy: choice === INHERIT ? null : choice });
    setSaved(true);
    reload();
  });
  return (
    <form className="panel" onSubmit={onSubmit} noValidate aria-label="Two-step verification policy">
      <h2>Two-step verification policy</h2>
      {loadError ? (
        <ProblemBox error={loadError} />
      ) : !data ? (
        <Loading />
      ) : (
        <>
          <div className={`field${fieldMessages(error, 'policy').length ? ' invalid' : ''}`}>
            <label htmlFor="f-policy">Who must use two-step verification</label>
            <select id="f-policy" value={choice} onChange={(e) => { setChoice(e.target.value); setSaved(false); }}>
              <option value={INHERIT}>Instance default ({POLICY_LABELS[data.instanceDefault]})</option>
              {(Object.keys(POLICY_LABELS) as MfaPolicy[]).map((p) => (
                <option key={p} value={p}>
                  {POLICY_LABELS[p]}
                </option>
              ))}
            </select>
            <div className="hint">
              In effect: {POLICY_LABELS[data.policy]} ({data.source === 'tenant' ? "this tenant's own" : "the instance's default"}). Users it reaches
              without a second factor set one up at their next sign-in.
            </div>
            <FieldErrors error={error} name="policy" />
          </div>
          <SaveFooter error={error} fields={['policy']} saved={saved} pending={pending} />
        </>
      )}
    </form>
  );
}

/** A tenant's settings (rename, worker group, two-step verification policy, delete), a section of `/t/{id}` for TENANT holders. */
export function TenantSettings({ tenant }: { tenant: string }) {
  const { data, error, reload } = useAsync(() => api.get<TenantView>(url(`/tenants/${encodeURIComponent(tenant)}`)), [tenant]);
  if (error) return <ProblemBox error={error} />;
  if (!data) return <Loading />;
  return (
    <div>
      <PageHeader title={data.name} />
      <Overview tenant={data} reload={reload} />
    </div>
  );
}
