import {
  ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength,
} from 'class-validator';
import { TokenPair, UserIdRequest } from './identity';
import { Nested, Optional, OptionalOrNull } from './input-rules';
import type { OidcHttpResponse } from './oidc';
import { Page, PageQuery } from './pagination';
import { rpc } from './rpc';

const SAML_ATTRIBUTE = /^[A-Za-z_][\w:./#-]{0,255}$/;

// ---------------------------------------------------------------------------------------------
// Federation (docs/federation.md): identity providers a user signs in with instead of (or besides) a
// Gatehouse password. Instance-wide (Super Admins and Instance Admins) or a tenant's own (its Admins).
// identity owns them; group mappings change memberships through authorization's grant guard.

export const IDENTITY_PROVIDER_TYPES = ['ldap', 'oidc', 'saml'] as const;
export type IdentityProviderType = (typeof IDENTITY_PROVIDER_TYPES)[number];

/** A provider's group (its name, or its DN for LDAP) that makes its users members of a Gatehouse group. */
export class GroupMapping {
  /** Compared without regard to case with the provider's group names and DNs. */
  @IsString() @MinLength(1) @MaxLength(500)
  providerGroup: string;

  /** The Gatehouse group's tenant: a tenant's own provider maps to its own tenant only (omit it); null = the default tenant. */
  @OptionalOrNull() @IsString() @MaxLength(63)
  tenantId?: string | null;

  @IsUUID()
  groupId: string;
}

/** The attributes of a directory entry read as the user's fields. */
export class LdapAttributeMapping {
  /** A stable identifier of the entry (`entryUUID`, `objectGUID` for Active Directory); links survive renames. */
  @Optional() @IsString() @Matches(/^[A-Za-z][A-Za-z0-9-]{0,63}$/)
  id?: string;

  @Optional() @IsString() @Matches(/^[A-Za-z][A-Za-z0-9-]{0,63}$/)
  username?: string;

  @Optional() @IsString() @Matches(/^[A-Za-z][A-Za-z0-9-]{0,63}$/)
  email?: string;

  @Optional() @IsString() @Matches(/^[A-Za-z][A-Za-z0-9-]{0,63}$/)
  firstName?: string;

  @Optional() @IsString() @Matches(/^[A-Za-z][A-Za-z0-9-]{0,63}$/)
  lastName?: string;
}

/** LDAP / Active Directory (ldapjs): the user is found with the service account, then verified by a bind as that entry. */
export class LdapSettings {
  /** `ldaps://host[:port]` or `ldap://host[:port]` (then `startTls` is required unless the host is loopback and allowed). */
  @IsString() @MaxLength(500)
  url: string;

  @Optional() @IsBoolean()
  startTls?: boolean;

  /** PEM of the CA that signs the directory's certificate, when it is not a public one. */
  @OptionalOrNull() @IsString() @MaxLength(20_000)
  caCertificate?: string | null;

  /** The service account that searches (empty: anonymous search). */
  @Optional() @IsString() @MaxLength(500)
  bindDn?: string;

  /** Write-only: stored encrypted, never answered (`bindPasswordSet` says whether there is one). */
  @Optional() @IsString() @MaxLength(1000)
  bindPassword?: string;

  @IsString() @MinLength(1) @MaxLength(500)
  userBase: string;

  /** `{login}` is replaced by the escaped sign-in name. Default `(|(uid={login})(mail={login}))`. */
  @Optional() @IsString() @MaxLength(1000)
  userFilter?: string;

  /** An entry must also match this to sign in (e.g. AD: `(!(userAccountControl:1.2.840.113556.1.4.803:=2))`); else it is disabled. */
  @OptionalOrNull() @IsString() @MaxLength(1000)
  activeFilter?: string | null;

  @Optional() @Nested(() => LdapAttributeMapping)
  attributes?: LdapAttributeMapping;

  /** Where groups are searched; none: no group search (group mappings then never match). */
  @OptionalOrNull() @IsString() @MaxLength(500)
  groupBase?: string | null;

  /** `{dn}` is the user's DN, `{login}` the sign-in name, both escaped. Default `(|(member={dn})(uniqueMember={dn}))`. */
  @Optional() @IsString() @MaxLength(1000)
  groupFilter?: string;

  /** Default `cn`. */
  @Optional() @IsString() @Matches(/^[A-Za-z][A-Za-z0-9-]{0,63}$/)
  groupNameAttribute?: string;

  /** Whether the directory's email addresses are verified (it alone sets them): only then does an address link an existing account. */
  @Optional() @IsBoolean()
  emailVerified?: boolean;

  /** Per operation (connect, bind, search), ms. Default 2000: a sign-in must answer within the gateway's RPC_TIMEOUT_MS. */
  @Optional() @IsInt() @Min(100) @Max(10_000)
  timeoutMs?: number;

  /** Connections kept to the directory for searches. Default 4. */
  @Optional() @IsInt() @Min(1) @Max(32)
  poolSize?: number;
}

/** Which claims of the id_token (or userinfo) fill the user's fields. */
export class OidcClaimMapping {
  @Optional() @IsString() @Matches(/^[A-Za-z_][A-Za-z0-9_:./-]{0,127}$/)
  username?: string;

  @Optional() @IsString() @Matches(/^[A-Za-z_][A-Za-z0-9_:./-]{0,127}$/)
  email?: string;

  @Optional() @IsString() @Matches(/^[A-Za-z_][A-Za-z0-9_:./-]{0,127}$/)
  firstName?: string;

  @Optional() @IsString() @Matches(/^[A-Za-z_][A-Za-z0-9_:./-]{0,127}$/)
  lastName?: string;

  @Optional() @IsString() @Matches(/^[A-Za-z_][A-Za-z0-9_:./-]{0,127}$/)
  groups?: string;
}

/** An upstream OpenID Connect provider (openid-client): discovery from the issuer, code flow with PKCE (S256), the client's secret sealed. */
export class OidcSettings {
  /** The issuer; its `/.well-known/openid-configuration` is read (https; http only to an allowed loopback host). */
  @IsString() @MaxLength(500)
  issuer: string;

  @IsString() @MinLength(1) @MaxLength(500)
  clientId: string;

  /** Write-only: stored encrypted (`clientSecretSet` says whether there is one); none = a public client (PKCE only). */
  @Optional() @IsString() @MaxLength(2000)
  clientSecret?: string;

  /** Default `openid profile email`; `openid` is always asked. */
  @Optional() @IsArray() @ArrayMaxSize(20) @IsString({ each: true }) @Matches(/^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/, { each: true, message: 'each of scopes must be a scope token' })
  scopes?: string[];

  @Optional() @Nested(() => OidcClaimMapping)
  claims?: OidcClaimMapping;

  /** `amr` values (RFC 8176) that mean the provider checked a second factor: then Gatehouse asks for none. Default mfa, otp, hwk, swk, sms, fpt, face. */
  @Optional() @IsArray() @ArrayMaxSize(20) @IsString({ each: true }) @Matches(/^[A-Za-z0-9_-]{1,32}$/, { each: true })
  mfaAmr?: string[];
}

/** Which attributes of a SAML assertion fill the user's fields (names as the IdP sends them: `email`, `urn:oid:...`, a claim URI). */
export class SamlAttributeMapping {
  /** null (the default): the assertion's NameID is the username. */
  @OptionalOrNull() @IsString() @Matches(SAML_ATTRIBUTE)
  username?: string | null;

  @Optional() @IsString() @Matches(SAML_ATTRIBUTE)
  email?: string;

  @Optional() @IsString() @Matches(SAML_ATTRIBUTE)
  firstName?: string;

  @Optional() @IsString() @Matches(SAML_ATTRIBUTE)
  lastName?: string;

  @Optional() @IsString() @Matches(SAML_ATTRIBUTE)
  groups?: string;
}

/**
 * A SAML 2.0 identity provider (@node-saml/node-saml): its metadata by URL or pasted; the IdP's entity id, SSO
 * URL and signing certificates are taken from it at each save. Assertions must be signed.
 */
export class SamlSettings {
  /** Where the IdP publishes its metadata (https; http only to an allowed loopback host); read at each save. */
  @OptionalOrNull() @IsString() @MaxLength(500)
  metadataUrl?: string | null;

  /** The IdP's metadata pasted (when it has no URL). One of metadataUrl and metadataXml is required. */
  @OptionalOrNull() @IsString() @MaxLength(200_000)
  metadataXml?: string | null;

  @Optional() @Nested(() => SamlAttributeMapping)
  attributes?: SamlAttributeMapping;

  /** Whether the IdP verifies the addresses it asserts: only then does an address link an existing account. Default false. */
  @Optional() @IsBoolean()
  emailVerified?: boolean;

  /** AuthnContextClassRef values meaning the IdP checked a second factor: then Gatehouse asks for none. */
  @Optional() @IsArray() @ArrayMaxSize(20) @IsString({ each: true }) @MaxLength(300, { each: true })
  mfaContexts?: string[];

  /** Clock skew allowed on NotBefore/NotOnOrAfter, seconds. Default 60. */
  @Optional() @IsInt() @Min(0) @Max(300)
  clockSkewSeconds?: number;
}

/** What the IdP's metadata said, as stored at the save. */
export interface SamlIdpView {
  entityId: string;
  ssoUrl: string;
  /** Its signing certificates: subject, validity, SHA-256 fingerprint. */
  certificates: Array<{ subject: string; notBefore: string; notAfter: string; fingerprint: string }>;
}

/** What is answered of SAML settings, the IdP's metadata as read, and what to register at the IdP (Gatehouse's SP). */
export type SamlSettingsView = Required<Omit<SamlSettings, 'attributes'>> & {
  attributes: Required<SamlAttributeMapping>;
  idp: SamlIdpView;
  /** Gatehouse's entity id (the audience), its assertion consumer service URL (HTTP-POST) and its metadata's URL. */
  spEntityId: string;
  acsUrl: string;
  spMetadataUrl: string;
};

/** What is answered of OIDC settings: everything but the client secret, and the redirect URI to register at the provider. */
export type OidcSettingsView = Required<Omit<OidcSettings, 'clientSecret' | 'claims'>> & {
  claims: Required<OidcClaimMapping>;
  clientSecretSet: boolean;
  redirectUri: string;
};

/** What is answered of LDAP settings: everything but the bind password. */
export type LdapSettingsView = Required<Omit<LdapSettings, 'bindPassword' | 'attributes'>> & {
  attributes: Required<LdapAttributeMapping>;
  bindPasswordSet: boolean;
};

export interface IdentityProviderView {
  id: string;
  /** INSTANCE: any user may sign in with it and its mappings reach any tenant; TENANT: a tenant's own. */
  scope: 'INSTANCE' | 'TENANT';
  /** The owning tenant of a TENANT provider (null = default tenant); absent for INSTANCE. */
  tenantId?: string | null;
  type: IdentityProviderType;
  name: string;
  enabled: boolean;
  /** Create a Gatehouse user at the first sign-in of someone the provider knows and no user is linked to. */
  jitProvisioning: boolean;
  /** Email domains whose users are sent to this provider (home-realm discovery); also which sign-in names it is asked about. */
  domains: string[];
  groupMappings: GroupMapping[];
  /** The admin whose permissions the group mappings and email links are judged against (who last configured it). */
  ownerId: string | null;
  /**
   * How long a session started by a sign-in through this provider (OIDC, SAML) lasts, refreshes included: then
   * the person signs in at the provider again, which refuses whoever it disabled or removed meanwhile.
   */
  sessionLifetimeSeconds: number;
  ldap?: LdapSettingsView;
  oidc?: OidcSettingsView;
  saml?: SamlSettingsView;
  createdAt: string;
  updatedAt: string;
}

/** A federated session's lifetime: 10 hours unless set (Keycloak's SSO Session Max), between 5 seconds and 30 days. */
export const SESSION_LIFETIME_LIMITS = { default: 36_000, min: 5, max: 2_592_000 } as const;

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** What creating and changing a provider share; each field left out keeps its default (or, on a change, its value). */
class IdentityProviderSettings {
  @Optional() @IsBoolean()
  enabled?: boolean;

  @Optional() @IsBoolean()
  jitProvisioning?: boolean;

  @Optional() @IsInt() @Min(SESSION_LIFETIME_LIMITS.min) @Max(SESSION_LIFETIME_LIMITS.max)
  sessionLifetimeSeconds?: number;

  @Optional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Matches(DOMAIN, { each: true, message: 'each of domains must be a lower-case domain name' })
  domains?: string[];

  @Optional() @IsArray() @ArrayMaxSize(200) @Nested(() => GroupMapping, { each: true })
  groupMappings?: GroupMapping[];

  /** On a change, replaces the settings; a bind password left out keeps the stored one. */
  @Optional() @Nested(() => LdapSettings)
  ldap?: LdapSettings;

  /** On a change, replaces the settings; a client secret left out keeps the stored one. */
  @Optional() @Nested(() => OidcSettings)
  oidc?: OidcSettings;

  /** On a change, replaces the settings (the metadata is read again). */
  @Optional() @Nested(() => SamlSettings)
  saml?: SamlSettings;
}

export class CreateIdentityProviderRequest extends IdentityProviderSettings {
  @IsIn(IDENTITY_PROVIDER_TYPES as unknown as string[])
  type: IdentityProviderType;

  @IsString() @MinLength(1) @MaxLength(100)
  name: string;
}

export class UpdateIdentityProviderRequest extends IdentityProviderSettings {
  @IsUUID()
  id: string;

  @Optional() @IsString() @MinLength(1) @MaxLength(100)
  name?: string;
}

export class IdentityProviderIdRequest {
  @IsUUID()
  id: string;
}

export class ListIdentityProvidersRequest extends PageQuery {}

/** Which step of a connection test failed, or `ok`. */
export type ConnectionStep = 'url' | 'dns' | 'connect' | 'tls' | 'bind' | 'search' | 'discovery' | 'jwks' | 'metadata' | 'certificate' | 'ok';

export interface ConnectionTestResult {
  ok: boolean;
  /** The step that failed (`ok` when none did). */
  step: ConnectionStep;
  detail: string;
  /** Each step tried, in order. */
  steps: Array<{ step: Exclude<ConnectionStep, 'ok'>; ok: boolean; detail: string }>;
}

export class TestIdentityProviderRequest {
  @IsUUID()
  id: string;

  /** Also look this sign-in name up (user search and group search), without any password. */
  @Optional() @IsString() @MinLength(1) @MaxLength(254)
  login?: string;
}

/** A user's link to an account at a provider (explicit admin link, a verified email, or just-in-time creation). */
export interface IdentityLinkView {
  providerId: string;
  providerName: string;
  providerType: IdentityProviderType;
  /** The account's stable id at the provider (LDAP: the id attribute, else the DN). */
  externalId: string;
  /** How the link was made. */
  linkedBy: 'ADMIN' | 'VERIFIED_EMAIL' | 'JIT';
  createdAt: string;
  lastSignInAt: string | null;
}

export class CreateIdentityLinkRequest {
  /** The provider (its id, path parameter). */
  @IsUUID()
  id: string;

  @IsUUID()
  userId: string;

  /** The account at the provider: for LDAP its sign-in name (searched in the directory); for OpenID Connect its subject (`sub`). */
  @IsString() @MinLength(1) @MaxLength(500)
  login: string;
}

export class IdentityLinkIdRequest {
  @IsUUID()
  id: string;

  @IsUUID()
  userId: string;
}

export class ListIdentityLinksRequest extends PageQuery {
  @IsUUID()
  id: string;
}

export interface IdentityLinkWithUser extends IdentityLinkView {
  userId: string;
  username: string;
}

/** A user's ways of signing in (seed 003's "Authentication" tab). */
export interface UserAuthenticationView {
  userId: string;
  /** Whether the user may sign in with a Gatehouse password (a federated-only user has none and no password flows). */
  password: boolean;
  links: IdentityLinkView[];
}

export class SetUserAuthenticationRequest {
  @IsUUID()
  id: string;

  /** false: federated only (the password is removed; needs a link to an enabled provider). true: a password may be set (reset link). */
  @IsBoolean()
  password: boolean;
}

/** A provider the sign-in page offers (enabled OIDC and SAML providers: instance-wide ones without domains, and those claiming the email's domain). */
export interface SignInProvider {
  id: string;
  name: string;
  type: IdentityProviderType;
}

export class ListSignInProvidersRequest {
  /** Home-realm discovery: the providers claiming this address's domain (and the instance-wide ones). */
  @Optional() @IsString() @MaxLength(254)
  email?: string;
}

export class StartFederatedSignInRequest {
  /** The provider (path parameter). */
  @IsUUID()
  id: string;

  /** The OpenID provider's interaction this sign-in is for (its uid); none: the console's own sign-in. */
  @Optional() @IsString() @Matches(/^[\w-]{1,64}$/)
  interaction?: string;
}

/** Where the browser goes (the provider's authorization endpoint), and a secret the page keeps (sessionStorage) to finish with. */
export interface FederatedSignInStart {
  redirectTo: string;
  /** Binds the callback to the browser that started it (login CSRF): sent back with the callback's query. */
  binding: string;
}

/** The provider's answer as the console's callback page received it (its query string), with the start's binding. */
export class CompleteFederatedSignInRequest {
  /** The callback's query string: `code`, `state`, `iss` (or `error`, `error_description`). */
  @IsString() @MinLength(1) @MaxLength(8000)
  query: string;

  @IsString() @MinLength(1) @MaxLength(200)
  binding: string;
}

/** Path of Gatehouse's SAML service provider for an identity provider: its metadata (GET) and assertion consumer service (POST). */
export const SAML_HTTP_PATHS = /^\/saml\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/(?:metadata|acs)(?:$|\?)/;

/** Largest body the SAML bridge carries (a signed response with a few certificates and attributes). */
export const SAML_HTTP_MAX_BODY_BYTES = 256 * 1024;

/** One HTTP request of the SAML service provider, carried over NATS like the OpenID provider's (OidcHttpRequest). */
export class SamlHttpRequest {
  @IsIn(['GET', 'POST'])
  method: 'GET' | 'POST';

  @IsString() @MaxLength(8192) @Matches(SAML_HTTP_PATHS, { message: 'url must address a SAML service provider' })
  url: string;

  @IsObject()
  headers: Record<string, string>;

  @Optional() @IsString() @MaxLength(SAML_HTTP_MAX_BODY_BYTES)
  body?: string;
}

export const FederationRpc = {
  createProvider: rpc<CreateIdentityProviderRequest, IdentityProviderView>('identity.identity-providers.create.v1'),
  listProviders: rpc<ListIdentityProvidersRequest, Page<IdentityProviderView>>('identity.identity-providers.list.v1'),
  getProvider: rpc<IdentityProviderIdRequest, IdentityProviderView>('identity.identity-providers.get.v1'),
  updateProvider: rpc<UpdateIdentityProviderRequest, IdentityProviderView>('identity.identity-providers.update.v1'),
  deleteProvider: rpc<IdentityProviderIdRequest, void>('identity.identity-providers.delete.v1'),
  testProvider: rpc<TestIdentityProviderRequest, ConnectionTestResult>('identity.identity-providers.test.v1'),
  listLinks: rpc<ListIdentityLinksRequest, Page<IdentityLinkWithUser>>('identity.identity-providers.links.list.v1'),
  createLink: rpc<CreateIdentityLinkRequest, IdentityLinkWithUser>('identity.identity-providers.links.create.v1'),
  deleteLink: rpc<IdentityLinkIdRequest, void>('identity.identity-providers.links.delete.v1'),
  getUserAuthentication: rpc<UserIdRequest, UserAuthenticationView>('identity.users.authentication.get.v1'),
  setUserAuthentication: rpc<SetUserAuthenticationRequest, UserAuthenticationView>('identity.users.authentication.set.v1'),
  /** Public: the providers a sign-in page offers. */
  signInProviders: rpc<ListSignInProvidersRequest, SignInProvider[]>('identity.federation.sign-in-providers.v1'),
  /** Public: the start of a sign-in at an OpenID Connect provider (state, nonce, PKCE kept server-side). */
  startSignIn: rpc<StartFederatedSignInRequest, FederatedSignInStart>('identity.federation.start.v1'),
  /** Public (browser session step): the provider's answer, exchanged and checked; answers the session like a sign-in. */
  completeSignIn: rpc<CompleteFederatedSignInRequest, TokenPair>('identity.federation.complete.v1'),
  /** Gateway only (HTTP bridge): a SAML provider's SP metadata and assertion consumer service. */
  samlHttp: rpc<SamlHttpRequest, OidcHttpResponse>('identity.federation.saml.http.v1'),
} as const;

// ---------------------------------------------------------------------------------------------
// Authorization's side of group mappings: judged by the grant guard like any membership.

/** Saving a mapping: whoever configures it must be able to add anyone to each group (the group's future members). */
export class FederationMappingCheckRequest {
  @IsArray() @ArrayMaxSize(200) @IsUUID('all', { each: true })
  groupIds: string[];
}

/** At each sign-in: the user becomes a member of exactly `wantedGroupIds` among `managedGroupIds` (the mapping's groups of the tenant). */
export class FederationMembershipSyncRequest {
  @IsUUID()
  userId: string;

  @IsArray() @ArrayMaxSize(200) @IsUUID('all', { each: true })
  managedGroupIds: string[];

  @IsArray() @ArrayMaxSize(200) @IsUUID('all', { each: true })
  wantedGroupIds: string[];

  @IsUUID()
  providerId: string;
}

export interface FederationMembershipSyncResult {
  added: string[];
  removed: string[];
}

export const FederationGroupsRpc = {
  checkMapping: rpc<FederationMappingCheckRequest, void>('authorization.federation.mapping-check.v1'),
  syncMemberships: rpc<FederationMembershipSyncRequest, FederationMembershipSyncResult>('authorization.federation.sync-memberships.v1'),
} as const;

