import { ProblemException } from '@gatehouse/errors';

/** Storage key of a tenant: its id, or '' for the default tenant (never a valid tenant id). */
export function tenantKeyOf(tenantId: string | null | undefined): string {
  if (tenantId === undefined) throw ProblemException.badRequest('This resource is tenant-scoped: address it under /api/v1/{tenant}/');
  return tenantId ?? '';
}

export function tenantIdOf(tenantKey: string): string | null {
  return tenantKey === '' ? null : tenantKey;
}
