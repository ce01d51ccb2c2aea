import type {
  BindingView, GroupView, ImpersonationToken, InvitationView, MfaResetResult, Page, RoleView, TenantAccessEntry, UserAuthenticationView, UserView,
} from '@gatehouse/contracts';
import { useEffect, useState } from 'react';
import { api, ApiError, impersonation, url } from '../api/client';
import { Link, navigate } from '../router';
import { useAuth, useCapabilities, useImpersonation } from '../session';
import { Empty, Field, formatDate, Loading, PagedTable, PageHeader, PasswordField, ProblemBox, SaveFooter, Tabs, Toggle, useAsync, useSubmit } from '../ui/kit';
import { ApiTokens } from './api-tokens';
import { EmailBadge } from './profile';
import { Sessions } from './sessions';
import { EffectivePermissions, SubjectBindings } from './access';
import { assertValid, RULES } from '../ui/checks';
import { confirmAction, notify } from '../ui/feedback';

const fullName = (u: { firstName: string | null; lastName: string | null }) => [u.firstName, u.lastName].filter(Boolean).join(' ') || '—';
const tp = (tenant: string, path: string) => url(`/${encodeURIComponent(tenant)}${path}`);

/** Users of a tenant (tenant-access) or, at instance level, every user. */
export function UsersList({ tenant, base }: { tenant: string | null; base: string }) {
  const [adding, setAdding] = useState(false);
  const [version, setVersion] = useState(0);
  const caps = useCapabilities(tenant);
  const instance = useCapabilities(null);
  // Create leads to creating an account (an instance's USER:CREATE) or, in a tenant, to an invitation.
  const canCreate = tenant ? !!instance?.can('USER', 'CREATE') || !!caps?.can('INVITATION', 'CREATE') : !!instance?.can('USER', 'CREATE');
  const canAdd = !!tenant && !!caps?.can('TENANT_ACCESS', 'CREATE');
  return (
    <div>
      <PageHeader title="Users">
        {canAdd && (
          <button type="button" className="secondary" onClick={() => setAdding(!adding)} aria-expanded={adding}>
            Add existing user
          </button>
        )}
        {canCreate && (
          <Link to={`${base}/new`} className="button">
            Create
          </Link>
        )}
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
            {
              label: 'Access',
              render: (e) =>
                [e.bindings ? `${e.bindings} direct binding${e.bindings === 1 ? '' : 's'}` : '', e.groups.length ? `through ${e.groups.length} group${e.groups.length === 1 ? '' : 's'}` : '']
                  .filter(Boolean).join(', ') || 'none',
            },
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
    assertValid(RULES.invitation, { email });
    await api.post(tp(tenant, '/tenant-access'), { email });
    notify(`${email} now has access to this tenant.`);
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

/** A user created in a tenant must get access there: a role, groups, or (for whoever cannot create users) an invitation. */
function TenantAccessChoice({ tenant, roleId, setRoleId, groupIds, setGroupIds }: {
  tenant: string; roleId: string; setRoleId: (id: string) => void; groupIds: string[]; setGroupIds: (ids: string[]) => void;
}) {
  const roles = useAsync(() => api.get<Page<RoleView>>(tp(tenant, '/roles?size=200&sort=name')), [tenant]);
  const groups = useAsync(() => api.get<Page<GroupView>>(tp(tenant, '/groups?size=100')), [tenant]);
  return (
    <fieldset className="field" aria-label={`Access in ${tenant}`}>
      <legend>Access in this tenant (a role, groups, or both)</legend>
      <div className="field">
        <label htmlFor="f-accessRole">Role</label>
        <select id="f-accessRole" value={roleId} onChange={(e) => setRoleId(e.target.value)}>
          <option value="">No role</option>
          {roles.data?.results.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
      </div>
      {groups.data && groups.data.results.length > 0 && (
        <div className="field">
          <span>Groups</span>
          {groups.data.results.map((g) => (
            <Toggle key={g.id} label={g.name} name={`group-${g.id}`} checked={groupIds.includes(g.id)} onChange={(on) => setGroupIds(on ? [...groupIds, g.id] : groupIds.filter((x) => x !== g.id))} />
          ))}
        </div>
      )}
    </fieldset>
  );
}

const NO_ACCESS = 'Choose a role or a group: a user created here needs access to this tenant.';

export function CreateUserPage({ tenant, base }: { tenant: string | null; base: string }) {
  const { me } = useAuth();
  const instance = useCapabilities(null);
  const canCreate = !tenant || !!instance?.can('USER', 'CREATE');
  const [mode, setMode] = useState<'create' | 'invite'>('create');
  const [form, setForm] = useState({ username: '', firstName: '', lastName: '', email: '', password: '', superAdmin: false });
  const [roleId, setRoleId] = useState('');
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const [created, setCreated] = useState<UserView | null>(null);
  const [missing, setMissing] = useState(false);
  const [invited, setInvited] = useState<InvitationView | null>(null);
  const { pending, error, submit } = useSubmit();
  const set = (k: 'username' | 'firstName' | 'lastName' | 'email' | 'password') => (v: string) => setForm({ ...form, [k]: v });
  const inviting = !!tenant && (!canCreate || mode === 'invite');
  const onSubmit = submit(async () => {
    setMissing(false);
    assertValid(inviting ? RULES.invitation : RULES.createUser, form);
    if (tenant && !roleId && groupIds.length === 0) {
      setMissing(true);
      return;
    }
    if (tenant && inviting) {
      const invitation = await api.post<InvitationView>(tp(tenant, '/invitations'), {
        email: form.email, ...(roleId ? { roles: [{ roleId }] } : {}), ...(groupIds.length ? { groupIds } : {}),
      });
      setInvited(invitation);
      return;
    }
    // Created once: when giving access fails (an escalation refused, say), Save again only retries the access.
    let user = created;
    if (!user) {
      const body: Record<string, unknown> = { username: form.username, password: form.password };
      for (const k of ['firstName', 'lastName', 'email'] as const) if (form[k]) body[k] = form[k];
      if (form.superAdmin) body.superAdmin = true;
      user = await api.post<UserView>(url('/users'), body);
      setCreated(user);
    }
    if (tenant) {
      if (roleId) await api.post(tp(tenant, '/bindings'), { roleId, subjectType: 'USER', subjectId: user.id });
      for (const id of groupIds) await api.post(tp(tenant, `/groups/${id}/members`), { memberType: 'USER', memberId: user.id });
    }
    notify(`User ${user.username} created.`);
    navigate(`${base}/${user.id}`);
  });
  if (invited) {
    return (
      <div>
        <PageHeader title="Invitation sent" />
        <div className="panel">
          <p role="status">
            {invited.email} is invited to {tenant}. They get access when they accept the emailed link{invited.link ? ':' : '.'}
          </p>
          {invited.link && <code data-testid="invitation-link">{invited.link}</code>}
          <div className="row">
            <Link to={base} className="button">
              Back to users
            </Link>
          </div>
        </div>
      </div>
    );
  }
  return (
    <div>
      <PageHeader title={inviting ? 'Invite user' : 'Create user'} />
      <form className="panel" onSubmit={onSubmit} noValidate aria-label={inviting ? 'Invite user' : 'Create user'}>
        {tenant && canCreate && (
          <div className="field" role="radiogroup" aria-label="How">
            <label>
              <input type="radio" name="mode" checked={mode === 'create'} onChange={() => setMode('create')} /> Create the account now
            </label>
            <label>
              <input type="radio" name="mode" checked={mode === 'invite'} onChange={() => setMode('invite')} /> Send an invitation instead
            </label>
          </div>
        )}
        {tenant && !canCreate && <p className="muted">Only an Instance Admin creates accounts: invite the person by email; they join this tenant when they accept. An existing user is added with “Add existing user”.</p>}
        {inviting ? (
          <Field label="Email" name="email" type="email" value={form.email} onChange={set('email')} error={error} autoFocus />
        ) : (
          <>
            <Field label="Username" name="username" value={form.username} onChange={set('username')} error={error} autoFocus />
            <div className="row">
              <Field label="First name" name="firstName" value={form.firstName} onChange={set('firstName')} error={error} />
              <Field label="Last name" name="lastName" value={form.lastName} onChange={set('lastName')} error={error} />
            </div>
            <Field label="Email" name="email" type="email" value={form.email} onChange={set('email')} error={error} hint="Optional when the username is an email address" />
            <PasswordField label="Initial password" name="password" value={form.password} onChange={set('password')} error={error} />
          </>
        )}
        {tenant && <TenantAccessChoice tenant={tenant} roleId={roleId} setRoleId={setRoleId} groupIds={groupIds} setGroupIds={setGroupIds} />}
        {!inviting && me?.superAdmin && <Toggle label="Super Admin" name="superAdmin" checked={form.superAdmin} onChange={(superAdmin) => setForm({ ...form, superAdmin })} />}
        {missing && <div className="problem" role="alert">{NO_ACCESS}</div>}
        {created && error && <p className="muted" role="status">{created.username} was created but has no access here yet: change the choice and Save again.</p>}
        <ProblemBox error={error} fields={['username', 'firstName', 'lastName', 'email', 'password']} />
        <div className="row">
          <button type="submit" disabled={pending}>
            {pending ? 'Saving…' : inviting ? 'Send invitation' : 'Save'}
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
    setSaved(false);
    assertValid(RULES.updateUser, me?.superAdmin ? form : { ...form, email: '' });
    const body: Record<string, unknown> = { firstName: form.firstName || null, lastName: form.lastName || null };
    if (me?.superAdmin) {
      if (form.email && form.email !== user.email) body.email = form.email;
      if (form.superAdmin !== user.superAdmin) body.superAdmin = form.superAdmin;
    }
    onSaved(await api.patch<UserView>(url(`/users/${user.id}`), body));
    setSaved(true);
  });
  const toggleStatus = status.submit(async () => {
    const disabling = user.status === 'ACTIVE';
    onSaved(await api.post<UserView>(url(`/users/${user.id}/${disabling ? 'disable' : 'enable'}`)));
    notify(`${user.username} is ${disabling ? 'disabled' : 'enabled'}.`);
  });
  const remove = status.submit(async () => {
    if (!(await confirmAction({
      title: `Delete ${user.username}?`, body: 'The account, its sessions and API tokens are removed. Their audit trail stays.', confirmLabel: 'Delete user', danger: true, typeToConfirm: user.username,
    }))) return;
    await api.del(url(`/users/${user.id}`));
    notify(`User ${user.username} deleted.`);
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

/**
 * How the user signs in (seed 003): a Gatehouse password, or identity providers only (docs/federation.md),
 * with the accounts the user is linked to; a Super Admin may set a password; an admin may require a reset.
 */
function Authentication({ user, tenant }: { user: UserView; tenant: string | null }) {
  const { me } = useAuth();
  const [password, setPassword] = useState('');
  const [message, setMessage] = useState('');
  const setter = useSubmit();
  const reset = useSubmit();
  const method = useSubmit();
  const authPath = tenant ? tp(tenant, `/users/${user.id}/authentication`) : url(`/users/${user.id}/authentication`);
  const [reload, setReload] = useState(0);
  const auth = useAsync(() => api.get<UserAuthenticationView>(authPath), [authPath, reload]);
  const links = auth.data?.links ?? [];
  const current = auth.data ? (auth.data.password ? 'PASSWORD' : 'FEDERATED') : user.authMethod;
  const onSet = setter.submit(async () => {
    await api.put(url(`/users/${user.id}/password`), { password });
    setPassword('');
    setMessage('The password has been set.');
  });
  const onReset = reset.submit(async () => {
    await api.post(tenant ? tp(tenant, `/users/${user.id}/password-reset`) : url(`/users/${user.id}/password-reset`));
    setMessage(`A reset request has been sent to ${user.email ?? user.username}. They must choose a new password before signing in again.`);
  });
  const onMethod = (value: string) =>
    method.submit(async () => {
      await api.put(authPath, { password: value === 'PASSWORD' });
      setReload((n) => n + 1);
      setMessage(value === 'PASSWORD' ? 'The user may sign in with a password again (send a reset request so they choose one).' : 'The user now signs in through identity providers only; their password was removed.');
    })();
  return (
    <div>
      <div className="panel">
        <div className="field">
          <label htmlFor="f-authMethod">Authentication method</label>
          <select id="f-authMethod" value={current} disabled={method.pending || (links.length === 0 && current === 'PASSWORD')} onChange={(e) => void onMethod(e.target.value)}>
            <option value="PASSWORD">Password</option>
            {(links.length > 0 || current === 'FEDERATED') && <option value="FEDERATED">Identity providers only</option>}
          </select>
          {links.length === 0 ? (
            <div className="hint" data-testid="sso-hint">Single sign-on (SSO) can be chosen once an identity provider is configured and the user is linked to it.</div>
          ) : (
            <ul data-testid="identity-links">
              {links.map((l) => <li key={l.providerId}>{l.providerName} ({l.providerType.toUpperCase()}): <code>{l.externalId}</code>, linked by {l.linkedBy.toLowerCase().replace('_', ' ')}</li>)}
            </ul>
          )}
          <ProblemBox error={method.error} />
        </div>
      </div>
      {message && <p role="status">{message}</p>}
      {me?.superAdmin && !tenant && (
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
      {user.id !== me?.id && <FactorReset user={user} tenant={tenant} />}
    </div>
  );
}

/**
 * Admin recovery of a user who lost their second factors: removes the authenticator app, passkeys and
 * recovery codes (POST …/users/{id}/mfa-reset, within the tenant boundary), after an in-app confirmation.
 */
function FactorReset({ user, tenant }: { user: UserView; tenant: string | null }) {
  const [done, setDone] = useState<MfaResetResult | null>(null);
  const { pending, error, submit } = useSubmit();
  const onReset = submit(async () => {
    const confirmed = await confirmAction({
      title: 'Reset second factors?',
      body: (
        <p>
          This removes the authenticator app, every passkey and the recovery codes of <strong>{user.username}</strong>. It is audited, and they are
          emailed.
        </p>
      ),
      confirmLabel: 'Reset second factors',
      danger: true,
    });
    if (!confirmed) return;
    setDone(await api.post<MfaResetResult>(tenant ? tp(tenant, `/users/${user.id}/mfa-reset`) : url(`/users/${user.id}/mfa-reset`)));
  });
  return (
    <div className="panel" aria-label="Second factors">
      <h2>Second factors</h2>
      <p className="muted">For a user who lost their authenticator app, passkeys and recovery codes: they sign in with their password, then set up new ones.</p>
      {done && (
        <p role="status">
          The second factors of {user.username} were reset
          {done.notified ? '; they have been told by email.' : ' (no verified email address: tell them yourself).'}
        </p>
      )}
      <ProblemBox error={error} />
      <button type="button" onClick={() => void onReset()} disabled={pending}>
        Reset second factors…
      </button>
    </div>
  );
}

/** A user's groups in the tenant: attach one (judged by the grant guard like any membership) or leave one. */
export function UserGroups({ tenant, userId }: { tenant: string; userId: string }) {
  const [version, setVersion] = useState(0);
  const [groupId, setGroupId] = useState('');
  const all = useAsync(() => api.get<Page<GroupView>>(tp(tenant, '/groups?size=200&sort=name')), [tenant]);
  const mine = useAsync(() => api.get<Page<GroupView>>(tp(tenant, `/users/${userId}/groups?size=200`)), [tenant, userId, version]);
  const attach = useSubmit();
  const removal = useSubmit();
  const memberOf = new Set(mine.data?.results.map((g) => g.id) ?? []);
  const onAttach = attach.submit(async () => {
    await api.post(tp(tenant, `/users/${userId}/groups`), { groupId });
    notify(`Added to ${all.data?.results.find((g) => g.id === groupId)?.name ?? 'the group'}.`);
    setGroupId('');
    setVersion((v) => v + 1);
  });
  const leave = (g: GroupView) =>
    removal.submit(async () => {
      if (!(await confirmAction({ title: `Remove from ${g.name}?`, body: "The user loses what the group's roles gave them here.", confirmLabel: 'Remove', danger: true }))) return;
      await api.del(tp(tenant, `/users/${userId}/groups/${g.id}`));
      notify(`Removed from ${g.name}.`);
      setVersion((v) => v + 1);
    })();
  return (
    <div>
      <form className="panel inline" onSubmit={onAttach} noValidate aria-label="Add to group">
        <div className="field">
          <label htmlFor="f-groupId">Group</label>
          <select id="f-groupId" value={groupId} onChange={(e) => setGroupId(e.target.value)}>
            <option value="">Choose a group…</option>
            {all.data?.results.filter((g) => !memberOf.has(g.id)).map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </div>
        <ProblemBox error={attach.error} fields={['groupId']} />
        <button type="submit" disabled={attach.pending || !groupId}>
          Add to group
        </button>
      </form>
      <ProblemBox error={removal.error ?? mine.error} />
      {mine.data && mine.data.results.length === 0 ? (
        <Empty>Not in any group of this tenant.</Empty>
      ) : (
        <table aria-label="Groups">
          <thead>
            <tr>
              <th>Group</th>
              <th>Description</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {mine.data?.results.map((g) => (
              <tr key={g.id}>
                <td>{g.name}</td>
                <td>{g.description ?? ''}</td>
                <td>
                  <button type="button" className="danger small" onClick={() => void leave(g)} aria-label={`Remove from ${g.name}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Instance Admin: the managed Instance Admin role bound at instance level (the grant guard judges it). */
function InstanceAdmin({ user }: { user: UserView }) {
  const roles = useAsync(() => api.get<Page<RoleView>>(url('/roles', { size: 100 })), []);
  const [version, setVersion] = useState(0);
  const bindings = useAsync(() => api.get<Page<BindingView>>(url('/bindings', { subjectId: user.id, size: 100 })), [user.id, version]);
  const change = useSubmit();
  const role = roles.data?.results.find((r) => r.name === 'Instance Admin');
  const held = bindings.data?.results.find((b) => b.roleId === role?.id || b.roleName === 'Instance Admin');
  const onToggle = change.submit(async () => {
    if (held) {
      if (!(await confirmAction({ title: `Revoke Instance Admin from ${user.username}?`, body: 'They lose the administration of tenants, users, groups and roles across the instance.', confirmLabel: 'Revoke', danger: true }))) return;
      await api.del(url(`/bindings/${held.id}`));
      notify(`${user.username} is no longer an Instance Admin.`);
    } else if (role) {
      await api.post(url('/bindings'), { roleId: role.id, subjectType: 'USER', subjectId: user.id });
      notify(`${user.username} is now an Instance Admin.`);
    }
    setVersion((v) => v + 1);
  });
  if (!bindings.data || !roles.data) return null;
  return (
    <div className="panel" aria-label="Instance Admin">
      <h2>Instance Admin</h2>
      <p className="muted">
        Governs tenants, users, groups and roles across the instance; no tenant data unless also Admin there.{' '}
        <span data-testid="instance-admin-state">{held ? `${user.username} is an Instance Admin.` : `${user.username} is not an Instance Admin.`}</span>
      </p>
      <ProblemBox error={change.error} />
      <button type="button" className={held ? 'danger' : ''} onClick={() => void onToggle()} disabled={change.pending || (!held && !role)}>
        {held ? 'Revoke Instance Admin' : 'Grant Instance Admin'}
      </button>
    </div>
  );
}

/** Locked after too many failed sign-ins: a Super Admin unlocks; otherwise it ends with time or a completed password reset. */
function Lockout({ user, onSaved }: { user: UserView; onSaved: (u: UserView) => void }) {
  const { me } = useAuth();
  const unlock = useSubmit();
  if (!user.lockedUntil || new Date(user.lockedUntil).getTime() <= Date.now()) return null;
  const onUnlock = unlock.submit(async () => {
    onSaved(await api.post<UserView>(url(`/users/${user.id}/unlock`)));
    notify(`${user.username} is unlocked.`);
  });
  return (
    <div className="panel" aria-label="Locked">
      <p data-testid="locked">Locked after too many failed sign-ins until {formatDate(user.lockedUntil)}.</p>
      <ProblemBox error={unlock.error} />
      {me?.superAdmin ? (
        <button type="button" onClick={() => void onUnlock()} disabled={unlock.pending}>
          Unlock
        </button>
      ) : (
        <p className="muted">A Super Admin can unlock the account; a completed password reset unlocks it too.</p>
      )}
    </div>
  );
}

/** A tenant's Admin cannot read the instance's users: the user is read from the tenant's access list. */
async function loadUser(tenant: string | null, id: string, instanceUsers: boolean): Promise<UserView> {
  if (!tenant || instanceUsers) return api.get<UserView>(url(`/users/${encodeURIComponent(id)}`));
  const page = await api.get<Page<TenantAccessEntry>>(tp(tenant, `/tenant-access?${new URLSearchParams({ q: id, size: '5' })}`));
  const entry = page.results.find((e) => e.subjectId === id && e.user);
  if (!entry?.user) throw new ApiError({ type: 'about:blank', status: 404, title: 'Not Found', detail: `User ${id} has no access to this tenant` });
  return { ...entry.user, superAdmin: false, authMethod: 'PASSWORD', lockedUntil: null, passwordChangeRequired: false, pendingEmail: null, createdAt: '', updatedAt: '' };
}

/**
 * Act as the user in the tenant (docs/oidc.md, Impersonation): the console's calls carry the impersonation
 * token until End, expiry or sign-out. Offered to whoever holds IMPERSONATE:CREATE there; the grant guard
 * decides, and its refusal is shown as the server words it.
 */
function ImpersonateButton({ tenant, user, action }: { tenant: string; user: UserView; action: ReturnType<typeof useSubmit> }) {
  const { me } = useAuth();
  const caps = useCapabilities(tenant);
  const { actingAs } = useImpersonation();
  if (!caps?.can('IMPERSONATE', 'CREATE') || actingAs || user.id === me?.id) return null;
  const onClick = action.submit(async () => {
    const answer = await api.post<ImpersonationToken>(tp(tenant, `/users/${encodeURIComponent(user.id)}/impersonate`));
    impersonation.start(answer, tenant);
    navigate(`/t/${encodeURIComponent(tenant)}`);
  });
  return (
    <button type="button" className="secondary" onClick={() => void onClick()} disabled={action.pending}>
      Impersonate
    </button>
  );
}

export function UserDetailPage({ tenant, base, id, tab }: { tenant: string | null; base: string; id: string; tab: string }) {
  const { me } = useAuth();
  const instance = useCapabilities(null);
  const instanceUsers = !!instance?.can('USER');
  const impersonate = useSubmit();
  const { data, error } = useAsync(() => (instance ? loadUser(tenant, id, instanceUsers) : new Promise<UserView>(() => undefined)), [tenant, id, instanceUsers, !!instance]);
  const [user, setUser] = useState<UserView | null>(null);
  useEffect(() => setUser(data ?? null), [data]);
  if (error) return <ProblemBox error={error} />;
  if (!user) return <Loading />;
  const self = `${base}/${id}`;
  const tabs = [
    { id: 'overview', label: 'Overview', to: self },
    ...(tenant ? [{ id: 'groups', label: 'Groups', to: `${self}/groups` }, { id: 'access', label: 'Access', to: `${self}/access` }] : []),
    { id: 'authentication', label: 'Authentication', to: `${self}/authentication` },
    { id: 'sessions', label: 'Sessions', to: `${self}/sessions` },
    { id: 'api-tokens', label: 'API Tokens', to: `${self}/api-tokens` },
  ];
  const sessions = user.id === me?.id ? url('/me/sessions') : tenant && !instanceUsers ? tp(tenant, `/users/${user.id}/sessions`) : url(`/users/${user.id}/sessions`);
  const tokens = user.id === me?.id ? url('/me/api-tokens') : tenant ? tp(tenant, `/users/${user.id}/api-tokens`) : url(`/users/${user.id}/api-tokens`);
  return (
    <div>
      <PageHeader title={user.username}>{tenant && <ImpersonateButton tenant={tenant} user={user} action={impersonate} />}</PageHeader>
      <ProblemBox error={impersonate.error} />
      <Tabs active={tab} tabs={tabs} />
      {tab === 'overview' && (
        <>
          <Lockout user={user} onSaved={setUser} />
          {instanceUsers ? <UserOverview user={user} onSaved={setUser} /> : <TenantUserFacts user={user} />}
          {/* Shown when the instance's bindings can be read (Super Admins, Instance Admins); the grant guard judges the change. */}
          {!tenant && instanceUsers && user.id !== me?.id && <InstanceAdmin user={user} />}
        </>
      )}
      {tab === 'groups' && tenant && <UserGroups tenant={tenant} userId={user.id} />}
      {tab === 'access' && tenant && (
        <>
          <EffectivePermissions tenant={tenant} subjectId={user.id} />
          <h2>Direct bindings</h2>
          <SubjectBindings tenant={tenant} subjectType="USER" subjectId={user.id} />
        </>
      )}
      {tab === 'authentication' && <Authentication user={user} tenant={instanceUsers ? null : tenant} />}
      {tab === 'sessions' && <Sessions base={sessions} own={user.id === me?.id} />}
      {tab === 'api-tokens' && (
        <>
          {user.id !== me?.id && (
            <p className="muted">
              A token acts as {user.username} with all their access: you can create one only if you hold everything they hold. The secret is shown once.
            </p>
          )}
          <ApiTokens base={tokens} />
        </>
      )}
    </div>
  );
}

function TenantUserFacts({ user }: { user: UserView }) {
  return (
    <div className="panel">
      <dl className="facts">
        <dt>Username</dt>
        <dd data-testid="user-username">{user.username}</dd>
        <dt>Name</dt>
        <dd>{fullName(user)}</dd>
        <dt>Email</dt>
        <dd>
          {user.email ?? '—'} <EmailBadge verified={user.emailVerified} />
        </dd>
        <dt>Status</dt>
        <dd>{user.status}</dd>
      </dl>
      <p className="muted">Names and email are managed by the user or an Instance Admin.</p>
    </div>
  );
}
