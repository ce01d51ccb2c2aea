import { Command } from 'commander';
import type { SetupRequest, SetupResult, SetupStatus } from '@gatehouse/contracts';
import { ContextFactory } from '../context';
import { renderRecord } from '../output';

interface RunOptions {
  email?: string;
  firstName?: string;
  lastName?: string;
  tenant?: string;
}

export function registerSetup(program: Command, context: ContextFactory): void {
  const setup = program.command('setup').description('First-run set-up of an instance (no sign-in needed)');

  setup
    .command('status')
    .description('Show whether the instance is set up, and its configuration')
    .action(async (_options: unknown, command: Command) => {
      const ctx = context(command);
      const status = await ctx.client.get<SetupStatus>('/api/v1/setup');
      ctx.print(status, () => renderRecord(status));
    });

  setup
    .command('run')
    .description('Create the first user, as Super Admin (refused once any user exists)')
    .argument('<username>', 'username (an email address, or give --email)')
    .argument('<password>', 'password; "-" reads it from stdin')
    .option('--email <email>', 'email address (required unless the username is one)')
    .option('--first-name <name>', 'first name')
    .option('--last-name <name>', 'last name')
    .option('--tenant <id>', 'first tenant to create (multi-tenancy without a default tenant)')
    .action(async (username: string, password: string, options: RunOptions, command: Command) => {
      const ctx = context(command);
      const body: SetupRequest = {
        username,
        password: await ctx.secret(password),
        email: options.email,
        firstName: options.firstName,
        lastName: options.lastName,
        tenant: options.tenant,
      };
      const result = await ctx.client.post<SetupResult>('/api/v1/setup', body);
      ctx.print(result, () => renderRecord(result));
    });
}
