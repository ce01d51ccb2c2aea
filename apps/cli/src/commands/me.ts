import { Command } from 'commander';
import type { UserView } from '@gatehouse/contracts';
import { ContextFactory } from '../context';
import { renderRecord } from '../output';

export function registerMe(program: Command, context: ContextFactory): void {
  program
    .command('me')
    .description('Show the signed-in user')
    .action(async (_options: unknown, command: Command) => {
      const ctx = context(command);
      const me = await ctx.client.get<UserView>('/api/v1/me', { token: await ctx.accessToken() });
      ctx.print(me, () => renderRecord(me));
    });
}
