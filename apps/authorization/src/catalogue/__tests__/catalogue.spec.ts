import { ACTIONS, INSTANCE_PERMISSIONS, isNamespaced, Permission, TENANT_PERMISSIONS } from '@gatehouse/contracts';
import { PERMISSION_CATALOGUE, ROLE_TEMPLATES } from '../catalogue';
import { INSTANCE_ADMIN_ROLE, MANAGED_TENANT_ROLES } from '../managed-roles';

const byName = (name: string) => MANAGED_TENANT_ROLES.find((r) => r.name === name);
const permissionsOf = (name: string) => Object.keys(byName(name)?.permissions ?? {}) as Permission[];

describe('catalogue and managed roles', () => {
  it('lists every permission once, tenant-level ones namespaced or not, instance-level ones never namespaced', () => {
    expect(PERMISSION_CATALOGUE.permissions.map((p) => p.name)).toEqual([...TENANT_PERMISSIONS, ...INSTANCE_PERMISSIONS]);
    for (const p of PERMISSION_CATALOGUE.permissions) {
      expect(p.description).toBeTruthy();
      expect(p.namespaced).toBe(p.level === 'TENANT' && isNamespaced(p.name));
    }
    expect(PERMISSION_CATALOGUE.actions).toEqual([...ACTIONS]);
  });

  it('the tenant Admin holds every tenant permission with every action; the Instance Admin adds TENANT and WORKER', () => {
    const admin = byName('Admin');
    expect(admin?.scope).toBe('TENANT');
    expect(Object.keys(admin?.permissions ?? {})).toEqual([...TENANT_PERMISSIONS]);
    for (const actions of Object.values(admin?.permissions ?? {})) expect(actions).toEqual([...ACTIONS]);
    expect(INSTANCE_ADMIN_ROLE.scope).toBe('INSTANCE');
    expect(INSTANCE_ADMIN_ROLE.permissions).toEqual({ ...admin?.permissions, TENANT: [...ACTIONS], WORKER: [...ACTIONS] });
  });

  it('scope rule: Editor, Launcher and Viewer hold only namespace-level permissions; Admin and Developer do not', () => {
    expect(MANAGED_TENANT_ROLES.map((r) => r.name)).toEqual(['Admin', 'Developer', 'Editor', 'Launcher', 'Viewer']);
    for (const name of ['Editor', 'Launcher', 'Viewer']) expect(permissionsOf(name).filter((p) => !isNamespaced(p))).toEqual([]);
    for (const name of ['Admin', 'Developer']) expect(permissionsOf(name).some((p) => !isNamespaced(p))).toBe(true);
    for (const role of MANAGED_TENANT_ROLES) expect(role.scope).toBe('TENANT');
  });

  it('offers the managed roles as templates', () => {
    expect(ROLE_TEMPLATES.map((t) => `${t.scope}:${t.name}`)).toEqual([
      'TENANT:Admin', 'TENANT:Developer', 'TENANT:Editor', 'TENANT:Launcher', 'TENANT:Viewer', 'INSTANCE:Instance Admin',
    ]);
    expect(ROLE_TEMPLATES[2].permissions).toBe(byName('Editor')?.permissions);
  });
});
