import { Command } from 'commander';
import type { Page, PageQuery, ServiceAccountView } from '@gatehouse/contracts';
import { CommandContext, ContextFactory } from '../context';
import { Column, renderPage, renderRecord } from '../output';
import { registerApiTokenCommands } from './api-tokens';
import { idOrName } from './lookup';
import { nameAndDescription, pageQuery, renameBody, RenameOptions, withPaging, withRenameOptions, withTenant } from './options';

export const SERVICE_ACCOUNT_COLUMNS: Column<ServiceAccountView>[] = [
  { header: 'id', value: (s) => s.id },
  { header: 'name', value: (s) => s.name },
  { header: 'description', value: (s) => s.description },
  { header: 'created', value: (s) => s.createdAt },
];

interface TenantOption {
  tenant?: string;
}

const SA_ARG = ['<service-account>', 'service account id or name'] as const;

async function serviceAccountPath(ctx: CommandContext, tenant: string | undefined, ref: string): Promise<string> {
  const base = `${ctx.tenantBase(tenant)}/service-accounts`;
  const id = await idOrName<ServiceAccountView>(ctx, ref, base, [(s) => s.name], 'service account');
  return `${base}/${id}`;
}

export function registerServiceAccounts(program: Command, context: ContextFactory): void {
  const accounts = program
    .command('service-accounts')
    .alias('sa')
    .description('Manage service accounts of a tenant and their API tokens (needs SERVICE_ACCOUNT)');

  withPaging(withTenant(accounts.command('list').description('Search service accounts'))).action(
    async (options: PageQuery & TenantOption, command: Command) => {
      const ctx = context(command);
      const page = await ctx.api<Page<ServiceAccountView>>('GET', `${ctx.tenantBase(options.tenant)}/service-accounts`, { query: pageQuery(options) });
      ctx.print(page, () => renderPage(page, SERVICE_ACCOUNT_COLUMNS, 'service accounts'));
    },
  );

  withTenant(accounts.command('get').description('Show one service account').argument(...SA_ARG)).action(
    async (ref: string, options: TenantOption, command: Command) => {
      const ctx = context(command);
      const account = await ctx.api<ServiceAccountView>('GET', await serviceAccountPath(ctx, options.tenant, ref));
      ctx.print(account, () => renderRecord(account));
    },
  );

  withTenant(
    accounts
      .command('create')
      .description('Create a service account')
      .argument('<name>', 'name: 1-63 lowercase letters, digits and dashes')
      .option('--description <text>', 'description'),
  ).action(async (name: string, options: TenantOption & { description?: string }, command: Command) => {
    const ctx = context(command);
    const account = await ctx.api<ServiceAccountView>('POST', `${ctx.tenantBase(options.tenant)}/service-accounts`, { body: nameAndDescription(name, options) });
    ctx.print(account, () => renderRecord(account));
  });

  withTenant(withRenameOptions(accounts.command('update').description('Rename or describe a service account').argument(...SA_ARG))).action(
    async (ref: string, options: TenantOption & RenameOptions, command: Command) => {
      const ctx = context(command);
      const account = await ctx.api<ServiceAccountView>('PATCH', await serviceAccountPath(ctx, options.tenant, ref), { body: renameBody(ctx, options) });
      ctx.print(account, () => renderRecord(account));
    },
  );

  withTenant(accounts.command('delete').description('Delete a service account and its API tokens').argument(...SA_ARG)).action(
    async (ref: string, options: TenantOption, command: Command) => {
      const ctx = context(command);
      const path = await serviceAccountPath(ctx, options.tenant, ref);
      await ctx.api('DELETE', path);
      ctx.print({ deleted: path.split('/').pop() }, () => `Deleted service account ${ref}.\n`);
    },
  );

  registerApiTokenCommands<TenantOption>(accounts, context, {
    whose: "a service account's",
    argument: SA_ARG,
    options: withTenant,
    path: async (ctx, ref, options) => `${await serviceAccountPath(ctx, options.tenant, ref as string)}/api-tokens`,
  });
}
