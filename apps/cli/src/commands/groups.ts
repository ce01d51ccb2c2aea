import { Command } from 'commander';
import type { GroupMemberView, GroupView, Page, PageQuery, PasswordResetRequestResult, ServiceAccountView } from '@gatehouse/contracts';
import { CommandContext, ContextFactory } from '../context';
import { Column, renderPage, renderRecord } from '../output';
import { idOrName, userId } from './lookup';
import { nameAndDescription, pageQuery, renameBody, RenameOptions, withPaging, withRenameOptions, withTenant } from './options';

export const GROUP_COLUMNS: Column<GroupView>[] = [
  { header: 'id', value: (g) => g.id },
  { header: 'name', value: (g) => g.name },
  { header: 'description', value: (g) => g.description },
  { header: 'members', value: (g) => g.memberCount },
];

export const MEMBER_COLUMNS: Column<GroupMemberView>[] = [
  { header: 'type', value: (m) => m.memberType },
  { header: 'id', value: (m) => m.memberId },
  { header: 'username', value: (m) => m.user?.username },
  { header: 'email', value: (m) => m.user?.email },
  { header: 'since', value: (m) => m.createdAt },
];

interface TenantOption {
  tenant?: string;
}

interface MemberOptions extends TenantOption {
  serviceAccount?: boolean;
}

const GROUP_ARG = ['<group>', 'group id or name'] as const;

export async function groupId(ctx: CommandContext, tenant: string | undefined, ref: string): Promise<string> {
  return idOrName<GroupView>(ctx, ref, `${ctx.tenantBase(tenant)}/groups`, [(g) => g.name], 'group');
}

async function groupPath(ctx: CommandContext, tenant: string | undefined, ref: string): Promise<string> {
  return `${ctx.tenantBase(tenant)}/groups/${await groupId(ctx, tenant, ref)}`;
}

async function memberId(ctx: CommandContext, tenant: string | undefined, ref: string, serviceAccount: boolean): Promise<string> {
  if (!serviceAccount) return userId(ctx, ref, ctx.tenantBase(tenant));
  return idOrName<ServiceAccountView>(ctx, ref, `${ctx.tenantBase(tenant)}/service-accounts`, [(s) => s.name], 'service account');
}

export function registerGroups(program: Command, context: ContextFactory): void {
  const groups = program.command('groups').description('Manage groups of a tenant and their members (needs GROUP / GROUP_MEMBERSHIP)');

  withPaging(withTenant(groups.command('list').description('Search groups'))).action(async (options: PageQuery & TenantOption, command: Command) => {
    const ctx = context(command);
    const page = await ctx.api<Page<GroupView>>('GET', `${ctx.tenantBase(options.tenant)}/groups`, { query: pageQuery(options) });
    ctx.print(page, () => renderPage(page, GROUP_COLUMNS, 'groups'));
  });

  withTenant(groups.command('get').description('Show one group').argument(...GROUP_ARG)).action(async (ref: string, options: TenantOption, command: Command) => {
    const ctx = context(command);
    const group = await ctx.api<GroupView>('GET', await groupPath(ctx, options.tenant, ref));
    ctx.print(group, () => renderRecord(group));
  });

  withTenant(groups.command('create').description('Create a group').argument('<name>', 'group name').option('--description <text>', 'description')).action(
    async (name: string, options: TenantOption & { description?: string }, command: Command) => {
      const ctx = context(command);
      const group = await ctx.api<GroupView>('POST', `${ctx.tenantBase(options.tenant)}/groups`, { body: nameAndDescription(name, options) });
      ctx.print(group, () => renderRecord(group));
    },
  );

  withTenant(withRenameOptions(groups.command('update').description('Rename or describe a group').argument(...GROUP_ARG))).action(
    async (ref: string, options: TenantOption & RenameOptions, command: Command) => {
      const ctx = context(command);
      const group = await ctx.api<GroupView>('PATCH', await groupPath(ctx, options.tenant, ref), { body: renameBody(ctx, options) });
      ctx.print(group, () => renderRecord(group));
    },
  );

  withTenant(groups.command('delete').description("Delete a group: its memberships and bindings go, its members stay").argument(...GROUP_ARG)).action(
    async (ref: string, options: TenantOption, command: Command) => {
      const ctx = context(command);
      const path = await groupPath(ctx, options.tenant, ref);
      await ctx.api('DELETE', path);
      ctx.print({ deleted: path.split('/').pop() }, () => `Deleted group ${ref}.\n`);
    },
  );

  withTenant(groups.command('password-reset').description('Send every user of the group a mandatory password reset').argument(...GROUP_ARG)).action(
    async (ref: string, options: TenantOption, command: Command) => {
      const ctx = context(command);
      const result = await ctx.api<PasswordResetRequestResult>('POST', `${await groupPath(ctx, options.tenant, ref)}/password-reset`);
      ctx.print(result, () => `Password reset requested for ${result.requested} user${result.requested === 1 ? '' : 's'}.\n`);
    },
  );

  const members = groups.command('members').description('Members of a group: users and service accounts');

  withPaging(withTenant(members.command('list').description('List the members of a group').argument(...GROUP_ARG))).action(
    async (ref: string, options: PageQuery & TenantOption, command: Command) => {
      const ctx = context(command);
      const page = await ctx.api<Page<GroupMemberView>>('GET', `${await groupPath(ctx, options.tenant, ref)}/members`, { query: pageQuery(options) });
      ctx.print(page, () => renderPage(page, MEMBER_COLUMNS, 'members'));
    },
  );

  /** `members add|remove <group> <member> [--service-account]`. */
  const memberCommand = (name: string, description: string) =>
    withTenant(
      members.command(name).description(description)
        .argument(...GROUP_ARG)
        .argument('<member>', 'user id, username or email; service account id or name with --service-account')
        .option('--service-account', 'the member is a service account'),
    );

  /** The group's path and the member's id that a `members add|remove` names. */
  const membership = async (ctx: CommandContext, ref: string, member: string, options: MemberOptions) => ({
    path: await groupPath(ctx, options.tenant, ref),
    id: await memberId(ctx, options.tenant, member, !!options.serviceAccount),
  });

  memberCommand('add', 'Add a user (or, with --service-account, a service account) to a group').action(
    async (ref: string, member: string, options: MemberOptions, command: Command) => {
      const ctx = context(command);
      const { path, id } = await membership(ctx, ref, member, options);
      const body = { memberType: options.serviceAccount ? 'SERVICE_ACCOUNT' : 'USER', memberId: id };
      const added = await ctx.api<GroupMemberView>('POST', `${path}/members`, { body });
      ctx.print(added, () => renderRecord(added));
    },
  );

  memberCommand('remove', 'Remove a member from a group').action(async (ref: string, member: string, options: MemberOptions, command: Command) => {
    const ctx = context(command);
    const { path, id } = await membership(ctx, ref, member, options);
    await ctx.api('DELETE', `${path}/members/${id}`);
    ctx.print({ removed: id }, () => `Removed ${member} from group ${ref}.\n`);
  });
}
