import { Command, InvalidArgumentError } from 'commander';
import type { PageQuery } from '@gatehouse/contracts';
import type { CommandContext } from '../context';

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a positive whole number');
  return Number(value);
}

/** The options every list accepts: `--q`, `--page`, `--size`, `--sort`. */
export function withPaging(command: Command): Command {
  return command
    .option('--q <text>', 'free-text filter')
    .option('--page <n>', 'page number, from 1', positiveInt)
    .option('--size <n>', 'results per page (1-500)', positiveInt)
    .option('--sort <field[:asc|desc]>', 'sort order');
}

export function pageQuery(options: PageQuery): Record<string, string | number | undefined> {
  return { q: options.q, page: options.page, size: options.size, sort: options.sort };
}

/** `--tenant <id>` of the tenant-scoped commands. */
export function withTenant(command: Command): Command {
  return command.option('--tenant <id>', 'tenant id; "default" = the default tenant (env GATEHOUSE_TENANT, default "default")');
}

/** The body of `create <name> [--description <text>]`: the description only when given. */
export function nameAndDescription(name: string, options: { description?: string }): { name: string; description?: string } {
  return { name, ...(options.description !== undefined ? { description: options.description } : {}) };
}

export interface RenameOptions {
  name?: string;
  description?: string;
}

/** `--name` and `--description` of an `update` command that renames or describes something. */
export function withRenameOptions(command: Command): Command {
  return command.option('--name <name>', 'new name').option('--description <text>', 'new description');
}

/** The body of such an update: only what is given changes; giving neither is a usage error. */
export function renameBody(ctx: CommandContext, options: RenameOptions): RenameOptions {
  const body: RenameOptions = {};
  if (options.name !== undefined) body.name = options.name;
  if (options.description !== undefined) body.description = options.description;
  if (Object.keys(body).length === 0) ctx.usageError('nothing to change: give --name or --description');
  return body;
}

/** Repeatable option: each use adds one value (commas also separate values). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

/** Repeatable option that keeps each value whole (e.g. `--permission FLOW:READ,UPDATE`). */
export function collectWhole(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function booleanWord(value: string): boolean {
  if (/^(true|yes|on|1)$/i.test(value)) return true;
  if (/^(false|no|off|0)$/i.test(value)) return false;
  throw new InvalidArgumentError('expected true or false');
}
