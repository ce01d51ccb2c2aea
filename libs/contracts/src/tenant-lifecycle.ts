import { ArrayMaxSize, IsArray, IsString, MaxLength } from 'class-validator';

/**
 * What tenancy asks of every service that holds tenant data (identity, authorization). They sit below
 * identity.ts, tenancy.ts and authorization.ts, so those files need not import each other for them.
 */

/** Per-tenant counts asked of the services that own the objects (for tenant searches). */
export class TenantCountsRequest {
  @IsArray() @ArrayMaxSize(500) @IsString({ each: true }) @MaxLength(63, { each: true })
  tenantIds: string[];
}

/** Tenancy's deletion saga to each service holding tenant data, before the deletion answers. */
export class RetireTenantRequest {
  @IsString() @MaxLength(63)
  tenantId: string;
}
