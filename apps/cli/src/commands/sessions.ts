import { Command } from 'commander';
import type { EndedSessions, Page, PageQuery, SessionView } from '@gatehouse/contracts';
import { CommandContext, ContextFactory } from '../context';
import { Column, renderPage } from '../output';
import { userId } from './lookup';
import { pageQuery, withPaging } from './options';

export const SESSION_COLUMNS: Column<SessionView>[] = [
  { header: 'id', value: (s) => s.id },
  { header: 'current', value: (s) => (s.current ? 'yes' : '') },
  { header: 'device', value: (s) => s.userAgent ?? 'unknown' },
  { header: 'ip', value: (s) => s.ip },
  { header: 'created', value: (s) => s.createdAt },
  { header: 'last used', value: (s) => s.lastUsedAt },
];

const ended = (result: EndedSessions) => `Ended ${result.ended} session${result.ended === 1 ? '' : 's'}.\n`;

/** `gatehouse me sessions list|end <id>|end-others`: your own sessions (the current one is marked and kept by end-others). */
export function registerOwnSessionCommands(me: Command, context: ContextFactory): void {
  const sessions = me.command('sessions').description('Your sessions (sign-ins of the console, /api/v1/login and the CLI)');
  withPaging(sessions.command('list').description('List your live sessions: device, address, created, last used, current')).action(
    async (options: PageQuery, command: Command) => {
      const ctx = context(command);
      const page = await ctx.api<Page<SessionView>>('GET', '/api/v1/me/sessions', { query: pageQuery(options) });
      ctx.print(page, () => renderPage(page, SESSION_COLUMNS, 'sessions'));
    },
  );
  sessions
    .command('end')
    .description('End one of your sessions (its access tokens are refused from the next request on)')
    .argument('<session-id>', 'session id (from `me sessions list`)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = context(command);
      await ctx.api('DELETE', `/api/v1/me/sessions/${encodeURIComponent(id)}`);
      ctx.print({ ended: id }, () => `Ended session ${id}.\n`);
    });
  sessions
    .command('end-others')
    .description('End every session but the current one (all of them when you signed in with an API token or --user)')
    .action(async (_options: unknown, command: Command) => {
      const ctx = context(command);
      const result = await ctx.api<EndedSessions>('DELETE', '/api/v1/me/sessions');
      ctx.print(result, () => ended(result));
    });
}

/** `gatehouse users sessions list|end <user> [<id>]`: an admin on a user's sessions (`--tenant`: as that tenant's Admin). */
export function registerUserSessionCommands(users: Command, context: ContextFactory): void {
  const sessions = users.command('sessions').description("A user's sessions (an account action: within your reach)");
  const base = (ctx: CommandContext, tenant: string | undefined) => (tenant === undefined ? '/api/v1' : ctx.tenantBase(tenant));
  withPaging(
    sessions
      .command('list')
      .description("List a user's live sessions")
      .argument('<user>', 'user id, username or email')
      .option('--tenant <id>', 'as a tenant Admin: a user of this tenant'),
  ).action(async (ref: string, options: PageQuery & { tenant?: string }, command: Command) => {
    const ctx = context(command);
    const root = base(ctx, options.tenant);
    const id = await userId(ctx, ref, options.tenant === undefined ? undefined : root);
    const page = await ctx.api<Page<SessionView>>('GET', `${root}/users/${id}/sessions`, { query: pageQuery(options) });
    ctx.print(page, () => renderPage(page, SESSION_COLUMNS, 'sessions'));
  });
  sessions
    .command('end')
    .description("End one session of a user, or all of them without <session-id>")
    .argument('<user>', 'user id, username or email')
    .argument('[session-id]', 'session id (from `users sessions list`)')
    .option('--tenant <id>', 'as a tenant Admin: a user of this tenant (who must be in no tenant outside your reach)')
    .action(async (ref: string, sessionId: string | undefined, options: { tenant?: string }, command: Command) => {
      const ctx = context(command);
      const root = base(ctx, options.tenant);
      const id = await userId(ctx, ref, options.tenant === undefined ? undefined : root);
      if (sessionId === undefined) {
        const result = await ctx.api<EndedSessions>('DELETE', `${root}/users/${id}/sessions`);
        ctx.print(result, () => ended(result));
      } else {
        await ctx.api('DELETE', `${root}/users/${id}/sessions/${encodeURIComponent(sessionId)}`);
        ctx.print({ ended: sessionId }, () => `Ended session ${sessionId}.\n`);
      }
    });
}
