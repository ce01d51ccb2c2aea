import { FormEvent, ReactNode, useState } from 'react';
import { api, ApiError } from '../api/client';
import { Link } from '../router';
import { Rules, RULES, assertValid } from './checks';
import { Column, DeleteButton, Field, Loading, PagedTable, PagedTableProps, PageHeader, ProblemBox, Tabs, TextArea, useAsync, useSubmit } from './kit';

/**
 * A section's list: its title with a Create link (to `<base>/new`) above the paged table. The link shows
 * only when `canCreate` (the caller may create there, as far as the decision API says): never above a
 * "Forbidden".
 */
export function ListPage<T>({ title, base, canCreate, ...table }: { title: string; base: string; canCreate: boolean } & PagedTableProps<T>) {
  return (
    <div>
      <PageHeader title={title}>
        {canCreate && (
          <Link to={`${base}/new`} className="button">
            Create
          </Link>
        )}
      </PageHeader>
      <PagedTable<T> {...table} />
    </div>
  );
}

/** The Name (a link to the resource's page under `base`) and Description columns of a section's list. */
export function nameColumns<T extends { id: string; name: string; description: string | null }>(base: string): Column<T>[] {
  return [
    { label: 'Name', render: (r) => <Link to={`${base}/${r.id}`}>{r.name}</Link> },
    { label: 'Description', render: (r) => r.description ?? '' },
  ];
}

/** What `children` renders of the resource read from `path` once it is there; before, Loading or its problem. */
export function Loaded<T>({ path, children }: { path: string; children: (resource: T) => ReactNode }) {
  const { data, error } = useAsync(() => api.get<T>(path), [path]);
  if (error) return <ProblemBox error={error} />;
  if (!data) return <Loading />;
  return <>{children(data)}</>;
}

/** One resource's page: reads it from `path`, then shows its name, the tabs and what `children` renders of it. */
export function ResourcePage<T extends { name: string }>({
  path, tab, tabs, children,
}: {
  path: string;
  tab: string;
  tabs: Array<{ id: string; label: string; to: string }>;
  children: (resource: T) => ReactNode;
}) {
  return (
    <Loaded<T> path={path}>
      {(data) => (
        <div>
          <PageHeader title={data.name} />
          <Tabs active={tab} tabs={tabs} />
          {children(data)}
        </div>
      )}
    </Loaded>
  );
}

/** A section's create page: its title, then a form of `children`, the problem of the last try and Create. */
export function CreatePage({
  title, label, onSubmit, pending, error, fields, children,
}: {
  title: string;
  /** The form's name. */
  label: string;
  onSubmit: (event: FormEvent) => void;
  pending: boolean;
  error: ApiError | null;
  /** The fields the form shows, whose problems go next to them rather than in the box. */
  fields: string[];
  children: ReactNode;
}) {
  return (
    <>
      <PageHeader title={title} />
      <form className="panel" onSubmit={onSubmit} noValidate aria-label={label}>
        {children}
        <ProblemBox error={error} fields={fields} />
        <div className="row">
          <button type="submit" disabled={pending}>
            {pending ? 'Creating…' : 'Create'}
          </button>
        </div>
      </form>
    </>
  );
}

export interface NameAndDescription {
  name: string;
  description: string;
}

/**
 * The form of a resource that is a name and a description (a group, a service account). `save` creates
 * the resource or, when there is one, updates it ("Saved." after); Delete (`remove`) shows once it exists.
 */
export function NameDescriptionForm({
  label, resource, nameHint, rules = RULES.nameAndDescription, save, remove,
}: {
  label: string;
  resource?: { name: string; description: string | null };
  nameHint?: string;
  /** The server's rules for the name and description (ui/checks). */
  rules?: Rules;
  save: (form: NameAndDescription) => Promise<void>;
  remove: () => Promise<void>;
}) {
  const [form, setForm] = useState<NameAndDescription>({ name: resource?.name ?? '', description: resource?.description ?? '' });
  const [saved, setSaved] = useState(false);
  const { pending, error, submit } = useSubmit();
  const removal = useSubmit();
  const onSubmit = submit(async () => {
    setSaved(false);
    assertValid(rules, { ...form });
    await save(form);
    if (resource) setSaved(true);
  });
  const onDelete = removal.submit(remove);
  return (
    <form className="panel" onSubmit={onSubmit} noValidate aria-label={label}>
      <Field label="Name" name="name" value={form.name} onChange={(name) => setForm({ ...form, name })} error={error} hint={nameHint} autoFocus={!resource} />
      <TextArea label="Description" name="description" value={form.description} onChange={(description) => setForm({ ...form, description })} error={error} />
      <ProblemBox error={error} fields={['name', 'description']} />
      {saved && <p role="status">Saved.</p>}
      <div className="row">
        <button type="submit" disabled={pending}>
          Save
        </button>
        {resource && <DeleteButton onDelete={onDelete} />}
      </div>
      <ProblemBox error={removal.error} />
    </form>
  );
}
