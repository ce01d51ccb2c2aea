import { Command } from 'commander';
import type { IntegrationView, IntegrationWithSecret, Page, PageQuery, UpdateIntegrationRequest } from '@gatehouse/contracts';
import { CommandContext, ContextFactory } from '../context';
import { Column, renderPage, renderRecord } from '../output';
import { idOrName } from './lookup';
import { booleanWord, pageQuery, withPaging, withTenant } from './options';

export const INTEGRATION_COLUMNS: Column<IntegrationView>[] = [
  { header: 'id', value: (i) => i.id },
  { header: 'name', value: (i) => i.name },
  { header: 'enabled', value: (i) => (i.enabled ? 'yes' : 'no') },
  { header: 'secret', value: (i) => `${i.secretPrefix}…` },
  { header: 'owner', value: (i) => i.ownerId },
  { header: 'last used', value: (i) => i.lastUsedAt ?? 'never' },
];

interface TenantOption {
  tenant?: string;
}

const INTEGRATION_ARG = ['<integration>', 'integration id or name'] as const;

async function integrationPath(ctx: CommandContext, tenant: string | undefined, ref: string): Promise<string> {
  const base = `${ctx.tenantBase(tenant)}/integrations`;
  return `${base}/${await idOrName<IntegrationView>(ctx, ref, base, [(i) => i.name], 'integration')}`;
}

/** The secret is in the answer once: print it with the SCIM base URL, and a warning on stderr (stdout stays parseable). */
function printWithSecret(ctx: CommandContext, integration: IntegrationWithSecret): void {
  ctx.note('Copy the secret now: it is shown only this once and cannot be read back. Give it to your directory as the SCIM bearer token.');
  ctx.print(integration, () => renderRecord(integration));
}

export function registerIntegrations(program: Command, context: ContextFactory): void {
  const integrations = program
    .command('integrations')
    .description("Manage a tenant's provisioning integrations: SCIM 2.0 endpoints a directory (Entra ID, Okta, Keycloak, authentik) pushes users and groups to (needs USER)");

  withPaging(withTenant(integrations.command('list').description('Search integrations (never their secrets)'))).action(
    async (options: PageQuery & TenantOption, command: Command) => {
      const ctx = context(command);
      const page = await ctx.api<Page<IntegrationView>>('GET', `${ctx.tenantBase(options.tenant)}/integrations`, { query: pageQuery(options) });
      ctx.print(page, () => renderPage(page, INTEGRATION_COLUMNS, 'integrations'));
    },
  );

  withTenant(integrations.command('get').description('Show one integration and its SCIM path (never its secret)').argument(...INTEGRATION_ARG)).action(
    async (ref: string, options: TenantOption, command: Command) => {
      const ctx = context(command);
      const integration = await ctx.api<IntegrationView>('GET', await integrationPath(ctx, options.tenant, ref));
      ctx.print(integration, () => renderRecord(integration));
    },
  );

  withTenant(
    integrations
      .command('create')
      .description('Create an integration; its SCIM secret is printed once (it acts with your permissions)')
      .argument('<name>', 'name, unique in the tenant')
      .option('--enabled <true|false>', 'start enabled (default true)', booleanWord),
  ).action(async (name: string, options: TenantOption & { enabled?: boolean }, command: Command) => {
    const ctx = context(command);
    const body = { name, ...(options.enabled !== undefined ? { enabled: options.enabled } : {}) };
    printWithSecret(ctx, await ctx.api<IntegrationWithSecret>('POST', `${ctx.tenantBase(options.tenant)}/integrations`, { body }));
  });

  withTenant(
    integrations
      .command('update')
      .description('Rename, enable or disable an integration (a disabled one is refused at once)')
      .argument(...INTEGRATION_ARG)
      .option('--name <name>', 'new name')
      .option('--enabled <true|false>', 'enable or disable', booleanWord),
  ).action(async (ref: string, options: TenantOption & { name?: string; enabled?: boolean }, command: Command) => {
    const ctx = context(command);
    const body: Omit<UpdateIntegrationRequest, 'id'> = {
      ...(options.name !== undefined ? { name: options.name } : {}), ...(options.enabled !== undefined ? { enabled: options.enabled } : {}),
    };
    if (Object.keys(body).length === 0) ctx.usageError('nothing to change: give --name or --enabled');
    const integration = await ctx.api<IntegrationView>('PATCH', await integrationPath(ctx, options.tenant, ref), { body });
    ctx.print(integration, () => renderRecord(integration));
  });

  withTenant(integrations.command('delete').description('Delete an integration (its secret stops at once; what it provisioned stays)').argument(...INTEGRATION_ARG)).action(
    async (ref: string, options: TenantOption, command: Command) => {
      const ctx = context(command);
      const path = await integrationPath(ctx, options.tenant, ref);
      await ctx.api('DELETE', path);
      ctx.print({ deleted: path.split('/').pop() }, () => `Deleted integration ${ref}.\n`);
    },
  );

  withTenant(
    integrations.command('rotate-secret').description('Issue a new secret (printed once); the old one stops, and the integration then acts with your permissions').argument(...INTEGRATION_ARG),
  ).action(async (ref: string, options: TenantOption, command: Command) => {
    const ctx = context(command);
    printWithSecret(ctx, await ctx.api<IntegrationWithSecret>('POST', `${await integrationPath(ctx, options.tenant, ref)}/secret`));
  });
}
