import { Command } from 'commander';
import type { ReachableTenant, UserView } from '@gatehouse/contracts';
import { ContextFactory } from '../context';
import { Column, renderRecord, renderTable } from '../output';
import { registerApiTokenCommands } from './api-tokens';
import { registerOwnEmailCommands } from './email';
import { registerMfaCommands } from './mfa';
import { registerOwnSessionCommands } from './sessions';

const REACHABLE_TENANT_COLUMNS: Column<ReachableTenant>[] = [
  { header: 'tenant', value: (t) => t.id ?? 'default' },
  { header: 'via', value: (t) => (t.via === 'instance' ? 'instance-level access' : 'access in the tenant') },
];

export function registerMe(program: Command, context: ContextFactory): void {
  const me = program
    .command('me')
    .description('Show the signed-in user')
    .action(async (_options: unknown, command: Command) => {
      const ctx = context(command);
      const user = await ctx.api<UserView>('GET', '/api/v1/me');
      ctx.print(user, () => renderRecord(user));
    });

  registerApiTokenCommands(me, context, { whose: 'your own', path: async () => '/api/v1/me/api-tokens' });
  registerOwnSessionCommands(me, context);
  registerOwnEmailCommands(me, context);
  registerMfaCommands(me, context);

  me.command('tenants').description('The tenants you can reach (where you have access; all of them with TENANT at instance level)').action(
    async (_options: unknown, command: Command) => {
      const ctx = context(command);
      const reachable = await ctx.api<{ results: ReachableTenant[] }>('GET', '/api/v1/me/tenants');
      ctx.print(reachable, () => (reachable.results.length === 0 ? 'No tenant within reach.\n' : renderTable(reachable.results, REACHABLE_TENANT_COLUMNS)));
    },
  );
}
