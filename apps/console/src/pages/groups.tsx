import type { GroupMemberView, GroupView, MemberType, PasswordResetRequestResult } from '@gatehouse/contracts';
import { useState } from 'react';
import { api, url } from '../api/client';
import { navigate } from '../router';
import { useCapabilities } from '../session';
import { confirmAction, notify } from '../ui/feedback';
import { formatDate, PagedTable, ProblemBox, useSubmit } from '../ui/kit';
import { ListPage, nameColumns, NameDescriptionForm, ResourcePage } from '../ui/resources';
import { SubjectBindings, SubjectPicker } from './access';

const tp = (tenant: string, path: string) => url(`/${encodeURIComponent(tenant)}${path}`);
const qs = (page: number, size: number, q: string) => new URLSearchParams({ page: String(page), size: String(size), ...(q ? { q } : {}) }).toString();

export function GroupsList({ tenant, base }: { tenant: string; base: string }) {
  const caps = useCapabilities(tenant);
  return (
    <ListPage<GroupView>
      title="Groups"
      base={base}
      canCreate={caps?.can('GROUP', 'CREATE') ?? false}
      source={({ page, size, q }) => tp(tenant, `/groups?${qs(page, size, q)}`)}
      rowKey={(g) => g.id}
      empty="No groups yet."
      searchLabel="Search groups"
      columns={[...nameColumns<GroupView>(base), { label: 'Members', render: (g) => g.memberCount }]}
    />
  );
}

export function GroupForm({ tenant, base, group }: { tenant: string; base: string; group?: GroupView }) {
  return (
    <NameDescriptionForm
      label="Group"
      resource={group}
      save={async (form) => {
        const body = { name: form.name, ...(form.description ? { description: form.description } : {}) };
        if (group) {
          await api.patch(tp(tenant, `/groups/${group.id}`), body);
        } else {
          const created = await api.post<GroupView>(tp(tenant, '/groups'), body);
          notify(`Group ${created.name} created.`);
          navigate(`${base}/${created.id}/members`);
        }
      }}
      remove={async () => {
        if (!group || !(await confirmAction({
          title: `Delete the group ${group.name}?`, body: "Members lose what the group's bindings gave them; they are not deleted.", confirmLabel: 'Delete group', danger: true, typeToConfirm: group.name,
        }))) return;
        await api.del(tp(tenant, `/groups/${group.id}`));
        notify(`Group ${group.name} deleted.`);
        navigate(base);
      }}
    />
  );
}

/** Mandatory password reset of every user of the group (service accounts have no password). */
export function GroupPasswordReset({ tenant, group }: { tenant: string; group: GroupView }) {
  const [requested, setRequested] = useState<number | null>(null);
  const { pending, error, submit } = useSubmit();
  const onReset = submit(async () => {
    setRequested(null);
    if (!(await confirmAction({
      title: `Require a new password from every user of ${group.name}?`, body: 'Each must choose one before signing in again, and gets an email with a link.', confirmLabel: 'Require password reset', danger: true,
    }))) return;
    const result = await api.post<PasswordResetRequestResult>(tp(tenant, `/groups/${group.id}/password-reset`));
    setRequested(result.requested);
  });
  return (
    <section className="panel" aria-label="Password reset">
      <h2>Password reset</h2>
      <p className="muted">Every user of the group must choose a new password at next sign-in and gets an email with a link.</p>
      {requested !== null && (
        <p role="status" data-testid="group-reset-done">
          {requested === 1 ? '1 user must choose a new password.' : `${requested} users must choose a new password.`}
        </p>
      )}
      <ProblemBox error={error} />
      <button type="button" className="danger" disabled={pending} onClick={() => void onReset()}>
        Require password reset
      </button>
    </section>
  );
}

function Members({ tenant, group }: { tenant: string; group: GroupView }) {
  const caps = useCapabilities(tenant);
  const [type, setType] = useState<MemberType>('USER');
  const [picked, setPicked] = useState<{ id: string } | null>(null);
  const [version, setVersion] = useState(0);
  const { pending, error, submit } = useSubmit();
  const onAdd = submit(async () => {
    if (!picked) return;
    await api.post(tp(tenant, `/groups/${group.id}/members`), { memberType: type, memberId: picked.id });
    notify(`Member added to ${group.name}.`);
    setVersion((v) => v + 1);
  });
  const remove = (m: GroupMemberView) =>
    submit(async () => {
      if (!(await confirmAction({ title: `Remove ${m.user?.username ?? 'this member'} from ${group.name}?`, body: "They lose what the group's roles gave them here.", confirmLabel: 'Remove', danger: true }))) return;
      await api.del(tp(tenant, `/groups/${group.id}/members/${m.memberId}`));
      notify(`${m.user?.username ?? 'Member'} removed from ${group.name}.`);
      setVersion((v) => v + 1);
    })();
  const canAdd = caps?.can('GROUP_MEMBERSHIP', 'CREATE') ?? false;
  return (
    <div>
      {canAdd && (
        <form className="panel inline member-add" onSubmit={onAdd} noValidate aria-label="Add member">
          {/* The type keeps its own width; the search takes the rest of the row; the button never wraps. */}
          <div className="field" style={{ flex: '0 0 auto' }}>
            <label htmlFor="f-member-type">Type</label>
            <select id="f-member-type" value={type} onChange={(e) => setType(e.target.value as MemberType)} style={{ width: 'auto' }}>
              <option value="USER">User</option>
              <option value="SERVICE_ACCOUNT">Service account</option>
            </select>
          </div>
          {/* Not a <label>: clicking it would press the picker's first button ("change" once picked). */}
          <div className="field" role="group" aria-labelledby="f-member-find" style={{ flex: '1 1 12rem', minWidth: 0 }}>
            <div id="f-member-find" style={{ fontWeight: 600, marginBottom: '0.25rem' }}>
              {type === 'USER' ? 'Find a user (name or email)' : 'Find a service account (name)'}
            </div>
            <SubjectPicker tenant={tenant} type={type} onPick={setPicked} />
          </div>
          <div className="field" style={{ flex: '0 0 auto' }}>
            <button type="submit" disabled={pending || !picked} style={{ whiteSpace: 'nowrap' }}>
              Add member
            </button>
          </div>
        </form>
      )}
      <ProblemBox error={error} />
      <PagedTable<GroupMemberView>
        source={({ page, size, q }) => tp(tenant, `/groups/${group.id}/members?${qs(page, size, q)}`)}
        reloadKey={version}
        rowKey={(m) => m.memberId}
        empty="This group has no members yet."
        searchLabel="Search members"
        columns={[
          { label: 'Member', render: (m) => m.user?.username ?? m.memberId },
          { label: 'Type', render: (m) => (m.memberType === 'USER' ? 'User' : 'Service account') },
          { label: 'Email', render: (m) => m.user?.email ?? '—' },
          { label: 'Since', render: (m) => formatDate(m.createdAt) },
          {
            label: '',
            render: (m) => (caps?.can('GROUP_MEMBERSHIP', 'DELETE') ? <button type="button" className="danger small" onClick={() => void remove(m)} aria-label={`Remove ${m.user?.username ?? m.memberId}`}>Remove</button> : null),
          },
        ]}
      />
      {caps?.can('USER', 'UPDATE') && <GroupPasswordReset tenant={tenant} group={group} />}
    </div>
  );
}

export function GroupDetailPage({ tenant, base, id, tab }: { tenant: string; base: string; id: string; tab: string }) {
  const self = `${base}/${id}`;
  return (
    <ResourcePage<GroupView>
      path={tp(tenant, `/groups/${id}`)}
      tab={tab}
      tabs={[
        { id: 'overview', label: 'Overview', to: self },
        { id: 'members', label: 'Members', to: `${self}/members` },
        { id: 'access', label: 'Access', to: `${self}/access` },
      ]}
    >
      {(group) => (
        <>
          {tab === 'overview' && <GroupForm tenant={tenant} base={base} group={group} />}
          {tab === 'members' && <Members tenant={tenant} group={group} />}
          {tab === 'access' && <SubjectBindings tenant={tenant} subjectType="GROUP" subjectId={group.id} />}
        </>
      )}
    </ResourcePage>
  );
}
