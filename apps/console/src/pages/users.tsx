import type { GroupView, Page, TenantAccessEntry, UserView } from '@gatehouse/contracts';
import { useEffect, useState } from 'react';
import { api, url } from '../api/client';
import { Link, navigate } from '../router';
import { useAuth } from '../session';
import { Field, formatDate, Loading, PagedTable, PageHeader, PasswordField, ProblemBox, SaveFooter, Tabs, Toggle, useAsync, useSubmit } from '../ui/kit';
import { ApiTokens } from './api-tokens';
import { SubjectBindings } from './access';

const fullName = (u: { firstName: string | null; lastName: string | null }) => [u.firstName, u.lastName].filter(Boolean).join(' ') || '—';
const tp = (tenant: string, path: string) => url(`/${encodeURIComponent(tenant)}${path}`);

/** Users of a tenant (tenant-access) or, at instance level, every user. */
export function UsersList({ tenant, base }: { tenant: string | null; base: string }) {
  const [adding, setAdding] = useState(false);
  const [version, setVersion] = useState(0);
  return (
    <div>
      <PageHeader title="Users">
        {tenant && (
          <button type="button" className="secondary" onClick={() => setAdding(!adding)}>
            Add existing user
          </button>
        )}
        <Link to={`${base}/new`} className="button">
          Create
        </Link>
      </PageHeader>
      {tenant && adding && <AddExistingUser tenant={tenant} onDone={() => { setAdding(false); setVersion((v) => v + 1); }} />}
      {tenant ? (
        <PagedTable<TenantAccessEntry>
          source={({ page, size, q }) => tp(tenant, `/tenant-access?${new URLSearchParams({ page: String(page), size: String(size), ...(q ? { q } : {}) })}`)}
          reloadKey={version}
          rowKey={(e) => e.subjectId}
          empty="Nobody has access to this tenant yet."
          searchLabel="Search users"
          columns={[
            { label: 'Username', render: (e) => <Link to={`${base}/${e.subjectId}`}>{e.user?.username ?? e.subjectId}</Link> },
            { label: 'Name', render: (e) => (e.user ? fullName(e.user) : '—') },
            { label: 'Email', render: (e) => e.user?.email ?? '—' },
            { label: 'Groups', render: (e) => e.groups.map((g) => g.name).join(', ') || '—' },
            { label: 'Bindings', render: (e) => e.bindings },
          ]}
        />
      ) : (
        <PagedTable<UserView>
          source={({ page, size, q }) => url('/users', { page, size, q })}
          rowKey={(u) => u.id}
          empty="No users yet."
          searchLabel="Search users"
          columns={[
            { label: 'Username', render: (u) => <Link to={`${base}/${u.id}`}>{u.username}</Link> },
            { label: 'Name', render: fullName },
            { label: 'Email', render: (u) => u.email ?? '—' },
            { label: 'Super Admin', render: (u) => (u.superAdmin ? 'Yes' : '') },
            { label: 'Status', render: (u) => <span className={`badge ${u.status.toLowerCase()}`}>{u.status}</span> },
            { label: 'Created', render: (u) => formatDate(u.createdAt) },
          ]}
        />
      )}
    </div>
  );
}

/** A tenant Admin cannot list the instance's users: an existing user is found by exact email. */
function AddExistingUser({ tenant, onDone }: { tenant: string; onDone: () => void }) {
  const [email, setEmail] = useState('');
  const { pending, error, submit } = useSubmit();
  const onSubmit = submit(async () => {
    await api.post(tp(tenant, '/tenant-access'), { email });
    onDone();
  });
  return (
    <form className="panel inline" onSubmit={onSubmit} noValidate aria-label="Add existing user">
      <Field label="Exact email of an existing user" name="email" type="email" value={email} onChange={setEmail} error={error} />
      <ProblemBox error={error} fields={['email']} />
      <button type="submit" disabled={pending}>
        Add
      </button>
    </form>
  );
}

export function CreateUserPage({ tenant, base }: { tenant: string | null; base: string }) {
  const { me } = useAuth();
  const [form, setForm] = useState({ username: '', firstName: '', lastName: '', email: '', password: '', superAdmin: false });
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const groups = useAsync(
    () => (tenant ? api.get<Page<GroupView>>(tp(tenant, '/groups?size=100')) : Promise.resolve(null)),
    [tenant],
  );
  const { pending, error, submit } = useSubmit();
  const set = (k: 'username' | 'firstName' | 'lastName' | 'email' | 'password') => (v: string) => setForm({ ...form, [k]: v });
  const onSubmit = submit(async () => {
    const body: Record<string, unknown> = { username: form.username, password: form.password };
    for (const k of ['firstName', 'lastName', 'email'] as const) if (form[k]) body[k] = form[k];
    if (form.superAdmin) body.superAdmin = true;
    const user = await api.post<UserView>(url('/users'), body);
    if (tenant) {
      for (const id of groupIds) await api.post(tp(tenant, `/groups/${id}/members`), { memberType: 'USER', memberId: user.id });
    }
    navigate(`${base}/${user.id}`);
  });
  return (
    <div>
      <PageHeader title="Create user" />
      <form className="panel" onSubmit={onSubmit} noValidate aria-label="Create user">
        <Field label="Username" name="username" value={form.username} onChange={set('username')} error={error} autoFocus />
        <div className="row">
          <Field label="First name" name="firstName" value={form.firstName} onChange={set('firstName')} error={error} />
          <Field label="Last name" name="lastName" value={form.lastName} onChange={set('lastName')} error={error} />
        </div>
        <Field label="Email" name="email" type="email" value={form.email} onChange={set('email')} error={error} hint="Optional when the username is an email address" />
        <PasswordField label="Initial password" name="password" value={form.password} onChange={set('password')} error={error} />
        {tenant && groups.data && groups.data.results.length > 0 && (
          <fieldset className="field">
            <legend>Groups</legend>
            {groups.data.results.map((g) => (
              <Toggle key={g.id} label={g.name} name={`group-${g.id}`} checked={groupIds.includes(g.id)} onChange={(on) => setGroupIds(on ? [...groupIds, g.id] : groupIds.filter((x) => x !== g.id))} />
            ))}
          </fieldset>
        )}
        {me?.superAdmin && <Toggle label="Super Admin" name="superAdmin" checked={form.superAdmin} onChange={(superAdmin) => setForm({ ...form, superAdmin })} />}
        <ProblemBox error={error} fields={['username', 'firstName', 'lastName', 'email', 'password']} />
        <div className="row">
          <button type="submit" disabled={pending}>
            {pending ? 'Creating…' : 'Save'}
          </button>
          <Link to={base} className="button secondary">
            Cancel
          </Link>
        </div>
      </form>
    </div>
  );
}

function UserOverview({ user, onSaved }: { user: UserView; onSaved: (u: UserView) => void }) {
  const { me } = useAuth();
  const [form, setForm] = useState({ firstName: user.firstName ?? '', lastName: user.lastName ?? '', email: user.email ?? '', superAdmin: user.superAdmin });
  const [saved, setSaved] = useState(false);
  const { pending, error, submit } = useSubmit();
  const status = useSubmit();
  useEffect(() => setForm({ firstName: user.firstName ?? '', lastName: user.lastName ?? '', email: user.email ?? '', superAdmin: user.superAdmin }), [user]);
  const onSubmit = submit(async () => {
    const body: Record<string, unknown> = { firstName: form.firstName || null, lastName: form.lastName || null };
    if (me?.superAdmin) {
      if (form.email && form.email !== user.email) body.email = form.email;
      if (form.superAdmin !== user.superAdmin) body.superAdmin = form.superAdmin;
    }
    onSaved(await api.patch<UserView>(url(`/users/${user.id}`), body));
    setSaved(true);
  });
  const toggleStatus = status.submit(async () => {
    onSaved(await api.post<UserView>(url(`/users/${user.id}/${user.status === 'ACTIVE' ? 'disable' : 'enable'}`)));
  });
  const remove = status.submit(async () => {
    if (!window.confirm(`Delete ${user.username}? Their audit trail stays.`)) return;
    await api.del(url(`/users/${user.id}`));
    window.history.back();
  });
  return (
    <>
      <form className="panel" onSubmit={onSubmit} noValidate aria-label="User">
        <dl className="facts">
          <dt>Username</dt>
          <dd data-testid="user-username">{user.username}</dd>
          <dt>Status</dt>
          <dd>{user.status}</dd>
          <dt>Created</dt>
          <dd>{formatDate(user.createdAt)}</dd>
        </dl>
        <div className="row">
          <Field label="First name" name="firstName" value={form.firstName} onChange={(firstName) => setForm({ ...form, firstName })} error={error} />
          <Field label="Last name" name="lastName" value={form.lastName} onChange={(lastName) => setForm({ ...form, lastName })} error={error} />
        </div>
        <Field label="Email" name="email" type="email" value={form.email} onChange={(email) => setForm({ ...form, email })} error={error} disabled={!me?.superAdmin} hint={me?.superAdmin ? undefined : 'Only a Super Admin can change an email address'} />
        {me?.superAdmin && <Toggle label="Super Admin" name="superAdmin" checked={form.superAdmin} onChange={(superAdmin) => setForm({ ...form, superAdmin })} />}
        <SaveFooter error={error} fields={['firstName', 'lastName', 'email']} saved={saved} pending={pending} />
      </form>
      <div className="panel">
        <ProblemBox error={status.error} />
        <div className="row">
          <button type="button" className="secondary" onClick={() => void toggleStatus()} disabled={status.pending || user.id === me?.id}>
            {user.status === 'ACTIVE' ? 'Disable' : 'Enable'}
          </button>
          <button type="button" className="danger" onClick={() => void remove()} disabled={status.pending || user.id === me?.id}>
            Delete
          </button>
        </div>
      </div>
    </>
  );
}

/** A Super Admin may set a password; any admin may require a reset (an email with a single-use link). */
function Authentication({ user }: { user: UserView }) {
  const { me } = useAuth();
  const [password, setPassword] = useState('');
  const [message, setMessage] = useState('');
  const setter = useSubmit();
  const reset = useSubmit();
  const onSet = setter.submit(async () => {
    await api.put(url(`/users/${user.id}/password`), { password });
    setPassword('');
    setMessage('The password has been set.');
  });
  const onReset = reset.submit(async () => {
    await api.post(url(`/users/${user.id}/password-reset`));
    setMessage(`A reset request has been sent to ${user.email ?? user.username}. They must choose a new password before signing in again.`);
  });
  return (
    <div>
      <p>Authentication method: <strong>Password</strong></p>
      {message && <p role="status">{message}</p>}
      {me?.superAdmin && (
        <form className="panel" onSubmit={onSet} noValidate aria-label="Set password">
          <h2>Set password</h2>
          <PasswordField label="New password" name="password" value={password} onChange={setPassword} error={setter.error} />
          <ProblemBox error={setter.error} fields={['password']} />
          <button type="submit" disabled={setter.pending || !password}>
            Set password
          </button>
        </form>
      )}
      <div className="panel">
        <h2>Require a password reset</h2>
        <p className="muted">The user gets an email with a link and cannot sign in until they choose a new password.</p>
        <ProblemBox error={reset.error} />
        <button type="button" onClick={() => void onReset()} disabled={reset.pending}>
          Send reset request
        </button>
      </div>
    </div>
  );
}

export function UserDetailPage({ tenant, base, id, tab }: { tenant: string | null; base: string; id: string; tab: string }) {
  const { me } = useAuth();
  const { data, error } = useAsync(() => api.get<UserView>(url(`/users/${encodeURIComponent(id)}`)), [id]);
  const [user, setUser] = useState<UserView | null>(null);
  useEffect(() => setUser(data ?? null), [data]);
  if (error) return <ProblemBox error={error} />;
  if (!user) return <Loading />;
  const self = `${base}/${id}`;
  const tabs = [
    { id: 'overview', label: 'Overview', to: self },
    ...(tenant ? [{ id: 'access', label: 'Access', to: `${self}/access` }] : []),
    { id: 'authentication', label: 'Authentication', to: `${self}/authentication` },
    { id: 'api-tokens', label: 'API Tokens', to: `${self}/api-tokens` },
  ];
  return (
    <div>
      <PageHeader title={user.username} />
      <Tabs active={tab} tabs={tabs} />
      {tab === 'overview' && <UserOverview user={user} onSaved={setUser} />}
      {tab === 'access' && tenant && <SubjectBindings tenant={tenant} subjectType="USER" subjectId={user.id} />}
      {tab === 'authentication' && <Authentication user={user} />}
      {tab === 'api-tokens' &&
        (user.id === me?.id ? (
          <ApiTokens base={url('/me/api-tokens')} />
        ) : (
          <p className="muted">API tokens are personal: {user.username} creates them from their profile. Service accounts are the way to give an application its own tokens.</p>
        ))}
    </div>
  );
}
