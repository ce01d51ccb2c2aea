import { ProblemException } from '@gatehouse/errors';

/** Tenant-scoped handlers: the envelope's tenant (null = default tenant); instance level is not one. */
export function tenantOf(tenantId: string | null | undefined): string | null {
  if (tenantId === undefined) throw ProblemException.badRequest('This operation addresses a tenant: /api/v1/{tenant}/...');
  return tenantId;
}
