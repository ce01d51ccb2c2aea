import { Command } from 'commander';
import type {
  ApiTokenView, CreateApiTokenRequest, CreatedApiToken, Page, PageQuery, ServiceAccountView,
} from '@gatehouse/contracts';
import { CommandContext, ContextFactory } from '../context';
import { Column, renderPage, renderRecord } from '../output';
import { idOrName } from './lookup';
import { nameAndDescription, pageQuery, renameBody, RenameOptions, withPaging, withRenameOptions, withTenant } from './options';

export const SERVICE_ACCOUNT_COLUMNS: Column<ServiceAccountView>[] = [
  { header: 'id', value: (s) => s.id },
  { header: 'name', value: (s) => s.name },
  { header: 'description', value: (s) => s.description },
  { header: 'created', value: (s) => s.createdAt },
];

export const API_TOKEN_COLUMNS: Column<ApiTokenView>[] = [
  { header: 'id', value: (t) => t.id },
  { header: 'name', value: (t) => t.name },
  { header: 'prefix', value: (t) => t.prefix },
  { header: 'expires', value: (t) => t.expiresAt ?? 'never' },
  { header: 'last used', value: (t) => t.lastUsedAt },
];

interface TenantOption {
  tenant?: string;
}

interface TokenOptions extends TenantOption {
  name: string;
  description?: string;
  maxAge?: string;
  extended?: boolean;
}

const SA_ARG = ['<service-account>', 'service account id or name'] as const;

async function serviceAccountPath(ctx: CommandContext, tenant: string | undefined, ref: string): Promise<string> {
  const base = `${ctx.tenantBase(tenant)}/service-accounts`;
  const id = await idOrName<ServiceAccountView>(ctx, ref, base, [(s) => s.name], 'service account');
  return `${base}/${id}`;
}

/** The secret is in the answer once: print it with a warning (the warning on stderr keeps stdout parseable). */
export function printCreatedToken(ctx: CommandContext, token: CreatedApiToken): void {
  ctx.note('Copy the token now: it is shown only this once and cannot be read back.');
  ctx.print(token, () => renderRecord(token));
}

export function addTokenOptions(command: Command): Command {
  return command
    .requiredOption('--name <name>', 'token name')
    .option('--description <text>', 'description')
    .option('--max-age <duration>', 'ISO-8601 lifetime such as P30D or PT12H (default: never expires)')
    .option('--extended', 'each use pushes the expiry out by --max-age');
}

export const tokenBody = (options: TokenOptions): CreateApiTokenRequest => ({
  name: options.name,
  ...(options.description !== undefined ? { description: options.description } : {}),
  ...(options.maxAge !== undefined ? { maxAge: options.maxAge } : {}),
  ...(options.extended ? { extended: true } : {}),
});

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

  const tokens = accounts.command('api-tokens').alias('tokens').description("A service account's API tokens");

  withPaging(withTenant(tokens.command('list').description('List the API tokens of a service account (never the secrets)').argument(...SA_ARG))).action(
    async (ref: string, options: PageQuery & TenantOption, command: Command) => {
      const ctx = context(command);
      const page = await ctx.api<Page<ApiTokenView>>('GET', `${await serviceAccountPath(ctx, options.tenant, ref)}/api-tokens`, { query: pageQuery(options) });
      ctx.print(page, () => renderPage(page, API_TOKEN_COLUMNS, 'API tokens'));
    },
  );

  withTenant(addTokenOptions(tokens.command('create').description('Create an API token; its secret is printed once').argument(...SA_ARG))).action(
    async (ref: string, options: TokenOptions, command: Command) => {
      const ctx = context(command);
      const token = await ctx.api<CreatedApiToken>('POST', `${await serviceAccountPath(ctx, options.tenant, ref)}/api-tokens`, { body: tokenBody(options) });
      printCreatedToken(ctx, token);
    },
  );

  withTenant(tokens.command('delete').description('Revoke an API token').argument(...SA_ARG).argument('<token-id>', 'API token id')).action(
    async (ref: string, tokenId: string, options: TenantOption, command: Command) => {
      const ctx = context(command);
      await ctx.api('DELETE', `${await serviceAccountPath(ctx, options.tenant, ref)}/api-tokens/${encodeURIComponent(tokenId)}`);
      ctx.print({ deleted: tokenId }, () => `Revoked API token ${tokenId}.\n`);
    },
  );
}
