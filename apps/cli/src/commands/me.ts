import { Command } from 'commander';
import type { ApiTokenView, CreatedApiToken, Page, PageQuery, UserView } from '@gatehouse/contracts';
import { ContextFactory } from '../context';
import { renderPage, renderRecord } from '../output';
import { pageQuery, withPaging } from './options';
import { addTokenOptions, API_TOKEN_COLUMNS, printCreatedToken, tokenBody } from './service-accounts';

export function registerMe(program: Command, context: ContextFactory): void {
  const me = program
    .command('me')
    .description('Show the signed-in user')
    .action(async (_options: unknown, command: Command) => {
      const ctx = context(command);
      const user = await ctx.api<UserView>('GET', '/api/v1/me');
      ctx.print(user, () => renderRecord(user));
    });

  const tokens = me.command('api-tokens').alias('tokens').description('Your own API tokens');

  withPaging(tokens.command('list').description('List your API tokens (never the secrets)')).action(async (options: PageQuery, command: Command) => {
    const ctx = context(command);
    const page = await ctx.api<Page<ApiTokenView>>('GET', '/api/v1/me/api-tokens', { query: pageQuery(options) });
    ctx.print(page, () => renderPage(page, API_TOKEN_COLUMNS, 'API tokens'));
  });

  addTokenOptions(tokens.command('create').description('Create an API token for yourself; its secret is printed once')).action(
    async (options: Parameters<typeof tokenBody>[0], command: Command) => {
      const ctx = context(command);
      const token = await ctx.api<CreatedApiToken>('POST', '/api/v1/me/api-tokens', { body: tokenBody(options) });
      printCreatedToken(ctx, token);
    },
  );

  tokens.command('delete').description('Revoke one of your API tokens').argument('<token-id>', 'API token id').action(
    async (tokenId: string, _options: unknown, command: Command) => {
      const ctx = context(command);
      await ctx.api('DELETE', `/api/v1/me/api-tokens/${encodeURIComponent(tokenId)}`);
      ctx.print({ deleted: tokenId }, () => `Revoked API token ${tokenId}.\n`);
    },
  );
}
