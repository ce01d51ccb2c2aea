import type { ServiceAccountView } from '@gatehouse/contracts';
import { useState } from 'react';
import { api, url } from '../api/client';
import { navigate } from '../router';
import { Field, formatDate, Loading, PageHeader, ProblemBox, Tabs, TextArea, useAsync, useSubmit } from '../ui/kit';
import { ListPage, nameColumns } from '../ui/resources';
import { SubjectBindings } from './access';
import { ApiTokens } from './api-tokens';

const tp = (tenant: string, path: string) => url(`/${encodeURIComponent(tenant)}${path}`);

export function ServiceAccountsList({ tenant, base }: { tenant: string; base: string }) {
  return (
    <ListPage<ServiceAccountView>
      title="Service accounts"
      base={base}
      source={({ page, size, q }) => tp(tenant, `/service-accounts?${new URLSearchParams({ page: String(page), size: String(size), ...(q ? { q } : {}) })}`)}
      rowKey={(s) => s.id}
      empty="No service accounts yet. Applications authenticate with a service account's API tokens."
      searchLabel="Search service accounts"
      columns={[...nameColumns<ServiceAccountView>(base), { label: 'Created', render: (s) => formatDate(s.createdAt) }]}
    />
  );
}

export function ServiceAccountForm({ tenant, base, account }: { tenant: string; base: string; account?: ServiceAccountView }) {
  const [form, setForm] = useState({ name: account?.name ?? '', description: account?.description ?? '' });
  const [saved, setSaved] = useState(false);
  const { pending, error, submit } = useSubmit();
  const removal = useSubmit();
  const onSubmit = submit(async () => {
    const body = { name: form.name, description: form.description || null };
    if (account) {
      await api.patch(tp(tenant, `/service-accounts/${account.id}`), body);
      setSaved(true);
    } else {
      const created = await api.post<ServiceAccountView>(tp(tenant, '/service-accounts'), body);
      navigate(`${base}/${created.id}/api-tokens`);
    }
  });
  const onDelete = removal.submit(async () => {
    if (!account || !window.confirm(`Delete ${account.name}? Its API tokens stop working at once.`)) return;
    await api.del(tp(tenant, `/service-accounts/${account.id}`));
    navigate(base);
  });
  return (
    <form className="panel" onSubmit={onSubmit} noValidate aria-label="Service account">
      <Field label="Name" name="name" value={form.name} onChange={(name) => setForm({ ...form, name })} error={error} hint="Lowercase letters, digits and dashes" autoFocus={!account} />
      <TextArea label="Description" name="description" value={form.description} onChange={(description) => setForm({ ...form, description })} error={error} />
      <ProblemBox error={error} fields={['name', 'description']} />
      {saved && <p role="status">Saved.</p>}
      <div className="row">
        <button type="submit" disabled={pending}>
          Save
        </button>
        {account && (
          <button type="button" className="danger" onClick={() => void onDelete()}>
            Delete
          </button>
        )}
      </div>
      <ProblemBox error={removal.error} />
    </form>
  );
}

export function ServiceAccountDetailPage({ tenant, base, id, tab }: { tenant: string; base: string; id: string; tab: string }) {
  const { data, error } = useAsync(() => api.get<ServiceAccountView>(tp(tenant, `/service-accounts/${id}`)), [tenant, id]);
  if (error) return <ProblemBox error={error} />;
  if (!data) return <Loading />;
  const self = `${base}/${id}`;
  return (
    <div>
      <PageHeader title={data.name} />
      <Tabs
        active={tab}
        tabs={[
          { id: 'overview', label: 'Overview', to: self },
          { id: 'access', label: 'Access', to: `${self}/access` },
          { id: 'api-tokens', label: 'API Tokens', to: `${self}/api-tokens` },
        ]}
      />
      {tab === 'overview' && <ServiceAccountForm tenant={tenant} base={base} account={data} />}
      {tab === 'access' && <SubjectBindings tenant={tenant} subjectType="SERVICE_ACCOUNT" subjectId={data.id} />}
      {tab === 'api-tokens' && <ApiTokens base={tp(tenant, `/service-accounts/${data.id}/api-tokens`)} />}
    </div>
  );
}
