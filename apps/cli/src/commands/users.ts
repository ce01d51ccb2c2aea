import { Command } from 'commander';
import type { CreateUserRequest, Page, PageQuery, UserView } from '@gatehouse/contracts';
import { ContextFactory } from '../context';
import { Column, renderPage, renderRecord } from '../output';
import { pageQuery, withPaging } from './options';

export const USER_COLUMNS: Column<UserView>[] = [
  { header: 'id', value: (u) => u.id },
  { header: 'username', value: (u) => u.username },
  { header: 'email', value: (u) => u.email },
  { header: 'name', value: (u) => [u.firstName, u.lastName].filter(Boolean).join(' ') },
  { header: 'super admin', value: (u) => (u.superAdmin ? 'yes' : 'no') },
  { header: 'status', value: (u) => u.status },
];

interface CreateOptions {
  email?: string;
  firstName?: string;
  lastName?: string;
}

export function registerUsers(program: Command, context: ContextFactory): void {
  const users = program.command('users').description('Manage the users of the instance (needs the USER permission)');

  withPaging(users.command('list').description('Search users')).action(async (options: PageQuery, command: Command) => {
    const ctx = context(command);
    const page = await ctx.client.get<Page<UserView>>('/api/v1/users', { query: pageQuery(options), token: await ctx.accessToken() });
    ctx.print(page, () => renderPage(page, USER_COLUMNS, 'users'));
  });

  users
    .command('get')
    .description('Show one user')
    .argument('<id>', 'user id (a UUID)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = context(command);
      const user = await ctx.client.get<UserView>(`/api/v1/users/${encodeURIComponent(id)}`, { token: await ctx.accessToken() });
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
}
