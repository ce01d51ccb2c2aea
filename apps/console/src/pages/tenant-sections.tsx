import { match } from '../router';
import { Empty } from '../ui/kit';
import { AccessPage } from './access';
import { AuditPage } from './audit';
import { GroupDetailPage, GroupForm, GroupsList } from './groups';
import { RoleEditPage, RolesList } from './roles';
import { ServiceAccountDetailPage, ServiceAccountForm, ServiceAccountsList } from './service-accounts';
import { TenantSettings } from './tenants';
import { CreateUserPage, UserDetailPage, UsersList } from './users';
import { PageHeader } from '../ui/kit';

/**
 * One administration section of a tenant. `rest` is the path after the section (`new`, `<id>`,
 * `<id>/<tab>`), `base` the in-app path of the section's list.
 */
export function TenantSection({ tenant, section, rest, base }: { tenant: string; section: string; rest: string; base: string; embedded?: boolean }) {
  const path = `/${rest}`;
  const isNew = path === '/new';
  const detail = match('/:id', path) ?? match('/:id/:tab', path);
  const tab = detail?.tab ?? 'overview';
  switch (section) {
    case 'users':
      if (isNew) return <CreateUserPage tenant={tenant} base={base} />;
      if (detail) return <UserDetailPage tenant={tenant} base={base} id={detail.id} tab={tab} />;
      return <UsersList tenant={tenant} base={base} />;
    case 'service-accounts':
      if (isNew) return (<><PageHeader title="Create service account" /><ServiceAccountForm tenant={tenant} base={base} /></>);
      if (detail) return <ServiceAccountDetailPage tenant={tenant} base={base} id={detail.id} tab={tab} />;
      return <ServiceAccountsList tenant={tenant} base={base} />;
    case 'groups':
      if (isNew) return (<><PageHeader title="Create group" /><GroupForm tenant={tenant} base={base} /></>);
      if (detail) return <GroupDetailPage tenant={tenant} base={base} id={detail.id} tab={tab} />;
      return <GroupsList tenant={tenant} base={base} />;
    case 'access':
      return <AccessPage tenant={tenant} />;
    case 'roles':
      if (isNew) return <RoleEditPage tenant={tenant} base={base} id={null} />;
      if (detail) return <RoleEditPage tenant={tenant} base={base} id={detail.id} />;
      return <RolesList tenant={tenant} base={base} />;
    case 'audit':
      return <AuditPage tenant={tenant} />;
    case 'settings':
      return <TenantSettings tenant={tenant} />;
    default:
      return <Empty>There is no such page.</Empty>;
  }
}
