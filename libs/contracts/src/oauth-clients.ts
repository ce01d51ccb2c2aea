import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { Optional, OptionalOrNull } from './input-rules';
import { Page, PageQuery } from './pagination';
import { rpc } from './rpc';

// ---------------------------------------------------------------------------------------------
// OAuth clients (tenant-scoped; identity owns them, its OIDC provider reads them)

export const OAUTH_CLIENT_TYPES = ['public', 'confidential'] as const;
export type OAuthClientType = (typeof OAUTH_CLIENT_TYPES)[number];

export const OAUTH_CLIENT_OWNER_TYPES = ['USER', 'SERVICE_ACCOUNT'] as const;
export type OAuthClientOwnerType = (typeof OAUTH_CLIENT_OWNER_TYPES)[number];

/** RFC 8693 token exchange: Gatehouse uses it for impersonation (docs/oidc.md). */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/**
 * `client_credentials` only for a confidential client owned by a service account (it acts as that account);
 * token exchange (impersonation) only for a confidential client.
 */
export const OAUTH_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials', TOKEN_EXCHANGE_GRANT_TYPE] as const;
export type OAuthGrantType = (typeof OAUTH_GRANT_TYPES)[number];

export const OAUTH_SCOPES = ['openid', 'profile', 'email', 'offline_access', 'tenant', 'roles', 'groups'] as const;
export type OAuthScope = (typeof OAUTH_SCOPES)[number];

/** Every client secret starts with this, so a leaked one is easy to grep for. */
export const OAUTH_CLIENT_SECRET_PREFIX = 'ghcs_';

/** Redirect and post-logout redirect URIs per client. */
export const OAUTH_MAX_REDIRECT_URIS = 20;
export const OAUTH_REDIRECT_URI_MAX_LENGTH = 2000;

export interface OAuthClientView {
  id: string;
  /** null = the default tenant. */
  tenantId: string | null;
  /** The public identifier the client presents to the provider (random, URL-safe). */
  clientId: string;
  name: string;
  description: string | null;
  type: OAuthClientType;
  ownerType: OAuthClientOwnerType;
  ownerId: string;
  /** Matched exactly (no prefix or wildcard match). */
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /** OpenID Connect back-channel logout: where the provider POSTs a logout token when a session of the client ends; null = none. */
  backchannelLogoutUri: string | null;
  grantTypes: OAuthGrantType[];
  scopes: OAuthScope[];
  /** Sign-ins through a first-party client skip the consent screen. */
  firstParty: boolean;
  /** When the current secret was issued; null for a public client (never has a secret). */
  secretCreatedAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** Who created it (user or service-account id, or the internal service). */
  createdBy: string | null;
}

/** The only answers that carry the secret: creation (confidential clients) and rotation. */
export interface OAuthClientWithSecret extends OAuthClientView {
  clientSecret: string;
}

/** Creation answers the secret of a confidential client once; a public client has none. */
export type CreatedOAuthClient = OAuthClientView & { clientSecret?: string };

class OAuthClientUris {
  @Optional() @IsArray() @ArrayMaxSize(OAUTH_MAX_REDIRECT_URIS) @IsString({ each: true }) @MaxLength(OAUTH_REDIRECT_URI_MAX_LENGTH, { each: true })
  redirectUris?: string[];

  @Optional() @IsArray() @ArrayMaxSize(OAUTH_MAX_REDIRECT_URIS) @IsString({ each: true }) @MaxLength(OAUTH_REDIRECT_URI_MAX_LENGTH, { each: true })
  postLogoutRedirectUris?: string[];

  /** https, or http on localhost/127.0.0.1/[::1]; no fragment. null clears it. */
  @OptionalOrNull() @IsString() @MaxLength(OAUTH_REDIRECT_URI_MAX_LENGTH)
  backchannelLogoutUri?: string | null;

  @Optional() @IsArray() @ArrayMinSize(1) @ArrayUnique() @IsIn(OAUTH_GRANT_TYPES as unknown as string[], { each: true })
  grantTypes?: OAuthGrantType[];

  @Optional() @IsArray() @ArrayUnique() @IsIn(OAUTH_SCOPES as unknown as string[], { each: true })
  scopes?: OAuthScope[];

  @Optional() @IsBoolean()
  firstParty?: boolean;
}

export class CreateOAuthClientRequest extends OAuthClientUris {
  @IsString() @MinLength(1) @MaxLength(100)
  name: string;

  /** null = none, as when omitted. */
  @OptionalOrNull() @IsString() @MaxLength(1000)
  description?: string | null;

  @IsIn(OAUTH_CLIENT_TYPES as unknown as string[])
  type: OAuthClientType;

  /** Default: the caller's own kind (a user, or a service account calling with its token). */
  @Optional() @IsIn(OAUTH_CLIENT_OWNER_TYPES as unknown as string[])
  ownerType?: OAuthClientOwnerType;

  /** Default: the caller, when ownerType is the caller's kind. A service account must be of this tenant. */
  @Optional() @IsUUID()
  ownerId?: string;
}

/** Type and owner are fixed at creation (create another client to change them). */
export class UpdateOAuthClientRequest extends OAuthClientUris {
  @IsUUID()
  id: string;

  @Optional() @IsString() @MinLength(1) @MaxLength(100)
  name?: string;

  /** null clears it. */
  @OptionalOrNull() @IsString() @MaxLength(1000)
  description?: string | null;
}

export class OAuthClientIdRequest {
  @IsUUID()
  id: string;
}

export class ListOAuthClientsRequest extends PageQuery {}

export const OAuthClientsRpc = {
  create: rpc<CreateOAuthClientRequest, CreatedOAuthClient>('identity.oauth-clients.create.v1'),
  list: rpc<ListOAuthClientsRequest, Page<OAuthClientView>>('identity.oauth-clients.list.v1'),
  get: rpc<OAuthClientIdRequest, OAuthClientView>('identity.oauth-clients.get.v1'),
  update: rpc<UpdateOAuthClientRequest, OAuthClientView>('identity.oauth-clients.update.v1'),
  delete: rpc<OAuthClientIdRequest, void>('identity.oauth-clients.delete.v1'),
  /** A new secret (shown once); the old one stops working at once. Confidential clients only. */
  rotateSecret: rpc<OAuthClientIdRequest, OAuthClientWithSecret>('identity.oauth-clients.rotate-secret.v1'),
} as const;
