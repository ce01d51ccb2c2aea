import { Command } from 'commander';
import {
  MFA_POLICIES, TenancyRpc, type CreateTenantRequest, type MfaPolicyView, type Page, type PageQuery, type SetMfaPolicyRequest, type TenantView,
  type UpdateTenantRequest,
} from '@gatehouse/contracts';
import { Column, renderPage, renderRecord } from '../output';
import { ContextFactory } from '../context';
import { pageQuery, withPaging, withTenant } from './options';

interface TenantOption {
  tenant?: string;
}

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
    const page = await ctx.api<Page<TenantView>>('GET', '/api/v1/tenants', { query: pageQuery(options) });
    ctx.print(page, () => renderPage(page, TENANT_COLUMNS, 'tenants'));
  });

  tenants
    .command('get')
    .description('Show one tenant')
    .argument('<id>', 'tenant id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = context(command);
      const tenant = await ctx.api<TenantView>('GET', `/api/v1/tenants/${encodeURIComponent(id)}`);
      ctx.print(tenant, () => renderRecord(tenant));
    });

  tenants
    .command('create')
    .description('Create a tenant; its Admin role goes to --admin-user, else to you (an operator command without --server/--token/--user)')
    .requiredOption('--tenant <id>', 'tenant id: 2-63 lowercase letters, digits and dashes')
    .requiredOption('--name <name>', 'display name')
    .option('--worker-group <group>', 'worker group that runs the tenant\'s work')
    .option('--admin-user <username>', 'username or email of the user who becomes the tenant\'s Admin')
    .addHelpText('after', `
With --server, --token or --user (or GATEHOUSE_SERVER / GATEHOUSE_TOKEN) the gateway creates it for the
signed-in user. Without them this is an operator command, over NATS (NATS_URL, NATS_USER, NATS_PASSWORD)
or through local mode's operator socket (GATEHOUSE_OPERATOR_SOCKET, or GATEHOUSE_DATA_DIR's operator.sock;
see gatehouse auths users create --help): nobody gets Admin unless --admin-user names someone.

Examples:
  $ gatehouse tenants create --tenant dev --name "Development environment"
  $ gatehouse tenants create --tenant prod --name Production --admin-user prod.admin@kestra.io --server https://gatehouse.example.com --user root@example.com:secret`)
    .action(async (options: CreateOptions, command: Command) => {
      const ctx = context(command);
      const body: CreateTenantRequest = {
        id: options.tenant,
        name: options.name,
        workerGroup: options.workerGroup,
        adminUser: options.adminUser,
      };
      const tenant = ctx.remoteRequested()
        ? await ctx.api<TenantView>('POST', '/api/v1/tenants', { body })
        : await ctx.withOperator((rpc) => rpc.call(TenancyRpc.createTenant, body));
      ctx.print(tenant, () => renderRecord(tenant));
    });

  tenants
    .command('update')
    .description("Rename a tenant or change its worker group")
    .argument('<id>', 'tenant id')
    .option('--name <name>', 'new display name')
    .option('--worker-group <group>', 'new worker group')
    .option('--no-worker-group', 'clear the worker group')
    .action(async (id: string, options: { name?: string; workerGroup?: string | false }, command: Command) => {
      const ctx = context(command);
      const body: Omit<UpdateTenantRequest, 'id'> = {};
      if (options.name !== undefined) body.name = options.name;
      if (options.workerGroup !== undefined) body.workerGroup = options.workerGroup === false ? null : options.workerGroup;
      if (Object.keys(body).length === 0) ctx.usageError('nothing to change: give --name, --worker-group or --no-worker-group');
      const tenant = await ctx.api<TenantView>('PATCH', `/api/v1/tenants/${encodeURIComponent(id)}`, { body });
      ctx.print(tenant, () => renderRecord(tenant));
    });

  tenants
    .command('delete')
    .description('Delete a tenant and everything in it (users and the audit trail stay; the id is never reused)')
    .argument('<id>', 'tenant id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = context(command);
      await ctx.api('DELETE', `/api/v1/tenants/${encodeURIComponent(id)}`);
      ctx.print({ deleted: id }, () => `Deleted tenant ${id}.\n`);
    });

  registerMfaPolicy(tenants, context);
}

/** What `inherit` means: the tenant drops its own policy and follows the instance's (MFA_POLICY). */
const INHERIT = 'inherit';

function renderPolicy(view: MfaPolicyView): string {
  const origin = view.source === 'tenant' ? `the tenant's own; the instance's default is ${view.instanceDefault}` : "the instance's default, MFA_POLICY";
  return `${view.policy} (${origin})\n`;
}

/** `tenants mfa-policy get|set`: a tenant's MFA policy (docs/mfa.md), GET/PUT /api/v1/{tenant}/mfa-policy. */
function registerMfaPolicy(tenants: Command, context: ContextFactory): void {
  const policy = tenants
    .command('mfa-policy')
    .description("A tenant's two-step verification policy: optional, required or required-for-admins (else the instance's)");

  withTenant(policy.command('get').description("Show the tenant's MFA policy and where it comes from")).action(async (options: TenantOption, command: Command) => {
    const ctx = context(command);
    const view = await ctx.api<MfaPolicyView>('GET', `${ctx.tenantBase(options.tenant)}/mfa-policy`);
    ctx.print(view, () => renderPolicy(view));
  });

  withTenant(
    policy
      .command('set')
      .description(`Set the tenant's MFA policy (its Admin, an Instance Admin or a Super Admin); "${INHERIT}" goes back to the instance's`)
      .argument('<policy>', `${MFA_POLICIES.join(' | ')} | ${INHERIT}`)
      .addHelpText('after', `
Users the policy reaches without a second factor get a session good only for setting one up at their next
sign-in (docs/mfa.md).

Examples:
  $ gatehouse tenants mfa-policy set required-for-admins --tenant prod
  $ gatehouse tenants mfa-policy set inherit --tenant prod`),
  ).action(async (value: string, options: TenantOption, command: Command) => {
    const ctx = context(command);
    if (value !== INHERIT && !(MFA_POLICIES as readonly string[]).includes(value)) {
      ctx.usageError(`policy must be one of ${MFA_POLICIES.join(', ')} or ${INHERIT}`);
    }
    const body: SetMfaPolicyRequest = { policy: value === INHERIT ? null : (value as SetMfaPolicyRequest['policy']) };
    const view = await ctx.api<MfaPolicyView>('PUT', `${ctx.tenantBase(options.tenant)}/mfa-policy`, { body });
    ctx.print(view, () => renderPolicy(view));
  });
}
