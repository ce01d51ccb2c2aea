import {
  IsArray, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateNested, ArrayMaxSize,
} from 'class-validator';
import { Type } from 'class-transformer';
import { ACTIONS, Action, Permission, PERMISSIONS, Scope } from './permissions';
import { event } from './events';
import { rpc, SubjectType } from './rpc';

export const NAMESPACE_PATTERN = /^[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*$/;

export class SubjectRef {
  @IsIn(['USER', 'SERVICE_ACCOUNT'])
  type: SubjectType;

  @IsUUID()
  id: string;
}

export class CheckRequest {
  @ValidateNested() @Type(() => SubjectRef)
  subject: SubjectRef;

  @IsIn(['TENANT', 'INSTANCE'])
  scope: Scope;

  /** Tenant of a TENANT-scoped check; null = the default tenant. */
  @IsOptional() @IsString() @MaxLength(63)
  tenantId?: string | null;

  @IsIn(PERMISSIONS as unknown as string[])
  permission: Permission;

  @IsIn(ACTIONS as unknown as string[])
  action: Action;

  @IsOptional() @IsString() @MaxLength(500) @Matches(NAMESPACE_PATTERN, { message: 'namespace must be dotted segments' })
  namespace?: string;
}

export interface Decision {
  allowed: boolean;
  /** Why: `super-admin`, `binding:<id>`, `group:<id>/binding:<id>`, or the reason for a deny. */
  reason: string;
  /**
   * For an allowed check without a namespace: null = every namespace, else the namespace prefixes the
   * subject may use (so a list can be filtered downstream).
   */
  namespaces?: string[] | null;
}

export class BatchCheckRequest {
  @IsArray() @ArrayMaxSize(1000) @ValidateNested({ each: true }) @Type(() => CheckRequest)
  checks: CheckRequest[];
}

export class ProvisionTenantRequest {
  @IsString() @MaxLength(63)
  tenantId: string;

  /** User who gets the tenant's Admin role. */
  @IsOptional() @ValidateNested() @Type(() => SubjectRef)
  admin?: SubjectRef;
}

export class GrantDefaultTenantAdminRequest {
  @ValidateNested() @Type(() => SubjectRef)
  admin: SubjectRef;
}

export interface ProvisionResult {
  tenantId: string | null;
  roles: number;
  adminBindingId: string | null;
}

export const AuthorizationRpc = {
  check: rpc<CheckRequest, Decision>('authorization.check.v1'),
  batchCheck: rpc<BatchCheckRequest, Decision[]>('authorization.check.batch.v1'),
  /** Idempotent: creates a tenant's managed roles and the Admin binding. */
  provisionTenant: rpc<ProvisionTenantRequest, ProvisionResult>('authorization.tenants.provision.v1'),
  /** Idempotent: managed roles of the default tenant plus an Admin binding there. */
  provisionDefaultTenant: rpc<GrantDefaultTenantAdminRequest, ProvisionResult>(
    'authorization.tenants.provision-default.v1',
  ),
} as const;

/** Core-NATS broadcast (no queue group): every authorization instance and gateway drops cached grants. */
export const AUTHORIZATION_INVALIDATE_SUBJECT = 'broadcast.authorization.invalidate.v1';
export interface InvalidateMessage {
  /** Subject ids whose grants changed; empty = everything. */
  subjectIds: string[];
}

/** An invitation to a tenant was created; notification emails the link. */
export interface InvitationCreated {
  invitationId: string;
  tenantId: string | null;
  email: string;
  /** Single-use secret of the acceptance link (only its hash is stored). */
  token: string;
  expiresAt: string;
  invitedBy: string | null;
}

export const AuthorizationNotificationEvents = {
  invitationCreated: event<InvitationCreated>('events.authorization.invitation.created.v1'),
} as const;
