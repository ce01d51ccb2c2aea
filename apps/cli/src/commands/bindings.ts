import { Command } from 'commander';
import type { BindingSubject, BindingView, CreateBindingRequest, Page, PageQuery, ServiceAccountView } from '@gatehouse/contracts';
import { CommandContext, ContextFactory } from '../context';
import { Column, renderPage, renderRecord } from '../output';
import { groupId } from './groups';
import { idOrName, isUuid, userId } from './lookup';
import { collect, pageQuery, withPaging, withTenant } from './options';
import { roleId } from './roles';

export const BINDING_COLUMNS: Column<BindingView>[] = [
  { header: 'id', value: (b) => b.id },
  { header: 'role', value: (b) => b.roleName },
  { header: 'subject type', value: (b) => b.subjectType },
  { header: 'subject', value: (b) => b.subjectId },
  { header: 'namespaces', value: (b) => (b.namespaces ? b.namespaces.join(',') : '(tenant-wide)') },
];

interface ScopeOptions {
  tenant?: string;
  instance?: boolean;
}

/** `--to-user`, not `--user`: that one is the sign-in flag of the seeds, global and parsed anywhere on the line. */
interface SubjectOptions {
  toUser?: string;
  toServiceAccount?: string;
  toGroup?: string;
}

function base(ctx: CommandContext, options: ScopeOptions): string {
  if (options.instance && options.tenant) ctx.usageError('--instance and --tenant exclude each other');
  return options.instance ? '/api/v1' : ctx.tenantBase(options.tenant);
}

/** The one subject of --user / --service-account / --group, resolved to an id. */
async function subject(ctx: CommandContext, options: SubjectOptions & ScopeOptions, required: boolean): Promise<{ type: BindingSubject; id: string } | undefined> {
  const given = ([['USER', options.toUser], ['SERVICE_ACCOUNT', options.toServiceAccount], ['GROUP', options.toGroup]] as const).filter(([, v]) => v !== undefined);
  if (given.length > 1) ctx.usageError('give only one of --to-user, --to-service-account, --to-group');
  if (given.length === 0) {
    if (required) ctx.usageError('say who gets the role: --to-user, --to-service-account or --to-group');
    return undefined;
  }
  const [type, ref] = given[0] as [BindingSubject, string];
  if (type === 'USER') return { type, id: await userId(ctx, ref, options.instance ? undefined : ctx.tenantBase(options.tenant)) };
  if (type === 'GROUP') return { type, id: await groupId(ctx, options.tenant, ref) };
  if (options.instance && !isUuid(ref)) ctx.usageError('at instance level, give the service account by id');
  const id = await idOrName<ServiceAccountView>(ctx, ref, `${ctx.tenantBase(options.tenant)}/service-accounts`, [(s) => s.name], 'service account');
  return { type, id };
}

const subjectOptions = (command: Command): Command =>
  command
    .option('--to-user <user>', 'a user: id, username or email')
    .option('--to-service-account <account>', 'a service account: id or name')
    .option('--to-group <group>', 'a group: id or name');

export function registerBindings(program: Command, context: ContextFactory): void {
  const bindings = program.command('bindings').description('Give roles to users, service accounts and groups, on namespaces (needs BINDING)');

  withPaging(
    withTenant(subjectOptions(bindings.command('list').description('Search bindings')))
      .option('--role <role>', 'only bindings of this role (id or name)')
      .option('--namespace <namespace>', 'only bindings that cover this namespace (tenant-wide ones included)')
      .option('--instance', 'instance-level bindings (Instance Admin)'),
  ).action(async (options: PageQuery & ScopeOptions & SubjectOptions & { role?: string; namespace?: string }, command: Command) => {
    const ctx = context(command);
    const path = base(ctx, options);
    const who = await subject(ctx, options, false);
    const query = {
      ...pageQuery(options),
      subjectType: who?.type,
      subjectId: who?.id,
      roleId: options.role ? await roleId(ctx, path, options.role) : undefined,
      namespace: options.namespace,
    };
    const page = await ctx.api<Page<BindingView>>('GET', `${path}/bindings`, { query });
    ctx.print(page, () => renderPage(page, BINDING_COLUMNS, 'bindings'));
  });

  withTenant(bindings.command('get').description('Show one binding').argument('<id>', 'binding id')).action(async (id: string, options: ScopeOptions, command: Command) => {
    const ctx = context(command);
    const binding = await ctx.api<BindingView>('GET', `${base(ctx, options)}/bindings/${encodeURIComponent(id)}`);
    ctx.print(binding, () => renderRecord(binding));
  });

  withTenant(
    subjectOptions(bindings.command('create').description('Bind a role to one user, service account or group'))
      .requiredOption('--role <role>', 'role id or name')
      .option('--namespace <namespaces>', 'limit to these namespaces and their children (repeat or separate with commas; default: tenant-wide)', collect)
      .option('--instance', 'grant an instance-level role (Instance Admin) instead of a tenant role')
      .addHelpText('after', '\nExamples:\n  $ gatehouse bindings create --role Developer --to-group data-team --namespace company.data --tenant prod\n  $ gatehouse bindings create --role "Instance Admin" --to-user ops@example.com --instance\n(--user is the sign-in option of every command, so the subject options are --to-user, --to-service-account, --to-group.)'),
  ).action(async (options: ScopeOptions & SubjectOptions & { role: string; namespace?: string[] }, command: Command) => {
    const ctx = context(command);
    const path = base(ctx, options);
    const who = await subject(ctx, options, true);
    if (!who) return;
    if (options.instance && options.namespace?.length) ctx.usageError('instance-level bindings cannot be limited to namespaces');
    const body: CreateBindingRequest = {
      roleId: await roleId(ctx, path, options.role),
      subjectType: who.type,
      subjectId: who.id,
      ...(options.namespace?.length ? { namespaces: options.namespace } : {}),
    };
    const binding = await ctx.api<BindingView>('POST', `${path}/bindings`, { body });
    ctx.print(binding, () => renderRecord(binding));
  });

  withTenant(bindings.command('delete').description('Delete a binding (bindings are immutable: change = delete + create)').argument('<id>', 'binding id').option('--instance', 'an instance-level binding')).action(
    async (id: string, options: ScopeOptions, command: Command) => {
      const ctx = context(command);
      await ctx.api('DELETE', `${base(ctx, options)}/bindings/${encodeURIComponent(id)}`);
      ctx.print({ deleted: id }, () => `Deleted binding ${id}.\n`);
    },
  );
}
