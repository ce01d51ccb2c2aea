import { Command } from 'commander';
import type { CreateTenantRequest, Page, PageQuery, TenantView } from '@gatehouse/contracts';
import { Column, renderPage, renderRecord } from '../output';
import { ContextFactory } from '../context';
import { pageQuery, withPaging } from './options';

export const TENANT_COLUMNS: Column<TenantView>[] = [
  { header: 'id', value: (t) => t.id },
  { header: 'name', value: (t) => t.name },
  { header: 'worker group', value: (t) => t.workerGroup },
  { header: 'status', value: (t) => t.status },
  { header: 'created', value: (t) => t.createdAt },
];

interface CreateOptions {
  tenant: string;
  name: string;
  workerGroup?: string;
  adminUser?: string;
}

export function registerTenants(program: Command, context: ContextFactory): void {
  const tenants = program.command('tenants').description('Manage tenants (needs the TENANT permission)');

  withPaging(tenants.command('list').description('Search tenants')).action(async (options: PageQuery, command: Command) => {
    const ctx = context(command);
    const page = await ctx.client.get<Page<TenantView>>('/api/v1/tenants', { query: pageQuery(options), token: await ctx.accessToken() });
    ctx.print(page, () => renderPage(page, TENANT_COLUMNS, 'tenants'));
  });

  tenants
    .command('get')
    .description('Show one tenant')
    .argument('<id>', 'tenant id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = context(command);
      const tenant = await ctx.client.get<TenantView>(`/api/v1/tenants/${encodeURIComponent(id)}`, { token: await ctx.accessToken() });
      ctx.print(tenant, () => renderRecord(tenant));
    });

  tenants
    .command('create')
    .description('Create a tenant; its Admin role goes to --admin-user, else to you')
    .requiredOption('--tenant <id>', 'tenant id: 2-63 lowercase letters, digits and dashes')
    .requiredOption('--name <name>', 'display name')
    .option('--worker-group <group>', 'worker group that runs the tenant\'s work')
    .option('--admin-user <username>', 'username or email of the user who becomes the tenant\'s Admin')
    .addHelpText('after', '\nExample:\n  $ gatehouse tenants create --tenant dev --name "Development environment"')
    .action(async (options: CreateOptions, command: Command) => {
      const ctx = context(command);
      const body: CreateTenantRequest = {
        id: options.tenant,
        name: options.name,
        workerGroup: options.workerGroup,
        adminUser: options.adminUser,
      };
      const tenant = await ctx.client.post<TenantView>('/api/v1/tenants', body, { token: await ctx.accessToken() });
      ctx.print(tenant, () => renderRecord(tenant));
    });
}
