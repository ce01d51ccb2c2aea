import type {
  ConnectionTestResult, GroupMapping, GroupView, IdentityLinkWithUser, IdentityProviderView, LdapSettings, Page,
} from '@gatehouse/contracts';
import { useState } from 'react';
import { api, url } from '../api/client';
import { Link, match, navigate } from '../router';
import { Field, formatDate, Loading, PageHeader, PagedTable, PasswordField, ProblemBox, TextArea, Toggle, useAsync, useSubmit } from '../ui/kit';
import { ListPage } from '../ui/resources';
import { useCapabilities } from '../session';

/** Where a scope's identity providers live: the API base and the console base. `tenant` null: the instance-wide ones. */
export function providerPaths(tenant: string | null): { api: string; base: string; tenant: string | null } {
  return tenant === null
    ? { api: url('/identity-providers'), base: '/admin/identity-providers', tenant }
    : { api: url(`/${encodeURIComponent(tenant)}/identity-providers`), base: `/t/${encodeURIComponent(tenant)}/identity-providers`, tenant };
}

type Paths = ReturnType<typeof providerPaths>;

const LDAP_FIELDS = ['url', 'bindDn', 'bindPassword', 'userBase', 'userFilter', 'activeFilter', 'groupBase', 'groupFilter'] as const;
const OIDC_FIELDS = ['issuer', 'clientId', 'clientSecret', 'scopes'] as const;
type SamlField = 'metadataUrl' | 'metadataXml' | 'username' | 'email' | 'firstName' | 'lastName' | 'groups' | 'mfaContexts';
const SAML_ATTRIBUTES = ['username', 'email', 'firstName', 'lastName', 'groups'] as const;
const FIELDS = [
  'name', 'domains', 'sessionLifetimeSeconds', 'groupMappings', 'ldap', 'oidc', 'saml', ...LDAP_FIELDS.map((f) => `ldap.${f}`), ...OIDC_FIELDS.map((f) => `oidc.${f}`),
  'saml.metadataUrl', 'saml.metadataXml', 'saml.mfaContexts', ...SAML_ATTRIBUTES.map((f) => `saml.attributes.${f}`),
];
type ProviderType = 'ldap' | 'oidc' | 'saml';

/** `/t/{tenant}/identity-providers[/new | /{id}]`, and the same under `/admin/identity-providers` (docs/federation.md). */
export function IdentityProvidersSection({ tenant, rest }: { tenant: string | null; rest: string }) {
  const paths = providerPaths(tenant);
  const path = `/${rest}`;
  if (path === '/new') return <ProviderForm paths={paths} />;
  const detail = match('/:id', path);
  if (detail) return <ProviderPage paths={paths} id={detail.id} />;
  return <ProvidersList paths={paths} />;
}

function ProvidersList({ paths }: { paths: Paths }) {
  const caps = useCapabilities(paths.tenant);
  return (
    <ListPage<IdentityProviderView>
      title={paths.tenant === null ? 'Instance identity providers' : 'Identity providers'}
      base={paths.base}
      canCreate={caps?.can(paths.tenant === null ? 'TENANT' : 'USER', 'CREATE') ?? false}
      source={({ page, size, q }) => `${paths.api}?${new URLSearchParams({ page: String(page), size: String(size), ...(q ? { q } : {}) })}`}
      rowKey={(p) => p.id}
      empty="No identity provider yet. With one, people sign in with their company directory (LDAP / Active Directory)."
      searchLabel="Search identity providers"
      columns={[
        { label: 'Name', render: (p) => <Link to={`${paths.base}/${p.id}`}>{p.name}</Link> },
        { label: 'Type', render: (p) => p.type.toUpperCase() },
        { label: 'Status', render: (p) => (p.enabled ? 'Enabled' : 'Disabled') },
        { label: 'Domains', render: (p) => p.domains.join(', ') },
      ]}
    />
  );
}

function ProviderPage({ paths, id }: { paths: Paths; id: string }) {
  const path = `${paths.api}/${encodeURIComponent(id)}`;
  const { data, error } = useAsync(() => api.get<IdentityProviderView>(path), [path]);
  if (error) return <ProblemBox error={error} />;
  if (!data) return <Loading />;
  return (
    <>
      <ProviderForm key={data.updatedAt} paths={paths} current={data} />
      <ConnectionTest path={path} />
      <Links path={path} />
    </>
  );
}

/** A mapping row as edited: the provider's group and the Gatehouse group (with its tenant for an instance-wide provider). */
interface MappingRow {
  providerGroup: string;
  groupId: string;
  tenantId: string;
}

function ProviderForm({ paths, current }: { paths: Paths; current?: IdentityProviderView }) {
  const ldap = current?.ldap;
  const [type, setType] = useState<ProviderType>(current?.type ?? 'ldap');
  const samlView = current?.saml;
  const [saml, setSaml] = useState<Record<SamlField, string>>({
    metadataUrl: samlView?.metadataUrl ?? '', metadataXml: samlView?.metadataXml ?? '',
    username: samlView?.attributes.username ?? '', email: samlView?.attributes.email ?? 'email', firstName: samlView?.attributes.firstName ?? 'firstName',
    lastName: samlView?.attributes.lastName ?? 'lastName', groups: samlView?.attributes.groups ?? 'groups', mfaContexts: (samlView?.mfaContexts ?? []).join('\n'),
  });
  const setS = (field: SamlField) => (value: string) => setSaml((o) => ({ ...o, [field]: value }));
  const [oidc, setOidc] = useState<Record<(typeof OIDC_FIELDS)[number], string>>({
    issuer: current?.oidc?.issuer ?? '', clientId: current?.oidc?.clientId ?? '', clientSecret: '', scopes: (current?.oidc?.scopes ?? ['openid', 'profile', 'email']).join(' '),
  });
  const setO = (field: (typeof OIDC_FIELDS)[number]) => (value: string) => setOidc((o) => ({ ...o, [field]: value }));
  const [name, setName] = useState(current?.name ?? '');
  const [enabled, setEnabled] = useState(current?.enabled ?? true);
  const [jit, setJit] = useState(current?.jitProvisioning ?? false);
  const [sessionLifetime, setSessionLifetime] = useState(current ? String(current.sessionLifetimeSeconds) : '');
  const [domains, setDomains] = useState(current?.domains.join(', ') ?? '');
  const [settings, setSettings] = useState<Record<(typeof LDAP_FIELDS)[number], string>>({
    url: ldap?.url ?? '', bindDn: ldap?.bindDn ?? '', bindPassword: '', userBase: ldap?.userBase ?? '', userFilter: ldap?.userFilter ?? '',
    activeFilter: ldap?.activeFilter ?? '', groupBase: ldap?.groupBase ?? '', groupFilter: ldap?.groupFilter ?? '',
  });
  const [startTls, setStartTls] = useState(ldap?.startTls ?? false);
  const [emailVerified, setEmailVerified] = useState(ldap?.emailVerified ?? samlView?.emailVerified ?? false);
  const [mappings, setMappings] = useState<MappingRow[]>(
    (current?.groupMappings ?? []).map((m) => ({ providerGroup: m.providerGroup, groupId: m.groupId, tenantId: m.tenantId ?? '' })),
  );
  const groups = useAsync(
    () => (paths.tenant === null ? Promise.resolve(null) : api.get<Page<GroupView>>(url(`/${encodeURIComponent(paths.tenant)}/groups?size=500`))),
    [paths.tenant],
  );
  const { pending, error, submit } = useSubmit();
  const [saved, setSaved] = useState(false);
  const set = (field: (typeof LDAP_FIELDS)[number]) => (value: string) => setSettings((s) => ({ ...s, [field]: value }));

  const onSubmit = submit(async () => {
    const ldapBody: Partial<LdapSettings> = {
      url: settings.url, startTls, bindDn: settings.bindDn, userBase: settings.userBase, emailVerified,
      ...(settings.userFilter ? { userFilter: settings.userFilter } : {}),
      activeFilter: settings.activeFilter || null,
      groupBase: settings.groupBase || null,
      ...(settings.groupFilter ? { groupFilter: settings.groupFilter } : {}),
      ...(settings.bindPassword ? { bindPassword: settings.bindPassword } : {}),
    };
    const groupMappings: GroupMapping[] = mappings
      .filter((m) => m.providerGroup.trim() || m.groupId)
      .map((m) => ({ providerGroup: m.providerGroup.trim(), groupId: m.groupId, ...(paths.tenant === null ? { tenantId: m.tenantId || null } : {}) }));
    const oidcBody = {
      issuer: oidc.issuer, clientId: oidc.clientId, scopes: oidc.scopes.split(/\s+/).filter(Boolean), ...(oidc.clientSecret ? { clientSecret: oidc.clientSecret } : {}),
    };
    const samlBody = {
      ...(saml.metadataXml.trim() ? { metadataXml: saml.metadataXml, metadataUrl: null } : { metadataUrl: saml.metadataUrl, metadataXml: null }),
      attributes: {
        username: saml.username.trim() || null, email: saml.email.trim(), firstName: saml.firstName.trim(), lastName: saml.lastName.trim(), groups: saml.groups.trim(),
      },
      emailVerified,
      ...(saml.mfaContexts.trim() ? { mfaContexts: saml.mfaContexts.split(/\s+/).filter(Boolean) } : {}),
    };
    const settingsBody = type === 'ldap' ? { ldap: ldapBody } : type === 'saml' ? { saml: samlBody } : { oidc: oidcBody };
    // An empty field keeps the provider's lifetime (the default, 10 hours, when creating); anything else is the server's to judge.
    const lifetime = type !== 'ldap' && sessionLifetime.trim() ? { sessionLifetimeSeconds: Number(sessionLifetime.trim()) } : {};
    const body = {
      name, enabled, jitProvisioning: jit, groupMappings, ...settingsBody, ...lifetime,
      domains: domains.split(',').map((d) => d.trim()).filter(Boolean),
    };
    if (current) {
      await api.patch<IdentityProviderView>(`${paths.api}/${current.id}`, body);
      setSaved(true);
      setSettings((s) => ({ ...s, bindPassword: '' }));
    } else {
      const created = await api.post<IdentityProviderView>(paths.api, { type, ...body });
      navigate(`${paths.base}/${created.id}`);
    }
  });

  const onDelete = async () => {
    if (!current || !window.confirm(`Delete the identity provider ${current.name}? Its users can no longer sign in through it.`)) return;
    await api.del(`${paths.api}/${current.id}`);
    navigate(paths.base);
  };

  return (
    <div>
      <PageHeader title={current ? current.name : 'Create identity provider'} />
      <form className="panel" onSubmit={onSubmit} noValidate aria-label="Identity provider">
        <p className="muted">
          LDAP / Active Directory: people sign in with their directory name (or address) and password on the usual sign-in form.
          OpenID Connect and SAML 2.0: the sign-in page offers “Continue with …” this provider.
          Saving makes you the provider's owner: its group mappings and address links are judged against your permissions.
        </p>
        <Field label="Name" name="name" value={name} onChange={setName} error={error} />
        <Toggle label="Enabled" name="enabled" checked={enabled} onChange={setEnabled} />
        <Toggle label="Create users at their first sign-in (just in time)" name="jitProvisioning" checked={jit} onChange={setJit} />
        <Field label="Email domains (comma-separated)" name="domains" value={domains} onChange={setDomains} error={error} hint="Sign-in names at these domains are asked of this directory." />
        {!current && (
          <div className="field">
            <label htmlFor="f-type">Type</label>
            <select id="f-type" value={type} onChange={(e) => setType(e.target.value as ProviderType)}>
              <option value="ldap">LDAP / Active Directory</option>
              <option value="oidc">OpenID Connect</option>
              <option value="saml">SAML 2.0</option>
            </select>
          </div>
        )}
        {type !== 'ldap' && (
          <Field
            label="Session lifetime (seconds)" name="sessionLifetimeSeconds" value={sessionLifetime} onChange={setSessionLifetime} error={error}
            inputMode="numeric" placeholder="36000"
            hint="How long a sign-in through this provider lasts before the person must sign in there again (which refuses whoever it disabled). Empty: 10 hours."
          />
        )}
        {type === 'saml' ? (
          <>
            <h2>SAML 2.0 identity provider</h2>
            {samlView && (
              <dl data-testid="saml-service-provider">
                <dt>Register at the IdP: entity id (audience)</dt><dd><code>{samlView.spEntityId}</code></dd>
                <dt>Assertion consumer service (HTTP-POST)</dt><dd><code>{samlView.acsUrl}</code></dd>
                <dt>Gatehouse's metadata</dt><dd><a href={samlView.spMetadataUrl}>{samlView.spMetadataUrl}</a></dd>
                <dt>IdP entity id and SSO URL (from its metadata)</dt><dd><code>{samlView.idp.entityId}</code> <code>{samlView.idp.ssoUrl}</code></dd>
                <dt>IdP signing certificates</dt>
                <dd>{samlView.idp.certificates.map((c) => <div key={c.fingerprint}>{c.subject}, valid {formatDate(c.notBefore)} to {formatDate(c.notAfter)}</div>)}</dd>
              </dl>
            )}
            <Field label="Metadata URL" name="saml.metadataUrl" value={saml.metadataUrl} onChange={setS('metadataUrl')} error={error} hint="https://idp.example.com/metadata (read at each save), or paste the metadata below" />
            <TextArea label="Metadata XML (when the IdP has no URL)" name="saml.metadataXml" value={saml.metadataXml} onChange={setS('metadataXml')} error={error} />
            <Field label="Username attribute (empty: the NameID)" name="saml.attributes.username" value={saml.username} onChange={setS('username')} error={error} />
            <Field label="Email attribute" name="saml.attributes.email" value={saml.email} onChange={setS('email')} error={error} />
            <Field label="First name attribute" name="saml.attributes.firstName" value={saml.firstName} onChange={setS('firstName')} error={error} />
            <Field label="Last name attribute" name="saml.attributes.lastName" value={saml.lastName} onChange={setS('lastName')} error={error} />
            <Field label="Groups attribute" name="saml.attributes.groups" value={saml.groups} onChange={setS('groups')} error={error} />
            <TextArea label="AuthnContextClassRef values that mean a second factor (one a line; empty: the defaults)" name="saml.mfaContexts" value={saml.mfaContexts} onChange={setS('mfaContexts')} error={error} />
            <Toggle label="The IdP verifies the email addresses it asserts (they may link existing accounts)" name="emailVerified" checked={emailVerified} onChange={setEmailVerified} />
          </>
        ) : type === 'oidc' ? (
          <>
            <h2>OpenID Connect provider</h2>
            {current?.oidc && <p>Redirect URI to register at the provider: <code data-testid="redirect-uri">{current.oidc.redirectUri}</code></p>}
            <Field label="Issuer" name="oidc.issuer" value={oidc.issuer} onChange={setO('issuer')} error={error} hint="https://idp.example.com (its discovery document is read)" />
            <Field label="Client id" name="oidc.clientId" value={oidc.clientId} onChange={setO('clientId')} error={error} />
            <PasswordField
              label={current?.oidc?.clientSecretSet ? 'Client secret (stored encrypted; leave empty to keep it)' : 'Client secret (stored encrypted)'}
              name="oidc.clientSecret" value={oidc.clientSecret} onChange={setO('clientSecret')} error={error}
            />
            <Field label="Scopes" name="oidc.scopes" value={oidc.scopes} onChange={setO('scopes')} error={error} hint="Space-separated; add the provider's groups scope for group mappings." />
          </>
        ) : (
        <>
        <h2>Directory</h2>
        <Field label="URL" name="ldap.url" value={settings.url} onChange={set('url')} error={error} hint="ldaps://directory.example.com, or ldap:// with StartTLS" />
        <Toggle label="StartTLS" name="startTls" checked={startTls} onChange={setStartTls} />
        <Field label="Bind DN" name="ldap.bindDn" value={settings.bindDn} onChange={set('bindDn')} error={error} />
        <PasswordField
          label={ldap?.bindPasswordSet ? 'Bind password (stored encrypted; leave empty to keep it)' : 'Bind password (stored encrypted)'}
          name="ldap.bindPassword" value={settings.bindPassword} onChange={set('bindPassword')} error={error}
        />
        <Field label="User search base" name="ldap.userBase" value={settings.userBase} onChange={set('userBase')} error={error} />
        <Field label="User filter" name="ldap.userFilter" value={settings.userFilter} onChange={set('userFilter')} error={error} hint="{login} is the sign-in name. Default (|(uid={login})(mail={login}))" />
        <Field label="Active filter" name="ldap.activeFilter" value={settings.activeFilter} onChange={set('activeFilter')} error={error} hint="An entry must also match this to sign in (empty: every entry)." />
        <Field label="Group search base" name="ldap.groupBase" value={settings.groupBase} onChange={set('groupBase')} error={error} />
        <Field label="Group filter" name="ldap.groupFilter" value={settings.groupFilter} onChange={set('groupFilter')} error={error} hint="{dn} is the user's DN. Default (|(member={dn})(uniqueMember={dn}))" />
        <Toggle label="The directory's email addresses are verified (they may link existing accounts)" name="emailVerified" checked={emailVerified} onChange={setEmailVerified} />
        </>
        )}
        <h2>Group mappings</h2>
        <p className="muted">Members of a directory group (its name or DN) become members of the Gatehouse group, checked at each sign-in.</p>
        {mappings.map((m, i) => (
          <div className="row" key={i} role="group" aria-label={`Mapping ${i + 1}`}>
            <Field label="Directory group" name={`groupMappings[${i}].providerGroup`} value={m.providerGroup} error={error}
              onChange={(v) => setMappings((all) => all.map((x, j) => (j === i ? { ...x, providerGroup: v } : x)))} />
            {paths.tenant === null ? (
              <>
                <Field label="Tenant (empty: default)" name={`groupMappings[${i}].tenantId`} value={m.tenantId} error={error}
                  onChange={(v) => setMappings((all) => all.map((x, j) => (j === i ? { ...x, tenantId: v } : x)))} />
                <Field label="Group id" name={`groupMappings[${i}].groupId`} value={m.groupId} error={error}
                  onChange={(v) => setMappings((all) => all.map((x, j) => (j === i ? { ...x, groupId: v } : x)))} />
              </>
            ) : (
              <div className="field">
                <label htmlFor={`f-mapping-${i}`}>Gatehouse group</label>
                <select id={`f-mapping-${i}`} value={m.groupId} onChange={(e) => setMappings((all) => all.map((x, j) => (j === i ? { ...x, groupId: e.target.value } : x)))}>
                  <option value="">Choose a group</option>
                  {(groups.data?.results ?? []).map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
                </select>
              </div>
            )}
            <button type="button" onClick={() => setMappings((all) => all.filter((_, j) => j !== i))}>Remove</button>
          </div>
        ))}
        <button type="button" onClick={() => setMappings((all) => [...all, { providerGroup: '', groupId: '', tenantId: '' }])}>Add a mapping</button>
        <ProblemBox error={error} fields={FIELDS} />
        {saved && !error && <p role="status">Saved.</p>}
        <div className="row">
          <button type="submit" disabled={pending}>{pending ? 'Saving…' : current ? 'Save' : 'Create'}</button>
          {current && <button type="button" className="danger" onClick={() => void onDelete()}>Delete</button>}
        </div>
      </form>
    </div>
  );
}

/** "Test connection": every step the directory answered, and the one that failed. */
function ConnectionTest({ path }: { path: string }) {
  const [login, setLogin] = useState('');
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  const { pending, error, submit } = useSubmit();
  const onTest = submit(async () => setResult(await api.post<ConnectionTestResult>(`${path}/test`, login ? { login } : {})));
  return (
    <form className="panel" onSubmit={onTest} noValidate aria-label="Test connection">
      <h2>Test connection</h2>
      <Field label="Also look up this sign-in name (optional)" name="login" value={login} onChange={setLogin} error={error} />
      <ProblemBox error={error} fields={['login']} />
      <button type="submit" disabled={pending}>{pending ? 'Testing…' : 'Test connection'}</button>
      {result && (
        <div role="status" data-testid="connection-test">
          <p>{result.ok ? 'The directory answered every step.' : `Failed at ${result.step}: ${result.detail}`}</p>
          <ul>
            {result.steps.map((s, i) => <li key={i}>{s.ok ? '✓' : '✗'} {s.step}: {s.detail}</li>)}
          </ul>
        </div>
      )}
    </form>
  );
}

/** The users linked to the provider's accounts, and an admin's explicit link. */
function Links({ path }: { path: string }) {
  const [reload, setReload] = useState(0);
  const [userId, setUserId] = useState('');
  const [login, setLogin] = useState('');
  const { pending, error, submit } = useSubmit();
  const onLink = submit(async () => {
    await api.post(`${path}/links`, { userId, login });
    setUserId('');
    setLogin('');
    setReload((n) => n + 1);
  });
  return (
    <div className="panel">
      <h2>Linked users</h2>
      <PagedTable<IdentityLinkWithUser>
        source={({ page, size }) => `${path}/links?${new URLSearchParams({ page: String(page), size: String(size) })}`}
        reloadKey={reload}
        rowKey={(l) => l.userId}
        empty="Nobody has signed in through this provider yet."
        columns={[
          { label: 'User', render: (l) => l.username },
          { label: 'Directory account', render: (l) => <code>{l.externalId}</code> },
          { label: 'Linked by', render: (l) => l.linkedBy },
          { label: 'Last sign-in', render: (l) => (l.lastSignInAt ? formatDate(l.lastSignInAt) : 'Never') },
        ]}
      />
      <form onSubmit={onLink} noValidate aria-label="Link a user">
        <h3>Link a user</h3>
        <Field label="User id" name="userId" value={userId} onChange={setUserId} error={error} />
        <Field label="Directory sign-in name" name="login" value={login} onChange={setLogin} error={error} />
        <ProblemBox error={error} fields={['userId', 'login']} />
        <button type="submit" disabled={pending || !userId || !login}>Link</button>
      </form>
    </div>
  );
}
