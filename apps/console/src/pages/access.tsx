import type { BindingSubject, BindingView, EffectivePermission, GrantOrigin, GroupView, Page, RoleView, ServiceAccountView, TenantAccessEntry, TenantUserCandidate, UserView } from '@gatehouse/contracts';
import { useEffect, useState } from 'react';
import { api, url } from '../api/client';
import { useCapabilities } from '../session';
import { confirmAction, notify } from '../ui/feedback';
import { Field, FieldErrors, formatDate, PagedTable, PageHeader, ProblemBox, useAsync, useSubmit } from '../ui/kit';

const tp = (tenant: string, path: string) => url(`/${encodeURIComponent(tenant)}${path}`);
const query = (q: Record<string, string | number | undefined>) =>
  new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => [k, String(v)])).toString();

interface Candidate {
  id: string;
  label: string;
}

/** Finds users (by name or exact email), service accounts or groups of the tenant. */
export function SubjectPicker({ tenant, type, onPick }: { tenant: string; type: BindingSubject; onPick: (c: Candidate | null) => void }) {
  const instance = useCapabilities(null);
  const [text, setText] = useState('');
  const [found, setFound] = useState<Candidate[]>([]);
  const [picked, setPicked] = useState<Candidate | null>(null);
  useEffect(() => {
    setPicked(null);
    setFound([]);
    onPick(null);
  }, [type]); // onPick changes on every render of the parent; only a new type resets the choice
  useEffect(() => {
    const q = text.trim();
    if (!q) {
      setFound([]);
      return;
    }
    const timer = setTimeout(async () => {
      const results: Candidate[] = [];
      try {
        if (type === 'USER') {
          if (instance?.can('USER')) {
            const page = await api.get<Page<UserView>>(url('/users', { q, size: 10 }));
            results.push(...page.results.map((u) => ({ id: u.id, label: u.email && u.email !== u.username ? `${u.username} (${u.email})` : u.username })));
          } else {
            const page = await api.get<Page<TenantAccessEntry>>(tp(tenant, `/tenant-access?${query({ q, size: 10 })}`));
            results.push(...page.results.filter((e) => e.subjectType === 'USER').map((e) => ({ id: e.subjectId, label: e.user?.username ?? e.subjectId })));
            // A user outside the tenant is found only by exact email (an Admin cannot list the instance's users).
            if (q.includes('@') && results.length === 0) {
              const user = await api.get<TenantUserCandidate>(tp(tenant, `/tenant-access/lookup?${query({ email: q })}`));
              results.push({ id: user.id, label: `${user.username}${user.email && user.email !== user.username ? ` (${user.email})` : ''}` });
            }
          }
        } else if (type === 'SERVICE_ACCOUNT') {
          const page = await api.get<Page<ServiceAccountView>>(tp(tenant, `/service-accounts?${query({ q, size: 10 })}`));
          results.push(...page.results.map((s) => ({ id: s.id, label: s.name })));
        } else {
          const page = await api.get<Page<GroupView>>(tp(tenant, `/groups?${query({ q, size: 10 })}`));
          results.push(...page.results.map((g) => ({ id: g.id, label: g.name })));
        }
      } catch {
        // nothing found is shown as such
      }
      setFound(results);
    }, 250);
    return () => clearTimeout(timer);
  }, [text, type, tenant, instance]);
  if (picked) {
    return (
      <div className="picked">
        <span data-testid="picked-subject">{picked.label}</span>
        <button type="button" className="link" onClick={() => { setPicked(null); onPick(null); }}>
          change
        </button>
      </div>
    );
  }
  return (
    <div className="picker">
      <input aria-label="Find subject" placeholder={type === 'USER' ? 'Username or email' : 'Name'} value={text} onChange={(e) => setText(e.target.value)} />
      {found.length > 0 && (
        <ul className="candidates" role="listbox">
          {found.map((c) => (
            <li key={c.id}>
              <button type="button" className="link" onClick={() => { setPicked(c); onPick(c); }}>
                {c.label}
              </button>
            </li>
          ))}
        </ul>
      )}
      {text.trim() && found.length === 0 && <div className="hint">No match yet.</div>}
    </div>
  );
}

function CreateBinding({ tenant, onCreated, fixed }: { tenant: string; onCreated: () => void; fixed?: { type: BindingSubject; id: string } }) {
  const roles = useAsync(() => api.get<Page<RoleView>>(tp(tenant, '/roles?size=200&sort=name')), [tenant]);
  const [roleId, setRoleId] = useState('');
  const [type, setType] = useState<BindingSubject>(fixed?.type ?? 'USER');
  const [subject, setSubject] = useState<Candidate | null>(null);
  const [namespaces, setNamespaces] = useState('');
  const { pending, error, submit } = useSubmit();
  const onSubmit = submit(async () => {
    const list = namespaces.split(/[\s,]+/).map((n) => n.trim()).filter(Boolean);
    await api.post(tp(tenant, '/bindings'), {
      roleId,
      subjectType: type,
      subjectId: fixed?.id ?? subject?.id ?? '',
      ...(list.length ? { namespaces: list } : {}),
    });
    setSubject(null);
    setNamespaces('');
    notify(`${roles.data?.results.find((r) => r.id === roleId)?.name ?? 'Role'} bound.`);
    onCreated();
  });
  return (
    <form className="panel" onSubmit={onSubmit} noValidate aria-label="Create binding">
      <div className="field">
        <label htmlFor="f-roleId">Role</label>
        <select id="f-roleId" value={roleId} onChange={(e) => setRoleId(e.target.value)}>
          <option value="">Choose a role…</option>
          {roles.data?.results.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
        <FieldErrors error={error} name="roleId" />
      </div>
      {!fixed && (
        <>
          <div className="field">
            <label htmlFor="f-subjectType">Subject type</label>
            <select id="f-subjectType" value={type} onChange={(e) => setType(e.target.value as BindingSubject)}>
              <option value="USER">User</option>
              <option value="SERVICE_ACCOUNT">Service account</option>
              <option value="GROUP">Group</option>
            </select>
          </div>
          <div className="field">
            <label>Subject</label>
            <SubjectPicker tenant={tenant} type={type} onPick={setSubject} />
            <FieldErrors error={error} name="subjectId" />
          </div>
        </>
      )}
      <Field label="Namespaces" name="namespaces" value={namespaces} onChange={setNamespaces} error={error} placeholder="company.team, company.data" hint="Empty = the whole tenant. a.b covers a.b and every a.b.*" />
      <ProblemBox error={error} fields={['roleId', 'subjectId', 'namespaces']} />
      <button type="submit" disabled={pending || !roleId || (!fixed && !subject)}>
        Bind
      </button>
    </form>
  );
}

function BindingsTable({ tenant, filter, version, onDeleted }: { tenant: string; filter: Record<string, string>; version: number; onDeleted: () => void }) {
  const removal = useSubmit();
  const remove = (b: BindingView) =>
    removal.submit(async () => {
      if (!(await confirmAction({ title: `Remove the ${b.roleName} binding?`, body: 'Its subject loses what this role gave it here.', confirmLabel: 'Remove', danger: true }))) return;
      await api.del(tp(tenant, `/bindings/${b.id}`));
      notify(`${b.roleName} binding removed.`);
      onDeleted();
    })();
  return (
    <>
      <ProblemBox error={removal.error} />
      <PagedTable<BindingView>
        source={({ page, size, q }) => tp(tenant, `/bindings?${query({ ...filter, page, size, q })}`)}
        reloadKey={version}
        rowKey={(b) => b.id}
        empty="No bindings yet."
        searchLabel="Search bindings"
        columns={[
          { label: 'Role', render: (b) => b.roleName },
          { label: 'Subject', render: (b) => <span title={b.subjectId}>{b.subjectType.replace('_', ' ').toLowerCase()} · <SubjectName tenant={tenant} type={b.subjectType} id={b.subjectId} /></span> },
          { label: 'Namespaces', render: (b) => (b.namespaces?.length ? b.namespaces.join(', ') : <em>whole tenant</em>) },
          { label: 'Created', render: (b) => formatDate(b.createdAt) },
          { label: '', render: (b) => <button type="button" className="danger small" onClick={() => void remove(b)} aria-label={`Remove the ${b.roleName} binding`}>Remove</button> },
        ]}
      />
    </>
  );
}

const names = new Map<string, Promise<string>>();
/** The readable name of a binding's subject (cached; the id when it cannot be read). */
function SubjectName({ tenant, type, id }: { tenant: string; type: BindingSubject; id: string }) {
  const [name, setName] = useState(id.slice(0, 8));
  useEffect(() => {
    const key = `${tenant}|${type}|${id}`;
    let promise = names.get(key);
    if (!promise) {
      const path = type === 'USER' ? url(`/users/${id}`) : tp(tenant, type === 'GROUP' ? `/groups/${id}` : `/service-accounts/${id}`);
      promise = api.get<{ username?: string; name?: string }>(path).then((v) => v.username ?? v.name ?? id, () => id.slice(0, 8));
      names.set(key, promise);
    }
    let live = true;
    void promise.then((n) => live && setName(n));
    return () => {
      live = false;
    };
  }, [tenant, type, id]);
  return <span data-subject-id={id}>{name}</span>;
}

/** Access: who has which role where (bindings are immutable: remove and create again to change one). */
export function AccessPage({ tenant }: { tenant: string }) {
  const [version, setVersion] = useState(0);
  const [creating, setCreating] = useState(false);
  return (
    <div>
      <PageHeader title="Access">
        <button type="button" onClick={() => setCreating(!creating)}>
          {creating ? 'Close' : 'Create binding'}
        </button>
      </PageHeader>
      {creating && <CreateBinding tenant={tenant} onCreated={() => { setCreating(false); setVersion((v) => v + 1); }} />}
      <BindingsTable tenant={tenant} filter={{}} version={version} onDeleted={() => setVersion((v) => v + 1)} />
    </div>
  );
}

/** The bindings of one user, service account or group, with a form to add one. */
export function SubjectBindings({ tenant, subjectType, subjectId }: { tenant: string; subjectType: BindingSubject; subjectId: string }) {
  const [version, setVersion] = useState(0);
  return (
    <div>
      <CreateBinding tenant={tenant} fixed={{ type: subjectType, id: subjectId }} onCreated={() => setVersion((v) => v + 1)} />
      <BindingsTable tenant={tenant} filter={{ subjectId, subjectType }} version={version} onDeleted={() => setVersion((v) => v + 1)} />
    </div>
  );
}

const originLabel = (o: GrantOrigin) =>
  `${o.roleName}${o.groupName ? ` via group ${o.groupName}` : ' (direct binding)'}${o.scope === 'INSTANCE' ? ' at instance level' : ''}`;

/** What a user or service account can do in the tenant, each permission with where it comes from (a binding, a group, a flag). */
export function EffectivePermissions({ tenant, subjectId }: { tenant: string; subjectId: string }) {
  return (
    <section aria-label="Effective permissions">
      <h2>Effective permissions</h2>
      <PagedTable<EffectivePermission>
        source={({ page, size, q }) => tp(tenant, `/users/${encodeURIComponent(subjectId)}/permissions?${query({ page, size, q })}`)}
        rowKey={(p) => `${p.permission}:${p.action}`}
        empty="No access in this tenant: add a group or a binding."
        size={100}
        columns={[
          { label: 'Permission', render: (p) => p.permission },
          { label: 'Action', render: (p) => p.action },
          { label: 'Namespaces', render: (p) => (p.namespaces?.length ? p.namespaces.join(', ') : <em>whole tenant</em>) },
          {
            label: 'From',
            render: (p) =>
              [
                ...p.origins.map(originLabel),
                ...(p.via.includes('super-admin') ? ['Super Admin'] : []),
                ...(p.via.includes('instance-admin') ? ['Instance Admin'] : []),
              ].filter((v, i, all) => all.indexOf(v) === i).join('; ') || '—',
          },
        ]}
      />
    </section>
  );
}
