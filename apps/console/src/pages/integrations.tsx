import type { IntegrationView, IntegrationWithSecret } from '@gatehouse/contracts';
import { useState } from 'react';
import { api, url } from '../api/client';
import { Link, match, navigate } from '../router';
import { Field, formatDate, PageHeader, ProblemBox, SecretHolderActions, SecretOnce, Toggle, useSubmit } from '../ui/kit';
import { CreatePage, ListPage, Loaded } from '../ui/resources';
import { useSecretHolder } from '../ui/secret-holder';
import { useCapabilities } from '../session';

const tp = (tenant: string, path: string) => url(`/${encodeURIComponent(tenant)}${path}`);

/** The SCIM base URL a directory is given: the gateway's origin and the integration's path. */
const scimUrl = (integration: IntegrationView) => `${window.location.origin}${integration.scimPath}`;

/** The tenant's provisioning integrations (docs/scim.md): `/t/{tenant}/integrations[/new | /{id}]`. */
export function IntegrationsSection({ tenant, rest }: { tenant: string; rest: string }) {
  const base = `/t/${encodeURIComponent(tenant)}/integrations`;
  const path = `/${rest}`;
  if (path === '/new') return <IntegrationCreatePage tenant={tenant} base={base} />;
  const detail = match('/:id', path);
  if (detail) return <IntegrationPage tenant={tenant} base={base} id={detail.id} />;
  return <IntegrationsList tenant={tenant} base={base} />;
}

function IntegrationsList({ tenant, base }: { tenant: string; base: string }) {
  const caps = useCapabilities(tenant);
  return (
    <ListPage<IntegrationView>
      title="Provisioning"
      base={base}
      canCreate={caps?.can('USER', 'CREATE') ?? false}
      source={({ page, size, q }) => tp(tenant, `/integrations?${new URLSearchParams({ page: String(page), size: String(size), ...(q ? { q } : {}) })}`)}
      rowKey={(i) => i.id}
      empty="No integrations yet. A directory (Entra ID, Okta, Keycloak, authentik) provisions users and groups here over SCIM 2.0 with one."
      searchLabel="Search integrations"
      columns={[
        { label: 'Name', render: (i) => <Link to={`${base}/${i.id}`}>{i.name}</Link> },
        { label: 'Status', render: (i) => (i.enabled ? 'Enabled' : 'Disabled') },
        { label: 'Secret', render: (i) => <code>{i.secretPrefix}…</code> },
        { label: 'Last used', render: (i) => (i.lastUsedAt ? formatDate(i.lastUsedAt) : 'Never') },
      ]}
    />
  );
}

/** The secret, shown once after creation or rotation, with the SCIM base URL to give the directory. */
function IntegrationSecretOnce({ integration, onDone }: { integration: IntegrationWithSecret; onDone: () => void }) {
  return (
    <SecretOnce
      label="Integration secret" intro="Copy the secret now and give it to your directory as the bearer token. It will not be shown again."
      testId="integration-secret" secret={integration.secret} onDone={onDone}
    >
      <p>SCIM base URL: <code data-testid="scim-url">{scimUrl(integration)}</code></p>
    </SecretOnce>
  );
}

function IntegrationCreatePage({ tenant, base }: { tenant: string; base: string }) {
  const [name, setName] = useState('');
  const [created, setCreated] = useState<IntegrationWithSecret | null>(null);
  const { pending, error, submit } = useSubmit();
  const onSubmit = submit(async () => setCreated(await api.post<IntegrationWithSecret>(tp(tenant, '/integrations'), { name })));
  if (created) {
    return (
      <>
        <PageHeader title={`Integration ${created.name} created`} />
        <IntegrationSecretOnce integration={created} onDone={() => navigate(`${base}/${created.id}`)} />
      </>
    );
  }
  return (
    <CreatePage title="Create integration" label="Integration" onSubmit={onSubmit} pending={pending} error={error} fields={['name']}>
      <p>The integration acts with your permissions: it can provision what you could grant yourself, and stops when you lose them.</p>
      <Field label="Name" name="name" value={name} onChange={setName} error={error} />
    </CreatePage>
  );
}

function IntegrationPage({ tenant, base, id }: { tenant: string; base: string; id: string }) {
  const path = tp(tenant, `/integrations/${encodeURIComponent(id)}`);
  return <Loaded<IntegrationView> path={path}>{(data) => <IntegrationEditor key={data.id} integration={data} path={path} base={base} />}</Loaded>;
}

function IntegrationEditor({ integration: initial, path, base }: { integration: IntegrationView; path: string; base: string }) {
  const holder = useSecretHolder<IntegrationView, IntegrationWithSecret>(initial, path);
  const { value: integration, rotated, save } = holder;
  const [name, setName] = useState(initial.name);
  const [enabled, setEnabled] = useState(initial.enabled);
  const actions = holder.actions({
    rotate: {
      title: `Rotate the secret of ${integration.name}?`, body: 'The directory is refused until it has the new one, and the integration then acts with your permissions.', confirmLabel: 'Rotate secret', danger: true,
    },
    remove: {
      title: `Delete the integration ${integration.name}?`, body: 'The directory can no longer provision; what it provisioned stays.', confirmLabel: 'Delete integration', danger: true, typeToConfirm: integration.name,
    },
    removed: `Integration ${integration.name} deleted.`,
    leaveTo: base,
  });
  return (
    <div>
      <PageHeader title={integration.name} />
      <dl className="panel facts">
        <dt>SCIM base URL</dt>
        <dd><code data-testid="scim-url">{scimUrl(integration)}</code></dd>
        <dt>Secret</dt>
        <dd><code>{integration.secretPrefix}…</code> issued {formatDate(integration.secretCreatedAt)}</dd>
        <dt>Acts as</dt>
        <dd><code>{integration.ownerId}</code></dd>
        <dt>Last used</dt>
        <dd>{integration.lastUsedAt ? formatDate(integration.lastUsedAt) : 'Never'}</dd>
      </dl>
      {rotated && <IntegrationSecretOnce integration={rotated} onDone={holder.clearRotated} />}
      <form className="panel" onSubmit={holder.onSave(() => ({ name, enabled }))} noValidate aria-label="Integration">
        <Field label="Name" name="name" value={name} onChange={setName} error={save.error} />
        <Toggle label="Enabled (a disabled integration's secret is refused)" name="enabled" checked={enabled} onChange={setEnabled} />
        <ProblemBox error={save.error} fields={['name', 'enabled']} />
        <SecretHolderActions {...actions} />
      </form>
    </div>
  );
}
