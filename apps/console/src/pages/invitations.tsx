import type { GroupView, InvitationStatus, InvitationView, Page, RoleView } from '@gatehouse/contracts';
import { useState } from 'react';
import { api, ApiError, url } from '../api/client';
import { useCapabilities } from '../session';
import { assertValid, RULES } from '../ui/checks';
import { confirmAction, notify } from '../ui/feedback';
import { Field, formatDate, PagedTable, PageHeader, ProblemBox, useAsync, useSubmit } from '../ui/kit';
import { isUnder, plainMessage } from '../ui/wording';

const tp = (tenant: string, path: string, query: Record<string, string | number | undefined> = {}) => url(`/${encodeURIComponent(tenant)}${path}`, query);
const STATUSES: InvitationStatus[] = ['PENDING', 'ACCEPTED', 'EXPIRED'];
const NAMESPACES = 'roles[0].namespaces';

/** Refusals of the grant guard: about what the chosen role would give, so shown at the role field. */
const ROLE_RULES = ['no-permission-escalation', 'tenant-permission-required', 'no-self-elevation', 'tenant-level-permission-in-namespaced-binding'];

/** The messages to show at the role field: its own field errors (in plain words), or the guard's refusal of the role. */
export function roleErrors(error: ApiError | null): string[] {
  if (!error) return [];
  // The namespaces' own errors are on the Namespaces field.
  const own = [...new Set(error.fieldErrors.filter((e) => isUnder(e.field, 'roles') && !isUnder(e.field, NAMESPACES)).map(plainMessage))];
  if (own.length) return own;
  const { rule, permission } = error.problem as { rule?: unknown; permission?: unknown };
  // Giving a role through an invitation also needs BINDING:CREATE.
  const aboutRole = (typeof rule === 'string' && ROLE_RULES.includes(rule)) || (rule === 'missing-permission' && permission === 'BINDING');
  return aboutRole ? [error.problem.detail ?? error.problem.title] : [];
}

/** Names of the tenant's roles and groups (one page of each), for the form and the list. */
function useChoices(tenant: string) {
  const roles = useAsync(() => api.get<Page<RoleView>>(tp(tenant, '/roles', { size: 100, sort: 'name' })).then((p) => p.results, () => [] as RoleView[]), [tenant]);
  const groups = useAsync(() => api.get<Page<GroupView>>(tp(tenant, '/groups', { size: 100 })).then((p) => p.results, () => [] as GroupView[]), [tenant]);
  return { roles: roles.data ?? [], groups: groups.data ?? [] };
}

export function InviteForm({ tenant, roles, groups, onCreated }: { tenant: string; roles: RoleView[]; groups: GroupView[]; onCreated: (invitation: InvitationView) => void }) {
  const [form, setForm] = useState({ email: '', roleId: '', namespaces: '', groupIds: [] as string[] });
  const { pending, error, submit } = useSubmit();
  const onSubmit = submit(async () => {
    assertValid(RULES.invitation, { email: form.email.trim() });
    const namespaces = form.namespaces.split(',').map((n) => n.trim()).filter(Boolean);
    const body = {
      email: form.email.trim(),
      roles: form.roleId ? [{ roleId: form.roleId, ...(namespaces.length ? { namespaces } : {}) }] : [],
      groupIds: form.groupIds,
    };
    const created = await api.post<InvitationView>(tp(tenant, '/invitations'), body);
    setForm({ email: '', roleId: '', namespaces: '', groupIds: [] });
    onCreated(created);
  });
  const roleMessages = roleErrors(error);
  // A refusal of the role itself is shown at the role field only, not a second time below.
  const refusalAtRole = roleMessages.length > 0 && error !== null && error.fieldErrors.length === 0;
  const toggleGroup = (id: string, on: boolean) => setForm({ ...form, groupIds: on ? [...form.groupIds, id] : form.groupIds.filter((g) => g !== id) });
  return (
    <form className="panel" onSubmit={onSubmit} noValidate aria-label="Invite">
      <h2>Invite someone</h2>
      <Field label="Email" name="email" type="email" autoComplete="off" value={form.email} onChange={(email) => setForm({ ...form, email })} error={error} />
      <div className={`field${roleMessages.length ? ' invalid' : ''}`}>
        <label htmlFor="f-invite-role">Role</label>
        <select id="f-invite-role" value={form.roleId} onChange={(e) => setForm({ ...form, roleId: e.target.value })} aria-invalid={roleMessages.length > 0} aria-describedby={roleMessages.length ? 'f-invite-role-errors' : undefined}>
          <option value="">No role</option>
          {roles.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
        <div id="f-invite-role-errors">
          {roleMessages.map((m, i) => (
            <div key={i} className="field-error" data-field="roles">
              {m}
            </div>
          ))}
        </div>
      </div>
      <Field
        label="Namespaces" name={NAMESPACES} value={form.namespaces} onChange={(namespaces) => setForm({ ...form, namespaces })} error={error}
        placeholder="company.team, company.data" hint="Comma-separated; empty: the role applies to the whole tenant." disabled={!form.roleId}
      />
      {groups.length > 0 && (
        <fieldset className="field">
          <legend>Groups</legend>
          {groups.map((g) => (
            <label key={g.id} className="toggle">
              <input type="checkbox" checked={form.groupIds.includes(g.id)} onChange={(e) => toggleGroup(g.id, e.target.checked)} /> {g.name}
            </label>
          ))}
        </fieldset>
      )}
      <ProblemBox error={refusalAtRole ? null : error} fields={['email', 'roles', 'groupIds']} />
      <button type="submit" disabled={pending || !form.email.trim()}>
        Send invitation
      </button>
    </form>
  );
}

/** A tenant's invitations: the list with each one's status, a form to invite, and withdrawal. */
export function InvitationsPage({ tenant }: { tenant: string }) {
  const caps = useCapabilities(tenant);
  const { roles, groups } = useChoices(tenant);
  const [status, setStatus] = useState('');
  const [version, setVersion] = useState(0);
  const [sent, setSent] = useState<InvitationView | null>(null);
  const removal = useSubmit();
  const roleName = (id: string) => roles.find((r) => r.id === id)?.name ?? id;
  const groupName = (id: string) => groups.find((g) => g.id === id)?.name ?? id;
  const withdraw = (invitation: InvitationView) =>
    removal.submit(async () => {
      if (!(await confirmAction({ title: `Withdraw the invitation of ${invitation.email}?`, body: 'Its link stops working.', confirmLabel: 'Withdraw', danger: true }))) return;
      await api.del(tp(tenant, `/invitations/${invitation.id}`));
      notify(`Invitation of ${invitation.email} withdrawn.`);
      setVersion((v) => v + 1);
    })();
  return (
    <div>
      <PageHeader title="Invitations" />
      {caps?.can('INVITATION', 'CREATE') && (
        <InviteForm tenant={tenant} roles={roles} groups={groups} onCreated={(created) => { setSent(created); setVersion((v) => v + 1); }} />
      )}
      {sent && (
        <div className="panel" role="status" data-testid="invitation-sent">
          <p>
            Invitation sent to <strong>{sent.email}</strong>
            {sent.link ? '. The emailed link, shown only now:' : '.'}
          </p>
          {sent.link && <code className="secret-value">{sent.link}</code>}
          <button type="button" className="secondary" onClick={() => setSent(null)}>
            Done
          </button>
        </div>
      )}
      <div className="field" style={{ maxWidth: '14rem' }}>
        <label htmlFor="f-invitation-status">Status</label>
        <select id="f-invitation-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">Any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.charAt(0) + s.slice(1).toLowerCase()}
            </option>
          ))}
        </select>
      </div>
      <ProblemBox error={removal.error} />
      <PagedTable<InvitationView>
        source={({ page, size, q }) => tp(tenant, '/invitations', { page, size, q, status, sort: 'createdAt:desc' })}
        reloadKey={version}
        rowKey={(i) => i.id}
        empty="No invitations."
        searchLabel="Search invitations"
        columns={[
          { label: 'Email', render: (i) => i.email },
          { label: 'Status', render: (i) => <span className="badge">{i.status.charAt(0) + i.status.slice(1).toLowerCase()}</span> },
          {
            label: 'Roles',
            render: (i) => i.roles.map((r) => `${roleName(r.roleId)}${r.namespaces?.length ? ` (${r.namespaces.join(', ')})` : ''}`).join('; ') || '—',
          },
          { label: 'Groups', render: (i) => i.groupIds.map(groupName).join(', ') || '—' },
          { label: 'Expires', render: (i) => formatDate(i.expiresAt) },
          { label: 'Sent', render: (i) => formatDate(i.createdAt) },
          {
            label: '',
            render: (i) => (caps?.can('INVITATION', 'DELETE') ? <button type="button" className="danger small" onClick={() => void withdraw(i)} aria-label={`Withdraw the invitation of ${i.email}`}>Withdraw</button> : null),
          },
        ]}
      />
    </div>
  );
}
