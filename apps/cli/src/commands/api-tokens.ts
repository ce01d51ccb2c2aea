import { Command } from 'commander';
import type { ApiTokenView, CreateApiTokenRequest, CreatedApiToken, Page, PageQuery } from '@gatehouse/contracts';
import { CommandContext, ContextFactory } from '../context';
import { Column, renderPage, renderRecord } from '../output';
import { pageQuery, withPaging } from './options';

export const API_TOKEN_COLUMNS: Column<ApiTokenView>[] = [
  { header: 'id', value: (t) => t.id },
  { header: 'name', value: (t) => t.name },
  { header: 'prefix', value: (t) => t.prefix },
  { header: 'expires', value: (t) => t.expiresAt ?? 'never' },
  { header: 'last used', value: (t) => t.lastUsedAt },
];

interface TokenOptions {
  name: string;
  description?: string;
  maxAge?: string;
  extended?: boolean;
}

const tokenBody = (options: TokenOptions): CreateApiTokenRequest => ({
  name: options.name,
  ...(options.description !== undefined ? { description: options.description } : {}),
  ...(options.maxAge !== undefined ? { maxAge: options.maxAge } : {}),
  ...(options.extended ? { extended: true } : {}),
});

/** Whose tokens a `... api-tokens` group manages: its owner argument (if any), extra options, and where they live. */
export interface TokenOwner<O> {
  /** e.g. "your own", "a service account's". */
  whose: string;
  /** The owner's argument (`<user>`), or none for your own tokens. */
  argument?: readonly [string, string];
  /** Options every subcommand takes (e.g. `--tenant`). */
  options?: (command: Command) => Command;
  /** `/api/v1/.../api-tokens` of the owner. */
  path: (ctx: CommandContext, ref: string | undefined, options: O) => Promise<string>;
}

/**
 * `<parent> api-tokens list|create|delete`, the same for your own tokens, a service account's and a
 * user's (the secret is printed once; the note goes to stderr so stdout stays parseable).
 */
export function registerApiTokenCommands<O extends object>(parent: Command, context: ContextFactory, owner: TokenOwner<O>): void {
  const tokens = parent.command('api-tokens').alias('tokens').description(`${owner.whose[0].toUpperCase()}${owner.whose.slice(1)} API tokens`);
  const define = (command: Command) => {
    const withArgument = owner.argument ? command.argument(...owner.argument) : command;
    return owner.options ? owner.options(withArgument) : withArgument;
  };
  // commander passes the owner argument first when there is one, then the command's own arguments, the options and the command
  const split = (args: unknown[]): { ref: string | undefined; rest: unknown[] } =>
    owner.argument ? { ref: args[0] as string, rest: args.slice(1) } : { ref: undefined, rest: args };

  withPaging(define(tokens.command('list').description(`List ${owner.whose} API tokens (never the secrets)`))).action(async (...args: unknown[]) => {
    const { ref, rest } = split(args);
    const [options, command] = rest as [O & PageQuery, Command];
    const ctx = context(command);
    const page = await ctx.api<Page<ApiTokenView>>('GET', await owner.path(ctx, ref, options), { query: pageQuery(options) });
    ctx.print(page, () => renderPage(page, API_TOKEN_COLUMNS, 'API tokens'));
  });

  define(tokens.command('create').description(`Create an API token (${owner.whose}); its secret is printed once`))
    .requiredOption('--name <name>', 'token name')
    .option('--description <text>', 'description')
    .option('--max-age <duration>', 'ISO-8601 lifetime such as P30D or PT12H (default: never expires)')
    .option('--extended', 'each use pushes the expiry out by --max-age')
    .action(async (...args: unknown[]) => {
      const { ref, rest } = split(args);
      const [options, command] = rest as [O & TokenOptions, Command];
      const ctx = context(command);
      const token = await ctx.api<CreatedApiToken>('POST', await owner.path(ctx, ref, options), { body: tokenBody(options) });
      ctx.note('Copy the token now: it is shown only this once and cannot be read back.');
      ctx.print(token, () => renderRecord(token));
    });

  define(tokens.command('delete').description(`Revoke one of ${owner.whose} API tokens`))
    .argument('<token-id>', 'API token id')
    .action(async (...args: unknown[]) => {
      const { ref, rest } = split(args);
      const [tokenId, options, command] = rest as [string, O, Command];
      const ctx = context(command);
      await ctx.api('DELETE', `${await owner.path(ctx, ref, options)}/${encodeURIComponent(tokenId)}`);
      ctx.print({ deleted: tokenId }, () => `Revoked API token ${tokenId}.\n`);
    });
}
