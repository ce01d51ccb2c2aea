import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { ACTIONS, PERMISSIONS, type Page, type PageQuery, type RoleView } from '@gatehouse/contracts';
import { CommandContext, ContextFactory } from '../context';
import { Column, renderPage, renderRecord } from '../output';
import { idOrName } from './lookup';
import { collectWhole, pageQuery, withPaging, withTenant } from './options';

const grid = (r: RoleView) => Object.entries(r.permissions).map(([p, a]) => `${p}:${(a ?? []).join(',')}`).join(' ');

export const ROLE_COLUMNS: Column<RoleView>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'name', value: (r) => r.name },
  { header: 'managed', value: (r) => (r.managed ? 'yes' : 'no') },
  { header: 'default', value: (r) => (r.isDefault ? 'yes' : 'no') },
  { header: 'permissions', value: (r) => grid(r) },
];

interface TenantOption {
  tenant?: string;
}

interface RoleOptions extends TenantOption {
  name?: string;
  description?: string;
  permission?: string[];
  file?: string;
  default?: boolean;
}

/** `FLOW:READ,UPDATE` (or `FLOW:*` for every action) → ['FLOW', ['READ', 'UPDATE']]. */
export function parsePermission(flag: string): [string, string[]] {
  const match = /^\s*([A-Za-z_]+)\s*:\s*([A-Za-z*,\s]+)$/.exec(flag);
  if (!match) throw new InvalidArgumentError(`"${flag}" is not PERMISSION:ACTION[,ACTION...] (e.g. FLOW:READ,UPDATE or FLOW:*)`);
  const permission = match[1].toUpperCase();
  if (!(PERMISSIONS as readonly string[]).includes(permission)) {
    throw new InvalidArgumentError(`unknown permission "${match[1]}"; one of ${PERMISSIONS.join(', ')}`);
  }
  const words = match[2].split(',').map((a) => a.trim().toUpperCase()).filter(Boolean);
  const actions = words.includes('*') ? [...ACTIONS] : words;
  const unknown = actions.filter((a) => !(ACTIONS as readonly string[]).includes(a));
  if (unknown.length > 0 || actions.length === 0) {
    throw new InvalidArgumentError(`unknown action "${unknown[0] ?? ''}" in "${flag}"; actions are ${ACTIONS.join(', ')} or *`);
  }
  return [permission, [...new Set(actions)]];
}

function permissionFlag(value: string, previous: string[] | undefined): string[] {
  parsePermission(value);
  return collectWhole(value, previous);
}

/** The body from --file (a role as JSON), then the flags on top of it. */
function roleBody(ctx: CommandContext, options: RoleOptions, name: string | undefined): Record<string, unknown> {
  let body: Record<string, unknown> = {};
  if (options.file) {
    let text: string;
    try {
      text = options.file === '-' ? readFileSync(0, 'utf8') : readFileSync(options.file, 'utf8');
    } catch (error) {
      return ctx.usageError(`--file: cannot read ${options.file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      return ctx.usageError(`--file: ${options.file} is not JSON (${(error as Error).message})`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) ctx.usageError('--file must hold a JSON object: {"name", "description", "permissions", "isDefault"}');
    // A file exported with `roles get --output json` carries read-only fields: keep what can be written.
    body = Object.fromEntries(Object.entries(body).filter(([key]) => ['name', 'description', 'permissions', 'isDefault'].includes(key)));
  }
  if (name !== undefined) body.name = name;
  if (options.description !== undefined) body.description = options.description;
  if (options.permission?.length) body.permissions = Object.fromEntries(options.permission.map(parsePermission));
  if (options.default !== undefined) body.isDefault = options.default;
  return body;
}

const ROLE_ARG = ['<role>', 'role id or name'] as const;

export async function roleId(ctx: CommandContext, base: string, ref: string): Promise<string> {
  return idOrName<RoleView>(ctx, ref, `${base}/roles`, [(r) => r.name], 'role');
}

const ROLE_FILE_HELP = `
--permission takes PERMISSION:ACTION[,ACTION...] and can be repeated; * means every action.
--file takes a JSON role, e.g. {"name": "Flow editors", "permissions": {"FLOW": ["READ", "UPDATE"]}}
("-" reads it from stdin); flags given with --file override its fields.

Example:
  $ gatehouse roles create "Flow editors" --permission FLOW:READ,UPDATE --permission EXECUTION:* --tenant prod`;

export function registerRoles(program: Command, context: ContextFactory): void {
  const roles = program.command('roles').description('Manage roles: permissions x actions (needs ROLE)');

  withPaging(withTenant(roles.command('list').description('Search roles').option('--instance', 'instance-level roles (Instance Admin)'))).action(
    async (options: PageQuery & TenantOption & { instance?: boolean }, command: Command) => {
      const ctx = context(command);
      if (options.instance && options.tenant) ctx.usageError('--instance and --tenant exclude each other');
      const base = options.instance ? '/api/v1' : ctx.tenantBase(options.tenant);
      const page = await ctx.api<Page<RoleView>>('GET', `${base}/roles`, { query: pageQuery(options) });
      ctx.print(page, () => renderPage(page, ROLE_COLUMNS, 'roles'));
    },
  );

  withTenant(roles.command('get').description('Show one role').argument(...ROLE_ARG)).action(async (ref: string, options: TenantOption, command: Command) => {
    const ctx = context(command);
    const base = ctx.tenantBase(options.tenant);
    const role = await ctx.api<RoleView>('GET', `${base}/roles/${await roleId(ctx, base, ref)}`);
    ctx.print(role, () => renderRecord(role));
  });

  withTenant(
    roles.command('create').description('Create a custom role')
      .argument('[name]', 'role name (or "name" in --file)')
      .option('--description <text>', 'description')
      .option('--permission <PERMISSION:ACTIONS>', 'a permission and its actions, e.g. FLOW:READ,UPDATE (repeatable)', permissionFlag)
      .option('--file <role.json>', 'the role as JSON ("-" = stdin)')
      .option('--default', 'bind this role to users who join the tenant')
      .addHelpText('after', ROLE_FILE_HELP),
  ).action(async (name: string | undefined, options: RoleOptions, command: Command) => {
    const ctx = context(command);
    const body = roleBody(ctx, options, name);
    if (typeof body.name !== 'string') ctx.usageError('missing role name: give it as the argument or as "name" in --file');
    if (body.permissions === undefined) ctx.usageError('missing permissions: give --permission PERMISSION:ACTIONS or --file');
    const role = await ctx.api<RoleView>('POST', `${ctx.tenantBase(options.tenant)}/roles`, { body });
    ctx.print(role, () => renderRecord(role));
  });

  withTenant(
    roles.command('update').description('Change a role (managed roles: only --default / --no-default)')
      .argument(...ROLE_ARG)
      .option('--name <name>', 'new name')
      .option('--description <text>', 'new description')
      .option('--permission <PERMISSION:ACTIONS>', 'replaces the whole grid; repeatable', permissionFlag)
      .option('--file <role.json>', 'fields to change, as JSON ("-" = stdin)')
      .option('--default', 'make it the default role of the tenant')
      .option('--no-default', 'stop it being the default role')
      .addHelpText('after', ROLE_FILE_HELP),
  ).action(async (ref: string, options: RoleOptions, command: Command) => {
    const ctx = context(command);
    const body = roleBody(ctx, options, options.name);
    if (Object.keys(body).length === 0) ctx.usageError('nothing to change: give --name, --description, --permission, --file or --[no-]default');
    const base = ctx.tenantBase(options.tenant);
    const role = await ctx.api<RoleView>('PATCH', `${base}/roles/${await roleId(ctx, base, ref)}`, { body });
    ctx.print(role, () => renderRecord(role));
  });

  withTenant(roles.command('delete').description('Delete a custom role and its bindings').argument(...ROLE_ARG)).action(
    async (ref: string, options: TenantOption, command: Command) => {
      const ctx = context(command);
      const base = ctx.tenantBase(options.tenant);
      const id = await roleId(ctx, base, ref);
      await ctx.api('DELETE', `${base}/roles/${id}`);
      ctx.print({ deleted: id }, () => `Deleted role ${ref}.\n`);
    },
  );
}
