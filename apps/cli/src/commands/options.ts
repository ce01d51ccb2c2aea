import { Command, InvalidArgumentError } from 'commander';
import type { PageQuery } from '@gatehouse/contracts';

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
