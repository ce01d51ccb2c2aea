import { Link } from '../router';
import { Column, PagedTable, PagedTableProps, PageHeader } from './kit';

/** A section's list: its title with a Create link (to `<base>/new`) above the paged table. */
export function ListPage<T>({ title, base, ...table }: { title: string; base: string } & PagedTableProps<T>) {
  return (
    <div>
      <PageHeader title={title}>
        <Link to={`${base}/new`} className="button">
          Create
        </Link>
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
