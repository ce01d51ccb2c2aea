import { Command, InvalidArgumentError } from 'commander';
import { INVITATION_STATUSES, type InvitationView, type Page, type PageQuery } from '@gatehouse/contracts';
import { ContextFactory } from '../context';
import { Column, renderPage, renderRecord } from '../output';
import { groupId } from './groups';
import { collect, pageQuery, withPaging, withTenant } from './options';
import { roleId } from './roles';

export const INVITATION_COLUMNS: Column<InvitationView>[] = [
  { header: 'id', value: (i) => i.id },
  { header: 'email', value: (i) => i.email },
  { header: 'status', value: (i) => i.status },
  { header: 'roles', value: (i) => i.roles.length },
  { header: 'groups', value: (i) => i.groupIds.length },
  { header: 'expires', value: (i) => i.expiresAt },
];

interface TenantOption {
  tenant?: string;
}

function status(value: string): string {
  const upper = value.toUpperCase();
  if (!(INVITATION_STATUSES as readonly string[]).includes(upper)) throw new InvalidArgumentError(`expected one of ${INVITATION_STATUSES.join(', ')}`);
  return upper;
}

export function registerInvitations(program: Command, context: ContextFactory): void {
  const invitations = program.command('invitations').description('Invite people to a tenant by email (needs INVITATION)');

  withPaging(withTenant(invitations.command('list').description('Search invitations').option('--status <status>', 'PENDING, ACCEPTED or EXPIRED', status))).action(
    async (options: PageQuery & TenantOption & { status?: string }, command: Command) => {
      const ctx = context(command);
      const page = await ctx.api<Page<InvitationView>>('GET', `${ctx.tenantBase(options.tenant)}/invitations`, {
        query: { ...pageQuery(options), status: options.status },
      });
      ctx.print(page, () => renderPage(page, INVITATION_COLUMNS, 'invitations'));
    },
  );

  withTenant(invitations.command('get').description('Show one invitation').argument('<id>', 'invitation id')).action(
    async (id: string, options: TenantOption, command: Command) => {
      const ctx = context(command);
      const invitation = await ctx.api<InvitationView>('GET', `${ctx.tenantBase(options.tenant)}/invitations/${encodeURIComponent(id)}`);
      ctx.print(invitation, () => renderRecord(invitation));
    },
  );

  withTenant(
    invitations.command('create').description('Invite someone: they get an email with a link (also printed here)')
      .argument('<email>', 'email address of the person to invite')
      .option('--role <roles>', 'roles to give on acceptance, by id or name (repeat or separate with commas)', collect)
      .option('--namespace <namespaces>', 'limit the --role grants to these namespaces (default: tenant-wide)', collect)
      .option('--group <groups>', 'groups to join on acceptance, by id or name (repeat or separate with commas)', collect),
  ).action(async (email: string, options: TenantOption & { role?: string[]; namespace?: string[]; group?: string[] }, command: Command) => {
    const ctx = context(command);
    const base = ctx.tenantBase(options.tenant);
    if (options.namespace?.length && !options.role?.length) ctx.usageError('--namespace limits the --role grants: give --role too');
    const roles = [];
    for (const ref of options.role ?? []) {
      roles.push({ roleId: await roleId(ctx, base, ref), ...(options.namespace?.length ? { namespaces: options.namespace } : {}) });
    }
    const groupIds = [];
    for (const ref of options.group ?? []) groupIds.push(await groupId(ctx, options.tenant, ref));
    const invitation = await ctx.api<InvitationView>('POST', `${base}/invitations`, { body: { email, roles, groupIds } });
    ctx.print(invitation, () => renderRecord(invitation));
  });

  withTenant(invitations.command('delete').description('Withdraw an invitation').argument('<id>', 'invitation id')).action(
    async (id: string, options: TenantOption, command: Command) => {
      const ctx = context(command);
      await ctx.api('DELETE', `${ctx.tenantBase(options.tenant)}/invitations/${encodeURIComponent(id)}`);
      ctx.print({ deleted: id }, () => `Withdrew invitation ${id}.\n`);
    },
  );
}
