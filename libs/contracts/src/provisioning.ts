import { Allow, IsBoolean, IsIn, IsInt, IsObject, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Optional, OptionalOrNull } from './input-rules';
import { Page, PageQuery } from './pagination';
import { rpc } from './rpc';

// ---------------------------------------------------------------------------------------------
// Provisioning integrations (tenant-scoped; identity owns them): a directory pushes users and groups
// over SCIM 2.0 to /api/v1/{tenant}/integrations/{id}/scim/v2 with the integration's bearer secret.

/** Every integration secret starts with this, so a leaked one is easy to grep for (and the gateway tells it from an API token). */
export const INTEGRATION_SECRET_PREFIX = 'ghscim_';

export interface IntegrationView {
  id: string;
  /** null = the default tenant. */
  tenantId: string | null;
  name: string;
  /** A disabled integration's secret is refused (401) until it is enabled again. */
  enabled: boolean;
  /** The admin who created it: the integration acts with this user's permissions, and stops when they are lost. */
  ownerId: string;
  /** The secret's first characters, to recognise it. */
  secretPrefix: string;
  secretCreatedAt: string;
  lastUsedAt: string | null;
  /** Path of the SCIM base URL, under the gateway. */
  scimPath: string;
  createdAt: string;
  updatedAt: string;
}

/** The only answers that carry the secret: creation and rotation. */
export interface IntegrationWithSecret extends IntegrationView {
  secret: string;
}

export class CreateIntegrationRequest {
  @IsString() @MinLength(1) @MaxLength(100)
  name: string;

  /** Default true. */
  @Optional() @IsBoolean()
  enabled?: boolean;
}

export class UpdateIntegrationRequest {
  @IsUUID()
  id: string;

  @Optional() @IsString() @MinLength(1) @MaxLength(100)
  name?: string;

  @Optional() @IsBoolean()
  enabled?: boolean;
}

export class IntegrationIdRequest {
  @IsUUID()
  id: string;
}

export class ListIntegrationsRequest extends PageQuery {}

export class ResolveIntegrationSecretRequest {
  @IsString() @MaxLength(512)
  secret: string;
}

/** What the gateway learns from an integration secret: who acts (the owner) and where the secret is good. */
export interface ResolvedIntegration {
  integrationId: string;
  tenantId: string | null;
  ownerId: string;
}

export const SCIM_ENDPOINTS = ['ServiceProviderConfig', 'ResourceTypes', 'Schemas', 'Users', 'Groups'] as const;
export type ScimEndpoint = (typeof SCIM_ENDPOINTS)[number];
export const SCIM_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type ScimMethod = (typeof SCIM_METHODS)[number];

/**
 * One SCIM request as the gateway admitted it (the integration's secret verified, its owner's permission
 * checked): identity's provisioning context answers it. The body is the parsed JSON, judged by SCIM's rules.
 */
export class ScimRequest {
  @IsIn(SCIM_ENDPOINTS as unknown as string[])
  endpoint: ScimEndpoint;

  @IsIn(SCIM_METHODS as unknown as string[])
  method: ScimMethod;

  @IsUUID()
  integrationId: string;

  /** The resource's id (Users/{id}, Groups/{id}) or the schema or resource type asked for. */
  @Optional() @IsString() @MinLength(1) @MaxLength(300)
  resourceId?: string;

  @IsObject()
  query: Record<string, unknown>;

  @Allow()
  body?: unknown;

  @Optional() @IsString() @MaxLength(1000)
  ifMatch?: string;

  @Optional() @IsString() @MaxLength(1000)
  ifNoneMatch?: string;
}

/** The SCIM answer, written by the gateway as application/scim+json (errors are thrown as problems with `scimType`). */
export interface ScimResponse {
  status: number;
  body?: unknown;
  etag?: string;
  location?: string;
}

export const ProvisioningRpc = {
  createIntegration: rpc<CreateIntegrationRequest, IntegrationWithSecret>('identity.integrations.create.v1'),
  listIntegrations: rpc<ListIntegrationsRequest, Page<IntegrationView>>('identity.integrations.list.v1'),
  getIntegration: rpc<IntegrationIdRequest, IntegrationView>('identity.integrations.get.v1'),
  updateIntegration: rpc<UpdateIntegrationRequest, IntegrationView>('identity.integrations.update.v1'),
  deleteIntegration: rpc<IntegrationIdRequest, void>('identity.integrations.delete.v1'),
  /** A new secret (shown once); the old one stops working at once. */
  rotateIntegrationSecret: rpc<IntegrationIdRequest, IntegrationWithSecret>('identity.integrations.rotate-secret.v1'),
  /** Gateway only: `Authorization: Bearer ghscim_...`. */
  resolveIntegrationSecret: rpc<ResolveIntegrationSecretRequest, ResolvedIntegration>('identity.integrations.resolve-secret.v1'),
  /** Every SCIM 2.0 request of an integration (the gateway's SCIM routes). */
  scim: rpc<ScimRequest, ScimResponse>('identity.scim.request.v1'),
} as const;

// ---------------------------------------------------------------------------------------------
// SCIM groups: a tenant's groups as SCIM sees them (authorization owns groups and memberships; identity's
// provisioning context speaks SCIM and asks for these). Only user members are SCIM's to see and change.

export interface ScimGroupRecord {
  id: string;
  displayName: string;
  externalId: string | null;
  /** The user members' ids; absent when not asked for. */
  memberIds?: string[];
  created: string;
  lastModified: string;
  /** Changes whenever the name, externalId or a user member does: meta.version and the ETag. */
  version: string;
}

export class ScimGroupListRequest {
  /** A SCIM filter (RFC 7644 §3.4.2.2) over id, externalId, displayName, members(.value), meta.created, meta.lastModified. */
  @Optional() @IsString() @MaxLength(4096)
  filter?: string;

  @IsInt() @Min(1) @Max(2_000_000_000)
  startIndex: number;

  @IsInt() @Min(0) @Max(1000)
  count: number;

  @Optional() @IsString() @MaxLength(300)
  sortBy?: string;

  @IsIn(['ascending', 'descending'])
  sortOrder: 'ascending' | 'descending';

  @IsBoolean()
  withMembers: boolean;
}

export class ScimGroupGetRequest {
  @IsUUID()
  id: string;

  @IsBoolean()
  withMembers: boolean;
}

/** A group's whole SCIM state (POST, PUT, and PATCH once applied): members are user ids, set as given. */
export class ScimGroupWriteRequest {
  /** Absent for a creation. */
  @Optional() @IsUUID()
  id?: string;

  /** A group's name (at most 100 characters, as any group's). */
  @IsString() @MinLength(1) @MaxLength(100)
  displayName: string;

  @OptionalOrNull() @IsString() @MaxLength(500)
  externalId?: string | null;

  @IsUUID('all', { each: true })
  memberIds: string[];

  /** Refused with 412 unless the group is still at this version (If-Match, and a PATCH's read-modify-write). */
  @Optional() @IsString() @MaxLength(100)
  ifVersion?: string;
}

export class ScimGroupDeleteRequest {
  @IsUUID()
  id: string;

  @Optional() @IsString() @MaxLength(100)
  ifVersion?: string;
}

export const ScimGroupsRpc = {
  list: rpc<ScimGroupListRequest, { total: number; results: ScimGroupRecord[] }>('authorization.scim-groups.list.v1'),
  get: rpc<ScimGroupGetRequest, ScimGroupRecord>('authorization.scim-groups.get.v1'),
  create: rpc<ScimGroupWriteRequest, ScimGroupRecord>('authorization.scim-groups.create.v1'),
  replace: rpc<ScimGroupWriteRequest, ScimGroupRecord>('authorization.scim-groups.replace.v1'),
  delete: rpc<ScimGroupDeleteRequest, void>('authorization.scim-groups.delete.v1'),
  /** The groups (id, displayName) each of these users is in, in the tenant: a SCIM user's `groups`. */
  groupsOfUsers: rpc<ScimUsersGroupsRequest, Record<string, Array<{ id: string; displayName: string }>>>('authorization.scim-groups.of-users.v1'),
} as const;

export class ScimUsersGroupsRequest {
  @IsUUID('all', { each: true })
  userIds: string[];
}
