import type { Action, PermissionCatalogue, RoleTemplate, RoleView } from '@gatehouse/contracts';
import { useEffect, useState } from 'react';
import { api, url } from '../api/client';
import { Link, navigate } from '../router';
import { useCapabilities } from '../session';
import { assertValid, RULES } from '../ui/checks';
import { confirmAction, notify } from '../ui/feedback';
import { DeleteButton, Field, FieldErrors, Loading, PageHeader, ProblemBox, TextArea, Toggle, useAsync, useSubmit } from '../ui/kit';
import { ListPage, nameColumns } from '../ui/resources';

const tp = (tenant: string, path: string) => url(`/${encodeURIComponent(tenant)}${path}`);
type Grid = Record<string, Action[]>;

/** The permission × action pairs of a grid (FLOW with READ and UPDATE counts 2). */
export function pairCount(grid: Record<string, readonly string[] | undefined>): number {
  return Object.values(grid).reduce((n, actions) => n + new Set(actions ?? []).size, 0);
}

export function RolesList({ tenant, base }: { tenant: string; base: string }) {
  const caps = useCapabilities(tenant);
  return (
    <ListPage<RoleView>
      title="Roles"
      base={base}
      canCreate={caps?.can('ROLE', 'CREATE') ?? false}
      source={({ page, size, q }) => tp(tenant, `/roles?${new URLSearchParams({ page: String(page), size: String(size), sort: 'name', ...(q ? { q } : {}) })}`)}
      rowKey={(r) => r.id}
      empty="No roles yet."
      searchLabel="Search roles"
      columns={[
        ...nameColumns<RoleView>(base),
        { label: 'Permissions', render: (r) => <span title="permission × action pairs">{pairCount(r.permissions)}</span> },
        { label: '', render: (r) => <>{r.managed && <span className="badge">managed</span>} {r.isDefault && <span className="badge">default</span>}</> },
      ]}
    />
  );
}

/** The permission × action grid: one row per permission of the catalogue, one checkbox per action. */
function PermissionGridEditor({ catalogue, grid, onChange, readOnly }: { catalogue: PermissionCatalogue; grid: Grid; onChange: (g: Grid) => void; readOnly: boolean }) {
  const toggle = (permission: string, action: Action, on: boolean) => {
    const current = new Set(grid[permission] ?? []);
    if (on) current.add(action);
    else current.delete(action);
    const next = { ...grid, [permission]: catalogue.actions.filter((a) => current.has(a)) };
    if (next[permission].length === 0) delete next[permission];
    onChange(next);
  };
  const rowAll = (permission: string, on: boolean) => {
    const next = { ...grid };
    if (on) next[permission] = [...catalogue.actions];
    else delete next[permission];
    onChange(next);
  };
  return (
    <table className="grid" aria-label="Permissions">
      <thead>
        <tr>
          <th>Permission</th>
          {catalogue.actions.map((a) => (
            <th key={a}>{a}</th>
          ))}
          <th>All</th>
        </tr>
      </thead>
      <tbody>
        {catalogue.permissions
          .filter((p) => p.level === 'TENANT')
          .map((p) => (
            <tr key={p.name}>
              <td title={p.description}>{p.name}</td>
              {catalogue.actions.map((a) => (
                <td key={a}>
                  <input type="checkbox" aria-label={`${p.name} ${a}`} disabled={readOnly} checked={grid[p.name]?.includes(a) ?? false} onChange={(e) => toggle(p.name, a, e.target.checked)} />
                </td>
              ))}
              <td>
                <input type="checkbox" aria-label={`${p.name} all`} disabled={readOnly} checked={(grid[p.name]?.length ?? 0) === catalogue.actions.length} onChange={(e) => rowAll(p.name, e.target.checked)} />
              </td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

export function RoleEditPage({ tenant, base, id }: { tenant: string; base: string; id: string | null }) {
  const catalogue = useAsync(() => api.get<PermissionCatalogue>(tp(tenant, '/acls/permissions')), [tenant]);
  const templates = useAsync(() => api.get<RoleTemplate[]>(tp(tenant, '/acls/templates')).catch(() => [] as RoleTemplate[]), [tenant]);
  const role = useAsync(() => (id ? api.get<RoleView>(tp(tenant, `/roles/${id}`)) : Promise.resolve(null)), [tenant, id]);
  const [form, setForm] = useState({ name: '', description: '', isDefault: false });
  const [grid, setGrid] = useState<Grid>({});
  const { pending, error, submit } = useSubmit();
  const removal = useSubmit();
  useEffect(() => {
    if (role.data) {
      setForm({ name: role.data.name, description: role.data.description ?? '', isDefault: role.data.isDefault });
      setGrid({ ...(role.data.permissions as Grid) });
    }
  }, [role.data]);
  const onSubmit = submit(async () => {
    assertValid(RULES.nameAndDescription, form);
    const body = { name: form.name, permissions: grid, isDefault: form.isDefault, ...(form.description ? { description: form.description } : {}) };
    if (id) await api.patch(tp(tenant, `/roles/${id}`), body);
    else await api.post(tp(tenant, '/roles'), body);
    notify(id ? `Role ${form.name} saved.` : `Role ${form.name} created.`);
    navigate(base);
  });
  const onDelete = removal.submit(async () => {
    if (!(await confirmAction({
      title: `Delete the role ${form.name}?`, body: 'Its bindings are removed too: whoever holds it through them loses what it gives.', confirmLabel: 'Delete role', danger: true, typeToConfirm: form.name,
    }))) return;
    await api.del(tp(tenant, `/roles/${id}`));
    notify(`Role ${form.name} deleted.`);
    navigate(base);
  });
  if (catalogue.error) return <ProblemBox error={catalogue.error} />;
  if (role.error) return <ProblemBox error={role.error} />;
  if (!catalogue.data || (id && !role.data)) return <Loading />;
  const managed = role.data?.managed ?? false;
  return (
    <div>
      <PageHeader title={id ? form.name || 'Role' : 'Create role'} />
      <form className="panel" onSubmit={onSubmit} noValidate aria-label="Role">
        {!id && templates.data && templates.data.length > 0 && (
          <div className="field">
            <label htmlFor="f-template">Start from</label>
            <select id="f-template" defaultValue="" onChange={(e) => {
              const t = templates.data?.find((x) => x.name === e.target.value);
              if (t) setGrid({ ...(t.permissions as Grid) });
            }}>
              <option value="">Empty</option>
              {templates.data.filter((t) => t.scope === 'TENANT').map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <Field label="Name" name="name" value={form.name} onChange={(name) => setForm({ ...form, name })} error={error} disabled={managed} />
        <TextArea label="Description" name="description" value={form.description} onChange={(description) => setForm({ ...form, description })} error={error} />
        <Toggle label="Default role (bound to users who join the tenant)" name="isDefault" checked={form.isDefault} onChange={(isDefault) => setForm({ ...form, isDefault })} />
        <PermissionGridEditor catalogue={catalogue.data} grid={grid} onChange={setGrid} readOnly={managed} />
        <FieldErrors error={error} name="permissions" />
        <ProblemBox error={error} fields={['name', 'description', 'permissions']} />
        <div className="row">
          <button type="submit" disabled={pending}>
            Save
          </button>
          <Link to={base} className="button secondary">
            Cancel
          </Link>
          {id && !managed && <DeleteButton onDelete={onDelete} />}
        </div>
        <ProblemBox error={removal.error} />
      </form>
    </div>
  );
}
