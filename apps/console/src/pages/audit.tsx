import type { AuditLogView } from '@gatehouse/contracts';
import { FormEvent, useState } from 'react';
import { url } from '../api/client';
import { Field, formatDate, PagedTable, PageHeader } from '../ui/kit';

const TYPES = ['CREATE', 'READ', 'UPDATE', 'DELETE', 'LOGIN', 'LOGOUT', 'LOGIN_FAILURE', 'ACCOUNT_LOCKED', 'IMPERSONATE'];
const EMPTY = { type: '', resourceType: '', resourceId: '', actor: '', from: '', to: '' };

function Diff({ entry }: { entry: AuditLogView }) {
  const keys = [...new Set([...Object.keys(entry.before ?? {}), ...Object.keys(entry.after ?? {})])];
  if (keys.length === 0 && !entry.details) return null;
  return (
    <details>
      <summary>{keys.length ? `${keys.length} field${keys.length > 1 ? 's' : ''}` : 'details'}</summary>
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
        <Field label="Actor id" name="actor" value={draft.actor} onChange={(actor) => setDraft({ ...draft, actor })} />
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
          { label: 'Resource', render: (e) => <span title={e.resourceId ?? ''}>{e.resourceType}{e.resourceId ? ` · ${e.resourceId}` : ''}</span> },
          { label: 'Actor', render: (e) => e.actor.username ?? e.actor.id ?? e.actor.type },
          { label: 'IP', render: (e) => e.ip ?? '—' },
          { label: 'Changes', render: (e) => <Diff entry={e} /> },
        ]}
      />
    </div>
  );
}
