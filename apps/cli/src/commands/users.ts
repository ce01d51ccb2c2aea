import { Command } from 'commander';
import type { CreateUserRequest, Page, PageQuery, PasswordResetRequestResult, UpdateUserRequest, UserView } from '@gatehouse/contracts';
import { ContextFactory } from '../context';
import { Column, renderPage, renderRecord } from '../output';
import { registerApiTokenCommands } from './api-tokens';
import { userId } from './lookup';
import { registerUserMfaCommands } from './mfa';
import { registerUserSessionCommands } from './sessions';
import { booleanWord, pageQuery, withPaging } from './options';

export const USER_COLUMNS: Column<UserView>[] = [
  { header: 'id', value: (u) => u.id },
  { header: 'username', value: (u) => u.username },
  { header: 'email', value: (u) => u.email },
  { header: 'verified', value: (u) => (u.emailVerified ? 'yes' : 'no') },
  { header: 'name', value: (u) => [u.firstName, u.lastName].filter(Boolean).join(' ') },
  { header: 'super admin', value: (u) => (u.superAdmin ? 'yes' : 'no') },
  { header: 'status', value: (u) => u.status },
];

interface CreateOptions {
  email?: string;
  firstName?: string;
  lastName?: string;
}

interface UpdateOptions {
  firstName?: string;
  lastName?: string;
  email?: string;
  superadmin?: boolean;
}

const USER_ARG = ['<user>', 'user id, username or email'] as const;

export function registerUsers(program: Command, context: ContextFactory): void {
  const users = program.command('users').description('Manage the users of the instance (needs the USER permission)');

  withPaging(users.command('list').description('Search users')).action(async (options: PageQuery, command: Command) => {
    const ctx = context(command);
    const page = await ctx.api<Page<UserView>>('GET', '/api/v1/users', { query: pageQuery(options) });
    ctx.print(page, () => renderPage(page, USER_COLUMNS, 'users'));
  });

  users
    .command('get')
    .description('Show one user')
    .argument(...USER_ARG)
    .action(async (ref: string, _options: unknown, command: Command) => {
      const ctx = context(command);
      const user = await ctx.api<UserView>('GET', `/api/v1/users/${await userId(ctx, ref)}`);
      ctx.print(user, () => renderRecord(user));
    });

  users
    .command('create')
    .description('Create a user who signs in with a password')
    .argument('<username>', 'username (an email address, or give --email)')
    .argument('<password>', 'initial password; "-" reads it from stdin')
    .option('--email <email>', 'email address (required unless the username is one)')
    .option('--first-name <name>', 'first name')
    .option('--last-name <name>', 'last name')
    .action(async (username: string, password: string, options: CreateOptions, command: Command) => {
      const ctx = context(command);
      const token = await ctx.accessToken();
      const body: CreateUserRequest = {
        username,
        password: await ctx.secret(password),
        email: options.email,
        firstName: options.firstName,
        lastName: options.lastName,
      };
      const user = await ctx.client.post<UserView>('/api/v1/users', body, { token });
      ctx.print(user, () => renderRecord(user));
    });

  users
    .command('update')
    .description("Change a user's names; email and the Super Admin flag need a Super Admin")
    .argument(...USER_ARG)
    .option('--first-name <name>', 'first name')
    .option('--last-name <name>', 'last name')
    .option('--email <email>', 'email address (Super Admin only)')
    .option('--superadmin <true|false>', 'grant or revoke Super Admin (Super Admin only)', booleanWord)
    .action(async (ref: string, options: UpdateOptions, command: Command) => {
      const ctx = context(command);
      const body: Omit<UpdateUserRequest, 'id'> = {};
      if (options.firstName !== undefined) body.firstName = options.firstName;
      if (options.lastName !== undefined) body.lastName = options.lastName;
      if (options.email !== undefined) body.email = options.email;
      if (options.superadmin !== undefined) body.superAdmin = options.superadmin;
      if (Object.keys(body).length === 0) ctx.usageError('nothing to change: give --first-name, --last-name, --email or --superadmin');
      const user = await ctx.api<UserView>('PATCH', `/api/v1/users/${await userId(ctx, ref)}`, { body });
      ctx.print(user, () => renderRecord(user));
    });

  const action = (name: string, description: string, path: string) =>
    users
      .command(name)
      .description(description)
      .argument(...USER_ARG)
      .action(async (ref: string, _options: unknown, command: Command) => {
        const ctx = context(command);
        const user = await ctx.api<UserView>('POST', `/api/v1/users/${await userId(ctx, ref)}/${path}`);
        ctx.print(user, () => renderRecord(user));
      });
  action('disable', 'Disable a user (ends their sessions and API tokens)', 'disable');
  action('enable', 'Enable a disabled user', 'enable');
  action('unlock', 'Unlock an account locked after failed sign-ins (Super Admin)', 'unlock');

  users
    .command('password-reset')
    .description('Require a new password at next sign-in and email the user a reset link')
    .argument(...USER_ARG)
    .option('--tenant <id>', "as a tenant Admin: a user of this tenant (who must be in no tenant outside your reach)")
    .action(async (ref: string, options: { tenant?: string }, command: Command) => {
      const ctx = context(command);
      const base = options.tenant === undefined ? '/api/v1' : ctx.tenantBase(options.tenant);
      const id = await userId(ctx, ref, options.tenant === undefined ? undefined : base);
      const result = await ctx.api<PasswordResetRequestResult>('POST', `${base}/users/${id}/password-reset`);
      ctx.print(result, () => `Password reset requested (${result.requested} user${result.requested === 1 ? '' : 's'}).\n`);
    });

  users
    .command('set-password')
    .description("Set a user's password (Super Admin only)")
    .argument(...USER_ARG)
    .argument('<password>', 'new password; "-" reads it from stdin')
    .action(async (ref: string, password: string, _options: unknown, command: Command) => {
      const ctx = context(command);
      const id = await userId(ctx, ref);
      await ctx.api('PUT', `/api/v1/users/${id}/password`, { body: { password: await ctx.secret(password) } });
      ctx.print({ id, passwordSet: true }, () => 'Password set.\n');
    });

  users
    .command('delete')
    .description('Delete a user (ends their sessions and API tokens)')
    .argument(...USER_ARG)
    .action(async (ref: string, _options: unknown, command: Command) => {
      const ctx = context(command);
      const id = await userId(ctx, ref);
      await ctx.api('DELETE', `/api/v1/users/${id}`);
      ctx.print({ deleted: id }, () => `Deleted user ${ref}.\n`);
    });

  registerApiTokenCommands<{ tenant?: string }>(users, context, {
    whose: "a user's",
    argument: USER_ARG,
    options: (command) => command.option('--tenant <id>', 'as a tenant Admin: a user of this tenant'),
    path: async (ctx, ref, options) => {
      const base = options.tenant === undefined ? '/api/v1' : ctx.tenantBase(options.tenant);
      const id = await userId(ctx, ref as string, options.tenant === undefined ? undefined : base);
      return `${base}/users/${id}/api-tokens`;
    },
  });
  registerUserSessionCommands(users, context);
  registerUserMfaCommands(users, context);
}
