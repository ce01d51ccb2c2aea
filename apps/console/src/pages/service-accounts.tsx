import type { ServiceAccountView } from '@gatehouse/contracts';
import { api, url } from '../api/client';
import { navigate } from '../router';
import { RULES } from '../ui/checks';
import { confirmAction, notify } from '../ui/feedback';
import { formatDate } from '../ui/kit';
import { useCapabilities } from '../session';
import { ListPage, nameColumns, NameDescriptionForm, ResourcePage } from '../ui/resources';
import { SubjectBindings } from './access';
import { ApiTokens } from './api-tokens';

const tp = (tenant: string, path: string) => url(`/${encodeURIComponent(tenant)}${path}`);

export function ServiceAccountsList({ tenant, base }: { tenant: string; base: string }) {
  const caps = useCapabilities(tenant);
  return (
    <ListPage<ServiceAccountView>
      title="Service accounts"
      base={base}
      canCreate={caps?.can('SERVICE_ACCOUNT', 'CREATE') ?? false}
      source={({ page, size, q }) => tp(tenant, `/service-accounts?${new URLSearchParams({ page: String(page), size: String(size), ...(q ? { q } : {}) })}`)}
      rowKey={(s) => s.id}
      empty="No service accounts yet. Applications authenticate with a service account's API tokens."
      searchLabel="Search service accounts"
      columns={[...nameColumns<ServiceAccountView>(base), { label: 'Created', render: (s) => formatDate(s.createdAt) }]}
    />
  );
}

export function ServiceAccountForm({ tenant, base, account }: { tenant: string; base: string; account?: ServiceAccountView }) {
  return (
    <NameDescriptionForm
      label="Service account"
      resource={account}
      nameHint="Lowercase letters, digits and dashes"
      rules={RULES.serviceAccount}
      save={async (form) => {
        const body = { name: form.name, description: form.description || null };
        if (account) {
          await api.patch(tp(tenant, `/service-accounts/${account.id}`), body);
        } else {
          const created = await api.post<ServiceAccountView>(tp(tenant, '/service-accounts'), body);
          notify(`Service account ${created.name} created.`);
          navigate(`${base}/${created.id}/api-tokens`);
        }
      }}
      remove={async () => {
        if (!account || !(await confirmAction({
          title: `Delete the service account ${account.name}?`, body: 'Its API tokens stop working at once.', confirmLabel: 'Delete service account', danger: true, typeToConfirm: account.name,
        }))) return;
        await api.del(tp(tenant, `/service-accounts/${account.id}`));
        notify(`Service account ${account.name} deleted.`);
        navigate(base);
      }}
    />
  );
}

export function ServiceAccountDetailPage({ tenant, base, id, tab }: { tenant: string; base: string; id: string; tab: string }) {
  const self = `${base}/${id}`;
  return (
    <ResourcePage<ServiceAccountView>
      path={tp(tenant, `/service-accounts/${id}`)}
      tab={tab}
      tabs={[
        { id: 'overview', label: 'Overview', to: self },
        { id: 'access', label: 'Access', to: `${self}/access` },
        { id: 'api-tokens', label: 'API Tokens', to: `${self}/api-tokens` },
      ]}
    >
      {(account) => (
        <>
          {tab === 'overview' && <ServiceAccountForm tenant={tenant} base={base} account={account} />}
          {tab === 'access' && <SubjectBindings tenant={tenant} subjectType="SERVICE_ACCOUNT" subjectId={account.id} />}
          {tab === 'api-tokens' && <ApiTokens base={tp(tenant, `/service-accounts/${account.id}/api-tokens`)} />}
        </>
      )}
    </ResourcePage>
  );
}
