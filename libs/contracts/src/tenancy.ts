import { IsDateString, IsIn, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { AuditEntry, AUDIT_TYPES, AuditType } from './audit';
import { event } from './events';
import { CreateUserRequest } from './identity';
import { Optional, OptionalOrNull } from './input-rules';
import { Page, PageQuery } from './pagination';
import { rpc } from './rpc';

export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
/**
 * Path segment that addresses the default (null-id) tenant: `/api/v1/default/...`.
 * It can never be a real tenant's id, so every tenant-scoped path has exactly one meaning.
 */
export const DEFAULT_TENANT_SEGMENT = 'default';
/** Ids refused for tenants because they would shadow an instance-level path or the default tenant. */
export const RESERVED_TENANT_IDS = [
  DEFAULT_TENANT_SEGMENT, 'api', 'setup', 'tenants', 'users', 'me', 'login', 'logout', 'token', 'session',
  'forgotten-password', 'reset-password', 'validate-password', 'verify-email', 'well-known', 'health', 'docs', 'ui',
  'acls', 'roles', 'bindings', 'invitations', 'notifications', 'auditlogs', 'metrics', 'authz', 'identity-providers',
] as const;

export type TenantStatus = 'PROVISIONING' | 'ACTIVE' | 'DELETED';

export interface TenantCounts {
  /** Users with access there (a binding or a group membership), counted up to TOTAL_CAP (see usersCapped). */
  users: number;
  /** True when more than TOTAL_CAP users have access: `users` is then a lower bound. */
  usersCapped?: true;
  groups: number;
  serviceAccounts: number;
}

export interface TenantView {
  /** In searches and reads: how many users, groups and service accounts the tenant has. */
  counts?: TenantCounts;
  id: string;
  name: string;
  workerGroup: string | null;
  status: TenantStatus;
  createdAt: string;
  updatedAt: string;
}

export class TenantIdField {
  @IsString()
  @Matches(TENANT_ID_PATTERN, {
    message: 'id must be 2-63 characters of lowercase letters, digits and dashes, starting with a letter or digit',
  })
  id: string;
}

export class CreateTenantRequest extends TenantIdField {
  @IsString() @MinLength(1) @MaxLength(200)
  name: string;

  /** null = none, as when omitted. */
  @OptionalOrNull() @IsString() @MaxLength(100)
  workerGroup?: string | null;

  /** Username or email of the user who becomes the tenant's Admin; defaults to the creator. */
  @Optional() @IsString() @MaxLength(254)
  adminUser?: string;
}

export class GetTenantRequest extends TenantIdField {}

export class UpdateTenantRequest extends TenantIdField {
  @Optional() @IsString() @MinLength(1) @MaxLength(200)
  name?: string;

  /** null clears it. */
  @OptionalOrNull() @IsString() @MaxLength(100)
  workerGroup?: string | null;
}

export class DeleteTenantRequest extends TenantIdField {}

export class AuditSearchRequest extends PageQuery {
  /** Actor subject id. */
  @Optional() @IsUUID()
  actor?: string;

  @Optional() @IsIn(AUDIT_TYPES as unknown as string[])
  type?: AuditType;

  @Optional() @IsString() @MaxLength(64)
  resourceType?: string;

  @Optional() @IsString() @MaxLength(200)
  resourceId?: string;

  /** ISO-8601 instant, inclusive. */
  @Optional() @IsDateString()
  from?: string;

  /** ISO-8601 instant, exclusive. */
  @Optional() @IsDateString()
  to?: string;
}

export interface AuditLogView extends AuditEntry {
  id: string;
  source: string;
}

export class ListTenantsRequest extends PageQuery {}

export class SetupRequest extends CreateUserRequest {
  /** First tenant to create when multi-tenancy is on without a default tenant. */
  @Optional() @IsString() @Matches(TENANT_ID_PATTERN, { message: 'tenant must be a valid tenant id' })
  tenant?: string;
}

export interface MultiTenancySettings {
  enabled: boolean;
  defaultTenant: boolean;
}

export interface SetupStatus {
  setupComplete: boolean;
  multiTenancy: MultiTenancySettings;
  passwordPolicy: { minLength: number };
}

export interface SetupResult {
  user: { id: string; username: string; superAdmin: boolean };
  tenant: TenantView | null;
}

/** What `sync-access` changed: users who had access before multi-tenancy now have it in the default tenant. */
export interface SyncAccessResult {
  /** The default tenant's default role given to users without access; null = none is marked, nothing granted. */
  defaultRole: string | null;
  usersExamined: number;
  usersGranted: number;
  /** Ids of the users who were given access (at most the first 1000). */
  grantedUserIds: string[];
}

export const TenancyRpc = {
  setupStatus: rpc<Record<string, never>, SetupStatus>('tenancy.setup.status.v1'),
  /** The effective multi-tenancy settings (cheap; the gateway caches them). */
  settings: rpc<Record<string, never>, MultiTenancySettings>('tenancy.settings.get.v1'),
  setup: rpc<SetupRequest, SetupResult>('tenancy.setup.run.v1'),
  /** Operator command (CLI `auths users sync-access`): idempotent; reports what it changed. */
  syncAccess: rpc<Record<string, never>, SyncAccessResult>('tenancy.access.sync.v1'),
  createTenant: rpc<CreateTenantRequest, TenantView>('tenancy.tenants.create.v1'),
  getTenant: rpc<GetTenantRequest, TenantView>('tenancy.tenants.get.v1'),
  listTenants: rpc<ListTenantsRequest, Page<TenantView>>('tenancy.tenants.list.v1'),
  updateTenant: rpc<UpdateTenantRequest, TenantView>('tenancy.tenants.update.v1'),
  deleteTenant: rpc<DeleteTenantRequest, void>('tenancy.tenants.delete.v1'),
  /** The audit trail of the request's tenant (AUDITLOG READ there). */
  searchAudit: rpc<AuditSearchRequest, Page<AuditLogView>>('tenancy.audit.search.v1'),
  /** Instance-level entries: tenant lifecycle, user management (Super Admins). */
  searchInstanceAudit: rpc<AuditSearchRequest, Page<AuditLogView>>('tenancy.audit.search-instance.v1'),
} as const;

export const TenancyEvents = {
  tenantCreated: event<{ tenant: TenantView }>('events.tenancy.tenant.created.v1'),
  /**
   * A tenant was deleted: every service removes what it keeps for that tenant (idempotently) and keeps
   * users and the audit trail.
   */
  tenantDeleted: event<{ tenantId: string; deletedBy: string | null }>('events.tenancy.tenant.deleted.v1'),
} as const;
