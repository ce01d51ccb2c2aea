import type { AuditLogView, Page, ServiceAccountView, TenantAccessEntry, UserView } from '@gatehouse/contracts';
import { FormEvent, useEffect, useMemo, useState } from 'react';
import { api, url } from '../api/client';
import { Field, formatDate, PagedTable, PageHeader } from '../ui/kit';

/** The audit types (AUDIT_TYPES of @gatehouse/contracts, which the console imports types only from). */
export const TYPES = ['CREATE', 'READ', 'UPDATE', 'DELETE', 'LOGIN', 'LOGOUT', 'LOGIN_FAILURE', 'ACCOUNT_LOCKED', 'IMPERSONATE', 'ACCESS_REFUSED'];
const EMPTY = { type: '', resourceType: '', resourceId: '', actor: '', actorLabel: '', from: '', to: '' };

type Named = { id: string; name: string };
interface NameSource {
  path: string;
  names: (page: Page<Record<string, unknown>>) => Named[];
}
const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
const byName = (field: string) => (page: Page<Record<string, unknown>>) =>
  page.results.flatMap((r) => (str(r.id) && str(r[field]) ? [{ id: r.id as string, name: r[field] as string }] : []));

/** Where the names of each kind of subject or resource are listed (one page of up to 500). */
function nameSources(tenant: string | null): Record<string, NameSource> {
  if (tenant === null) {
    return {
      USER: { path: url('/users', { size: 500 }), names: byName('username') },
      TENANT: { path: url('/tenants', { size: 500 }), names: byName('name') },
      ROLE: { path: url('/roles', { size: 500 }), names: byName('name') },
    };
  }
  const tp = (path: string) => url(`/${encodeURIComponent(tenant)}${path}`, { size: 500 });
  return {
    USER: {
      path: tp('/tenant-access'),
      names: (page) => (page.results as unknown as TenantAccessEntry[]).flatMap((e) => (e.user ? [{ id: e.subjectId, name: e.user.username }] : [])),
    },
    SERVICE_ACCOUNT: { path: tp('/service-accounts'), names: byName('name') },
    GROUP: { path: tp('/groups'), names: byName('name') },
    ROLE: { path: tp('/roles'), names: byName('name') },
    INVITATION: { path: tp('/invitations'), names: byName('email') },
  };
}

/** Kinds of resource whose id is another kind's: a membership's entry names its group. */
const SAME_IDS: Record<string, string> = { GROUP_MEMBERSHIP: 'GROUP' };
const kindOf = (kind: string) => SAME_IDS[kind] ?? kind;

/**
 * Names of the users, service accounts, groups, roles (... ) an audit page mentions. Each kind is read
 * once, with one list call, the first time a row needs it: never one call per row. Ids the caller may
 * not list (or that are gone) stay ids.
 */
export class NameDirectory {
  private readonly names = new Map<string, string>();
  private readonly asked = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private readonly sources: Record<string, NameSource>;

  constructor(tenant: string | null) {
    this.sources = nameSources(tenant);
  }

  get(kind: string, id: string): string | undefined {
    return this.names.get(`${kindOf(kind)}:${id}`);
  }

  want(wanted: string): void {
    const kind = kindOf(wanted);
    const source = this.sources[kind];
    if (!source || this.asked.has(kind)) return;
    this.asked.add(kind);
    api.get<Page<Record<string, unknown>>>(source.path).then(
      (page) => {
        for (const { id, name } of source.names(page)) this.names.set(`${kind}:${id}`, name);
        this.listeners.forEach((l) => l());
      },
      () => undefined,
    );
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** A subject's or resource's name: `known` (what the entry recorded), else read from the directory, else the id. */
function Name({ directory, kind, id, known }: { directory: NameDirectory; kind: string; id: string; known?: string | null }) {
  const [, rerender] = useState(0);
  useEffect(() => {
    if (known) return;
    const stop = directory.subscribe(() => rerender((n) => n + 1));
    directory.want(kind);
    return stop;
  }, [directory, kind, known]);
  const name = known ?? directory.get(kind, id);
  return name ? <span title={id}>{name}</span> : <code title={id}>{id}</code>;
}

/** The name an entry recorded of its resource (a deleted group's, say; a binding's role): `after.name`, else `before.name`, .... */
const recordedName = (e: AuditLogView) =>
  str(e.after?.name) ?? str(e.before?.name) ?? str(e.after?.email) ?? str(e.before?.email) ?? str(e.after?.roleName) ?? str(e.before?.roleName);

/** Finds the actor to filter on by name: the tenant's users and service accounts, or the instance's users. */
function ActorPicker({ tenant, label, onPick }: { tenant: string | null; label: string; onPick: (actor: Named | null) => void }) {
  const [text, setText] = useState('');
  const [found, setFound] = useState<Array<Named & { kind: string }>>([]);
  useEffect(() => {
    const q = text.trim();
    if (!q || label) {
      setFound([]);
      return;
    }
    const timer = setTimeout(async () => {
      const quiet = <T,>(p: Promise<T>) => p.catch(() => null);
      if (tenant === null) {
        const users = await quiet(api.get<Page<UserView>>(url('/users', { q, size: 10 })));
        setFound((users?.results ?? []).map((u) => ({ id: u.id, name: u.username, kind: 'user' })));
        return;
      }
      const tp = (path: string) => url(`/${encodeURIComponent(tenant)}${path}`, { q, size: 10 });
      const [users, accounts] = await Promise.all([
        quiet(api.get<Page<TenantAccessEntry>>(tp('/tenant-access'))),
        quiet(api.get<Page<ServiceAccountView>>(tp('/service-accounts'))),
      ]);
      setFound([
        ...(users?.results ?? []).flatMap((e) => (e.user ? [{ id: e.subjectId, name: e.user.username, kind: 'user' }] : [])),
        ...(accounts?.results ?? []).map((a) => ({ id: a.id, name: a.name, kind: 'service account' })),
      ]);
    }, 250);
    return () => clearTimeout(timer);
  }, [text, tenant, label]);
  return (
    <div className="field picker">
      <label htmlFor="f-actor">Actor</label>
      {label ? (
        <div className="picked">
          <span data-testid="picked-actor">{label}</span>
          <button type="button" className="link" onClick={() => { setText(''); onPick(null); }}>
            clear
          </button>
        </div>
      ) : (
        <input id="f-actor" placeholder={tenant === null ? 'User name' : 'User or service account name'} value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" />
      )}
      {found.length > 0 && (
        <ul className="candidates" role="listbox" aria-label="Actors found">
          {found.map((c) => (
            <li key={c.id} role="option" aria-selected={false}>
              <button type="button" className="link" onClick={() => { setFound([]); onPick(c); }}>
                {c.name} <span className="muted">({c.kind})</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Diff({ entry }: { entry: AuditLogView }) {
  const keys = [...new Set([...Object.keys(entry.before ?? {}), ...Object.keys(entry.after ?? {})])];
  if (keys.length === 0 && !entry.details) return null;
  // A refusal says which rule of the grant guard refused it.
  const rule = entry.type === 'ACCESS_REFUSED' && typeof entry.details?.rule === 'string' ? entry.details.rule : null;
  return (
    <details>
      <summary>{keys.length ? `${keys.length} field${keys.length > 1 ? 's' : ''}` : rule ? `refused: ${rule}` : 'details'}</summary>
      {keys.map((k) => (
        <div key={k} className="diff">
          <code>{k}</code>: <del>{JSON.stringify(entry.before?.[k] ?? null)}</del> → <ins>{JSON.stringify(entry.after?.[k] ?? null)}</ins>
        </div>
      ))}
      {entry.details && <pre>{JSON.stringify(entry.details, null, 2)}</pre>}
    </details>
  );
}

/** The audit trail of a tenant, or (tenant = null) the instance-level entries. */
export function AuditPage({ tenant }: { tenant: string | null }) {
  const [draft, setDraft] = useState(EMPTY);
  const [filters, setFilters] = useState(EMPTY);
  const directory = useMemo(() => new NameDirectory(tenant), [tenant]);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
  };
  const path = tenant ? `/${encodeURIComponent(tenant)}/auditlogs/search` : '/auditlogs/search';
  const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);
  return (
    <div>
      <PageHeader title={tenant ? 'Audit log' : 'Instance audit log'} />
      <form className="panel filters" onSubmit={apply} aria-label="Audit filters">
        <div className="field">
          <label htmlFor="f-type">Type</label>
          <select id="f-type" value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.target.value })}>
            <option value="">Any</option>
            {TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </div>
        <Field label="Resource type" name="resourceType" value={draft.resourceType} onChange={(resourceType) => setDraft({ ...draft, resourceType: resourceType.toUpperCase() })} placeholder="USER" />
        <Field label="Resource id" name="resourceId" value={draft.resourceId} onChange={(resourceId) => setDraft({ ...draft, resourceId })} />
        <ActorPicker tenant={tenant} label={draft.actorLabel} onPick={(a) => setDraft({ ...draft, actor: a?.id ?? '', actorLabel: a?.name ?? '' })} />
        <Field label="From" name="from" type="datetime-local" value={draft.from} onChange={(from) => setDraft({ ...draft, from })} />
        <Field label="To" name="to" type="datetime-local" value={draft.to} onChange={(to) => setDraft({ ...draft, to })} />
        <div className="row">
          <button type="submit">Apply</button>
          <button type="button" className="secondary" onClick={() => { setDraft(EMPTY); setFilters(EMPTY); }}>
            Clear
          </button>
        </div>
      </form>
      <PagedTable<AuditLogView>
        source={({ page, size, q }) =>
          url(path, { page, size, q, sort: 'at:desc', type: filters.type, resourceType: filters.resourceType, resourceId: filters.resourceId, actor: filters.actor, from: iso(filters.from), to: iso(filters.to) })
        }
        rowKey={(e) => e.id}
        empty="No audit entries match."
        searchLabel="Search the audit log"
        columns={[
          { label: 'When', render: (e) => formatDate(e.at) },
          { label: 'Type', render: (e) => <span className="badge">{e.type}</span> },
          {
            label: 'Resource',
            render: (e) => (
              <>
                {e.resourceType}
                {e.resourceId && <> · <Name directory={directory} kind={e.resourceType} id={e.resourceId} known={recordedName(e)} /></>}
              </>
            ),
          },
          {
            label: 'Actor',
            render: (e) =>
              e.actor.id ? <Name directory={directory} kind={e.actor.type} id={e.actor.id} known={e.actor.username} /> : e.actor.username ?? e.actor.type,
          },
          { label: 'IP', render: (e) => e.ip ?? '—' },
          { label: 'Changes', render: (e) => <Diff entry={e} /> },
        ]}
      />
    </div>
  );
}
