import type { GroupMemberView, GroupView, MemberType } from '@gatehouse/contracts';
import { useState } from 'react';
import { api, url } from '../api/client';
import { navigate } from '../router';
import { formatDate, PagedTable, ProblemBox, useSubmit } from '../ui/kit';
import { ListPage, nameColumns, NameDescriptionForm, ResourcePage } from '../ui/resources';
import { SubjectBindings, SubjectPicker } from './access';

const tp = (tenant: string, path: string) => url(`/${encodeURIComponent(tenant)}${path}`);
const qs = (page: number, size: number, q: string) => new URLSearchParams({ page: String(page), size: String(size), ...(q ? { q } : {}) }).toString();

export function GroupsList({ tenant, base }: { tenant: string; base: string }) {
  return (
    <ListPage<GroupView>
      title="Groups"
      base={base}
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
          navigate(`${base}/${created.id}/members`);
        }
      }}
      remove={async () => {
        if (!group || !window.confirm(`Delete ${group.name}? Members lose what the group's bindings gave them; they are not deleted.`)) return;
        await api.del(tp(tenant, `/groups/${group.id}`));
        navigate(base);
      }}
    />
  );
}

function Members({ tenant, group }: { tenant: string; group: GroupView }) {
  const [type, setType] = useState<MemberType>('USER');
  const [picked, setPicked] = useState<{ id: string } | null>(null);
  const [version, setVersion] = useState(0);
  const { pending, error, submit } = useSubmit();
  const onAdd = submit(async () => {
    if (!picked) return;
    await api.post(tp(tenant, `/groups/${group.id}/members`), { memberType: type, memberId: picked.id });
    setVersion((v) => v + 1);
  });
  const remove = (m: GroupMemberView) =>
    submit(async () => {
      await api.del(tp(tenant, `/groups/${group.id}/members/${m.memberId}`));
      setVersion((v) => v + 1);
    })();
  return (
    <div>
      <form className="panel inline" onSubmit={onAdd} noValidate aria-label="Add member">
        <select aria-label="Member type" value={type} onChange={(e) => setType(e.target.value as MemberType)}>
          <option value="USER">User</option>
          <option value="SERVICE_ACCOUNT">Service account</option>
        </select>
        <SubjectPicker tenant={tenant} type={type} onPick={setPicked} />
        <button type="submit" disabled={pending || !picked}>
          Add member
        </button>
      </form>
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
          { label: '', render: (m) => <button type="button" className="danger small" onClick={() => void remove(m)}>Remove</button> },
        ]}
      />
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
