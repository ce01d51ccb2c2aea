import type {
  CreatedOAuthClient, OAuthClientView, OAuthClientWithSecret, OAuthGrantType, OAuthScope, Page, ServiceAccountView,
} from '@gatehouse/contracts';
import { useState } from 'react';
import { api, ApiError, url } from '../api/client';
import { Link, match, navigate } from '../router';
import { Field, formatDate, PageHeader, ProblemBox, SecretHolderActions, SecretOnce, TextArea, Toggle, useAsync, useSubmit } from '../ui/kit';
import { CreatePage, ListPage, Loaded } from '../ui/resources';
import { useSecretHolder } from '../ui/secret-holder';
import { useCapabilities } from '../session';

const tp = (tenant: string, path: string) => url(`/${encodeURIComponent(tenant)}${path}`);

const GRANT_TYPES: Array<{ value: OAuthGrantType; label: string }> = [
  { value: 'authorization_code', label: 'Authorization code (sign users in)' },
  { value: 'refresh_token', label: 'Refresh tokens' },
  { value: 'client_credentials', label: 'Client credentials (acts as its service account)' },
  { value: 'urn:ietf:params:oauth:grant-type:token-exchange', label: 'Token exchange (impersonation, confidential clients)' },
];
const SCOPES: OAuthScope[] = ['openid', 'profile', 'email', 'offline_access', 'tenant', 'roles', 'groups'];
const FIELDS = ['name', 'description', 'type', 'ownerId', 'redirectUris', 'postLogoutRedirectUris', 'backchannelLogoutUri', 'grantTypes', 'scopes'];

const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);

/** The tenant's OAuth clients: `/t/{tenant}/oauth-clients[/new | /{id}]`. */
export function OAuthClientsSection({ tenant, rest }: { tenant: string; rest: string }) {
  const base = `/t/${encodeURIComponent(tenant)}/oauth-clients`;
  const path = `/${rest}`;
  if (path === '/new') return <OAuthClientCreatePage tenant={tenant} base={base} />;
  const detail = match('/:id', path);
  if (detail) return <OAuthClientPage tenant={tenant} base={base} id={detail.id} />;
  return <OAuthClientsList tenant={tenant} base={base} />;
}

export function OAuthClientsList({ tenant, base }: { tenant: string; base: string }) {
  const caps = useCapabilities(tenant);
  return (
    <ListPage<OAuthClientView>
      title="OAuth clients"
      base={base}
      canCreate={caps?.can('SERVICE_ACCOUNT', 'CREATE') ?? false}
      source={({ page, size, q }) => tp(tenant, `/oauth-clients?${new URLSearchParams({ page: String(page), size: String(size), ...(q ? { q } : {}) })}`)}
      rowKey={(c) => c.id}
      empty="No OAuth clients yet. Applications sign users in (or themselves, as a service account) through Gatehouse's OpenID Connect provider with one."
      searchLabel="Search OAuth clients"
      columns={[
        { label: 'Name', render: (c) => <Link to={`${base}/${c.id}`}>{c.name}</Link> },
        { label: 'Client ID', render: (c) => <code>{c.clientId}</code> },
        { label: 'Type', render: (c) => c.type },
        { label: 'Owner', render: (c) => (c.ownerType === 'SERVICE_ACCOUNT' ? 'Service account' : 'User') },
        { label: 'Created', render: (c) => formatDate(c.createdAt) },
      ]}
    />
  );
}

/** A client's ID and its secret, shown once after creation or rotation (a public client has none). */
function ClientSecretOnce({ client, onDone }: { client: CreatedOAuthClient; onDone: () => void }) {
  return (
    <SecretOnce label="Client secret" intro="Copy the client secret now. It will not be shown again." testId="client-secret" secret={client.clientSecret ?? null} onDone={onDone}>
      <p>Client ID: <code data-testid="client-id">{client.clientId}</code></p>
      {!client.clientSecret && <p>A public client has no secret: it proves itself with PKCE.</p>}
    </SecretOnce>
  );
}

interface ClientForm {
  name: string;
  description: string;
  redirectUris: string;
  postLogoutRedirectUris: string;
  backchannelLogoutUri: string;
  grantTypes: OAuthGrantType[];
  scopes: OAuthScope[];
  firstParty: boolean;
}

const formOf = (c?: OAuthClientView): ClientForm => ({
  name: c?.name ?? '',
  description: c?.description ?? '',
  redirectUris: (c?.redirectUris ?? []).join('\n'),
  postLogoutRedirectUris: (c?.postLogoutRedirectUris ?? []).join('\n'),
  backchannelLogoutUri: c?.backchannelLogoutUri ?? '',
  grantTypes: c?.grantTypes ?? ['authorization_code', 'refresh_token'],
  scopes: c?.scopes ?? ['openid', 'profile', 'email'],
  firstParty: c?.firstParty ?? false,
});

const bodyOf = (form: ClientForm) => ({
  name: form.name,
  description: form.description || null,
  redirectUris: lines(form.redirectUris),
  postLogoutRedirectUris: lines(form.postLogoutRedirectUris),
  backchannelLogoutUri: form.backchannelLogoutUri.trim() || null,
  grantTypes: form.grantTypes,
  scopes: form.scopes,
  firstParty: form.firstParty,
});

function toggle<T>(list: T[], value: T, on: boolean): T[] {
  return on ? [...list.filter((v) => v !== value), value] : list.filter((v) => v !== value);
}

/** Name, description, redirect URIs (one per line, matched exactly), grant types, scopes and consent. */
function ClientFields({ form, setForm, error }: { form: ClientForm; setForm: (f: ClientForm) => void; error: ApiError | null }) {
  return (
    <>
      <Field label="Name" name="name" value={form.name} onChange={(name) => setForm({ ...form, name })} error={error} />
      <TextArea label="Description" name="description" value={form.description} onChange={(description) => setForm({ ...form, description })} error={error} />
      <TextArea label="Redirect URIs (one per line)" name="redirectUris" value={form.redirectUris} onChange={(redirectUris) => setForm({ ...form, redirectUris })} error={error} />
      <TextArea
        label="Post-logout redirect URIs (one per line)"
        name="postLogoutRedirectUris"
        value={form.postLogoutRedirectUris}
        onChange={(postLogoutRedirectUris) => setForm({ ...form, postLogoutRedirectUris })}
        error={error}
      />
      <Field
        label="Back-channel logout URI (receives a logout token when a session ends)"
        name="backchannelLogoutUri"
        value={form.backchannelLogoutUri}
        onChange={(backchannelLogoutUri) => setForm({ ...form, backchannelLogoutUri })}
        error={error}
      />
      <fieldset className="field">
        <legend>Grant types</legend>
        {GRANT_TYPES.map((g) => (
          <Toggle key={g.value} label={g.label} name={`grant-${g.value}`} checked={form.grantTypes.includes(g.value)} onChange={(on) => setForm({ ...form, grantTypes: toggle(form.grantTypes, g.value, on) })} />
        ))}
      </fieldset>
      <fieldset className="field">
        <legend>Scopes</legend>
        {SCOPES.map((s) => (
          <Toggle key={s} label={s} name={`scope-${s}`} checked={form.scopes.includes(s)} onChange={(on) => setForm({ ...form, scopes: toggle(form.scopes, s, on) })} />
        ))}
      </fieldset>
      <Toggle label="First party (skips the consent screen)" name="firstParty" checked={form.firstParty} onChange={(firstParty) => setForm({ ...form, firstParty })} />
    </>
  );
}

export function OAuthClientCreatePage({ tenant, base }: { tenant: string; base: string }) {
  const [form, setForm] = useState<ClientForm>(formOf());
  const [type, setType] = useState<'confidential' | 'public'>('confidential');
  const [owner, setOwner] = useState('');
  const [created, setCreated] = useState<CreatedOAuthClient | null>(null);
  // Service accounts the caller may see: an owner for machine clients (none listed without SERVICE_ACCOUNT:READ).
  const accounts = useAsync(() => api.get<Page<ServiceAccountView>>(tp(tenant, '/service-accounts?size=500')).catch(() => null), [tenant]);
  const { pending, error, submit } = useSubmit();
  const onSubmit = submit(async () => {
    const body = { ...bodyOf(form), type, ...(owner ? { ownerType: 'SERVICE_ACCOUNT', ownerId: owner } : {}) };
    setCreated(await api.post<CreatedOAuthClient>(tp(tenant, '/oauth-clients'), body));
  });
  if (created) {
    return (
      <>
        <PageHeader title={`OAuth client ${created.name} created`} />
        <ClientSecretOnce client={created} onDone={() => navigate(`${base}/${created.id}`)} />
      </>
    );
  }
  return (
    <CreatePage title="Create OAuth client" label="OAuth client" onSubmit={onSubmit} pending={pending} error={error} fields={FIELDS}>
      <div className="field">
        <label htmlFor="f-type">Type</label>
        <select id="f-type" value={type} onChange={(e) => setType(e.target.value as 'confidential' | 'public')}>
          <option value="confidential">Confidential (server-side app: has a secret)</option>
          <option value="public">Public (SPA or native app: no secret, PKCE)</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="f-owner">Owner</label>
        <select id="f-owner" value={owner} onChange={(e) => setOwner(e.target.value)}>
          <option value="">Me</option>
          {(accounts.data?.results ?? []).map((a) => (
            <option key={a.id} value={a.id}>
              Service account {a.name}
            </option>
          ))}
        </select>
      </div>
      <ClientFields form={form} setForm={setForm} error={error} />
    </CreatePage>
  );
}

export function OAuthClientPage({ tenant, base, id }: { tenant: string; base: string; id: string }) {
  const path = tp(tenant, `/oauth-clients/${encodeURIComponent(id)}`);
  return <Loaded<OAuthClientView> path={path}>{(data) => <OAuthClientEditor key={data.id} client={data} path={path} base={base} />}</Loaded>;
}

function OAuthClientEditor({ client: initial, path, base }: { client: OAuthClientView; path: string; base: string }) {
  const holder = useSecretHolder<OAuthClientView, OAuthClientWithSecret>(initial, path);
  const { value: client, rotated, save } = holder;
  const [form, setForm] = useState<ClientForm>(formOf(initial));
  const actions = holder.actions({
    rotate: { title: `Rotate the secret of ${client.name}?`, body: 'The current secret stops working at once.', confirmLabel: 'Rotate secret', danger: true },
    remove: { title: `Delete the OAuth client ${client.name}?`, body: 'Applications using it can no longer sign in.', confirmLabel: 'Delete client', danger: true, typeToConfirm: client.name },
    removed: `OAuth client ${client.name} deleted.`,
    leaveTo: base,
  });
  return (
    <div>
      <PageHeader title={client.name} />
      <dl className="panel facts">
        <dt>Client ID</dt>
        <dd><code data-testid="client-id">{client.clientId}</code></dd>
        <dt>Type</dt>
        <dd>{client.type}</dd>
        <dt>Owner</dt>
        <dd>{client.ownerType === 'SERVICE_ACCOUNT' ? 'Service account' : 'User'} <code>{client.ownerId}</code></dd>
        <dt>Secret</dt>
        <dd>{client.secretCreatedAt ? `issued ${formatDate(client.secretCreatedAt)}` : 'none (public client)'}</dd>
      </dl>
      {rotated && <ClientSecretOnce client={rotated} onDone={holder.clearRotated} />}
      <form className="panel" onSubmit={holder.onSave(() => bodyOf(form))} noValidate aria-label="OAuth client">
        <ClientFields form={form} setForm={setForm} error={save.error} />
        <ProblemBox error={save.error} fields={FIELDS} />
        <SecretHolderActions {...actions} onRotate={client.type === 'confidential' ? actions.onRotate : undefined} />
      </form>
    </div>
  );
}
