import type { Page } from '@gatehouse/contracts';
import { CommandContext } from '../context';
import { ApiError } from '../http-client';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID.test(value);

/** A reference that did not name exactly one thing: exit 1 with what to do. */
export class LookupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LookupError';
  }
}

/**
 * An id as is, else the single row of `listPath` whose `key` equals `ref` (case-insensitive), found
 * with the list's `q` filter. Lets people type `Admin` or `ops` instead of a UUID.
 */
export async function idOrName<T extends { id: string }>(
  ctx: CommandContext,
  ref: string,
  listPath: string,
  keys: Array<(row: T) => string | null | undefined>,
  noun: string,
): Promise<string> {
  if (isUuid(ref)) return ref;
  const page = await ctx.api<Page<T>>('GET', listPath, { query: { q: ref, size: 500 } });
  const wanted = ref.toLowerCase();
  const matches = page.results.filter((row) => keys.some((key) => key(row)?.toLowerCase() === wanted));
  if (matches.length === 1) return matches[0].id;
  if (matches.length === 0) throw new LookupError(`no ${noun} named "${ref}" here; list them, or pass the id`);
  throw new LookupError(`"${ref}" names ${matches.length} ${noun}s; pass the id instead`);
}

/**
 * A user by id, username or email. Instance admins search the instance's users; a tenant admin, who
 * may not list them, finds a user by exact email among those the tenant may invite.
 */
export async function userId(ctx: CommandContext, ref: string, tenantBase?: string): Promise<string> {
  if (isUuid(ref)) return ref;
  try {
    return await idOrName<{ id: string; username: string; email: string | null }>(
      ctx, ref, '/api/v1/users', [(u) => u.username, (u) => u.email], 'user',
    );
  } catch (error) {
    const refused = error instanceof ApiError && error.status === 403;
    if (!refused || !tenantBase || !ref.includes('@')) throw error;
    const found = await ctx.api<{ id: string }>('GET', `${tenantBase}/tenant-access/lookup`, { query: { email: ref } });
    return found.id;
  }
}
