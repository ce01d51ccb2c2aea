import {
  ArrayMaxSize, buildMessage, IsArray, IsBoolean, IsEmail, IsIn, IsInt, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength,
  ValidateBy, ValidationOptions,
} from 'class-validator';
import { event, SealedSecret } from './events';
import { Nested, Optional, OptionalOrNull } from './input-rules';
import { PageQuery, Page } from './pagination';
import { rpc, SubjectType } from './rpc';
import type { RetireTenantRequest, TenantCountsRequest } from './tenant-lifecycle';

export const USER_STATUSES = ['ACTIVE', 'DISABLED'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export interface UserView {
  id: string;
  username: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  superAdmin: boolean;
  status: UserStatus;
  /** PASSWORD: a Gatehouse password (and any identity provider the user is linked to); FEDERATED: identity providers only (docs/federation.md). */
  authMethod: 'PASSWORD' | 'FEDERATED';
  /** Locked after too many failed sign-ins (until `lockedUntil`). */
  lockedUntil: string | null;
  /** An admin requested a reset: the user must set a new password before signing in. */
  passwordChangeRequired: boolean;
  /** The user proved they receive mail at `email` (a confirmation link, an accepted invitation). */
  emailVerified: boolean;
  /** An email change waiting for its confirmation link to be used; `email` stays until then. */
  pendingEmail: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * What authorization needs about a subject on every decision, and a user's names for a tenant's user search (its read
 * model). One type for both ways identity hands it over: the `identity.subject.changed` event and the direct
 * `applySubjectFacts` RPC, whose handler validates it against these rules (an unknown field is refused).
 */
export class SubjectFacts {
  @IsUUID()
  id: string;

  @IsIn(['USER', 'SERVICE_ACCOUNT'])
  type: SubjectType;

  @IsBoolean()
  superAdmin: boolean;

  @IsBoolean()
  disabled: boolean;

  /** Monotonic per subject; a projection applies a fact only if it is newer. */
  @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER)
  version: number;

  /** A user's searchable names (a tenant's users are searched in authorization's read model); absent for service accounts. */
  @OptionalOrNull() @IsString() @MaxLength(1024)
  username?: string | null;

  @OptionalOrNull() @IsString() @MaxLength(1024)
  email?: string | null;

  /** First and last name, space-separated; null when neither is set. */
  @OptionalOrNull() @IsString() @MaxLength(1024)
  displayName?: string | null;
}

export class UsernameField {
  @IsString() @MinLength(1) @MaxLength(254)
  @Matches(/^[^\s:]+$/, { message: 'username must not contain spaces or colons' })
  username: string;
}

export class CreateUserRequest extends UsernameField {
  /** Required unless the username itself is an email address. */
  @Optional() @IsEmail() @MaxLength(254)
  email?: string;

  @IsString() @MaxLength(1024)
  password: string;

  /** null = none, as when omitted. */
  @OptionalOrNull() @IsString() @MaxLength(100)
  firstName?: string | null;

  /** null = none, as when omitted. */
  @OptionalOrNull() @IsString() @MaxLength(100)
  lastName?: string | null;

  @Optional() @IsBoolean()
  superAdmin?: boolean;

  /**
   * The address is known to be the user's (an accepted invitation; a Super Admin vouching for it): no
   * verification email. Internal callers and Super Admins only.
   */
  @Optional() @IsBoolean()
  emailVerified?: boolean;
}

export class GetUserRequest {
  @IsUUID()
  id: string;
}

export class ListUsersRequest extends PageQuery {}

export class LoginRequest {
  /** Username or email. */
  @IsString() @MinLength(1) @MaxLength(254)
  username: string;

  @IsString() @MinLength(1) @MaxLength(1024)
  password: string;
}

export class RefreshRequest {
  @IsString() @MinLength(1) @MaxLength(512)
  refreshToken: string;
}

export class LogoutRequest {
  @Optional() @IsString() @MaxLength(512)
  refreshToken?: string;
}

export interface TokenPair {
  tokenType: 'Bearer';
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
}

export interface Jwks {
  keys: Array<Record<string, unknown>>;
}

export interface PasswordPolicy {
  minLength: number;
}

export interface IdentitySetupStatus {
  /** Whether any user exists (asked on every anonymous GET /setup: an EXISTS, never a count of all users). */
  hasUsers: boolean;
  passwordPolicy: PasswordPolicy;
}

export class SubjectFactsRequest {
  @IsUUID()
  id: string;
}

export class ValidatePasswordRequest {
  @IsString() @MaxLength(1024)
  password: string;
}

export interface PasswordValidation {
  valid: boolean;
  errors: string[];
}

export class FindUserByUsernameRequest {
  @IsString() @MinLength(1) @MaxLength(254)
  username: string;
}

export class GetUsersByIdsRequest {
  @IsArray() @ArrayMaxSize(1000) @IsUUID('all', { each: true })
  ids: string[];
}

export class FindUserByEmailRequest {
  @IsEmail() @MaxLength(254)
  email: string;
}

/** Admin-requested mandatory reset: each user must set a new password at next login and gets an email. */
export class RequestPasswordResetRequest {
  @IsArray() @ArrayMaxSize(1000) @IsUUID('all', { each: true })
  userIds: string[];
}

export interface PasswordResetRequestResult {
  requested: number;
}

// ---------------------------------------------------------------------------------------------
// User management

const NAME_FIELD_MAX = 100;

export class UpdateUserRequest {
  @IsUUID()
  id: string;

  /** null clears it. */
  @OptionalOrNull() @IsString() @MaxLength(NAME_FIELD_MAX)
  firstName?: string | null;

  /** null clears it. */
  @OptionalOrNull() @IsString() @MaxLength(NAME_FIELD_MAX)
  lastName?: string | null;

  /** Only a Super Admin may change someone's email (DESIGN §3). */
  @Optional() @IsEmail() @MaxLength(254)
  email?: string;

  /** Granting or revoking needs a Super Admin caller. */
  @Optional() @IsBoolean()
  superAdmin?: boolean;
}

export class UserIdRequest {
  @IsUUID()
  id: string;
}

/** A Super Admin sets another user's password; nobody else can. */
export class SetUserPasswordRequest {
  @IsUUID()
  id: string;

  @IsString() @MaxLength(1024)
  password: string;
}

export class UpdateMeRequest {
  /** null clears it. */
  @OptionalOrNull() @IsString() @MaxLength(NAME_FIELD_MAX)
  firstName?: string | null;

  /** null clears it. */
  @OptionalOrNull() @IsString() @MaxLength(NAME_FIELD_MAX)
  lastName?: string | null;
}

// ---------------------------------------------------------------------------------------------
// Email verification and change (docs/accounts.md)

/** A signed-in user asks to change their email: applied once the new address confirms it. */
export class ChangeOwnEmailRequest {
  @IsEmail() @MaxLength(254)
  email: string;

  /** The current password: a stolen session alone must not move the account to another address. */
  @IsString() @MinLength(1) @MaxLength(1024)
  password: string;
}

/** The link's token: verifies the address, or applies the pending email change. */
export class MarkEmailVerifiedRequest {
  @IsUUID()
  userId: string;

  /** Marked only while this is still the user's address. */
  @IsEmail() @MaxLength(254)
  email: string;
}

export class VerifyEmailRequest {
  @IsString() @MinLength(1) @MaxLength(512)
  token: string;
}

export interface EmailVerificationResult {
  /** `VERIFIED`: the current address is verified; `CHANGED`: the pending email became the account's. */
  outcome: 'VERIFIED' | 'CHANGED';
  email: string;
}

/** Whether a link was sent, and to which address (the pending one when a change waits, else the current one). */
export interface EmailVerificationSent {
  email: string;
  expiresAt: string;
}

// ---------------------------------------------------------------------------------------------
// Password flows

export class ChangeOwnPasswordRequest {
  @IsString() @MinLength(1) @MaxLength(1024)
  oldPassword: string;

  @IsString() @MaxLength(1024)
  newPassword: string;

  /**
   * Revokes every other session (refresh tokens) of the user; the current one stays. Default true (ASVS
   * V3.3.3); false keeps them.
   */
  @Optional() @IsBoolean()
  endOtherSessions?: boolean;
}

export class ForgottenPasswordRequest {
  @IsEmail() @MaxLength(254)
  email: string;
}

export class ResetPasswordRequest {
  @IsString() @MinLength(1) @MaxLength(512)
  token: string;

  @IsString() @MaxLength(1024)
  password: string;
}

// ---------------------------------------------------------------------------------------------
// Service accounts (tenant-scoped)

export const SERVICE_ACCOUNT_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export interface ServiceAccountView {
  id: string;
  /** null = the default tenant. */
  tenantId: string | null;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

export class CreateServiceAccountRequest {
  @IsString() @Matches(SERVICE_ACCOUNT_NAME_PATTERN, {
    message: 'name must be a DNS label: 1-63 lowercase letters, digits and dashes, not starting or ending with a dash',
  })
  name: string;

  /** null = none, as when omitted. */
  @OptionalOrNull() @IsString() @MaxLength(1000)
  description?: string | null;
}

export class UpdateServiceAccountRequest {
  @IsUUID()
  id: string;

  @Optional() @IsString() @Matches(SERVICE_ACCOUNT_NAME_PATTERN, {
    message: 'name must be a DNS label: 1-63 lowercase letters, digits and dashes, not starting or ending with a dash',
  })
  name?: string;

  /** null clears it. */
  @OptionalOrNull() @IsString() @MaxLength(1000)
  description?: string | null;
}

export class ServiceAccountIdRequest {
  @IsUUID()
  id: string;
}

export class ListServiceAccountsRequest extends PageQuery {}

// ---------------------------------------------------------------------------------------------
// API tokens

/** ISO-8601 duration with date and/or time parts, e.g. `P30D`, `PT12H`, `P1Y2M`. */
export const ISO_DURATION_PATTERN = /^P(?!$)(\d{1,6}Y)?(\d{1,6}M)?(\d{1,6}W)?(\d{1,6}D)?(T(?=\d)(\d{1,7}H)?(\d{1,9}M)?(\d{1,10}S)?)?$/;

/** Every API token starts with this, so a leaked one is easy to grep for and to tell from a JWT. */
export const API_TOKEN_PREFIX = 'gh_';

export interface ApiTokenView {
  id: string;
  name: string;
  description: string | null;
  /** The first characters of the secret (e.g. `gh_AbCd1234`), shown so a token can be recognised. */
  prefix: string;
  maxAge: string | null;
  extended: boolean;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

/** The only answer that carries the secret. */
/** An impersonation token (docs/oidc.md): use it as a bearer token; drop it to stop. */
export interface ImpersonationToken {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds. */
  expiresIn: number;
  /** Who the token acts as, and who acts (the `act` claim). */
  user: { id: string; username: string };
  impersonator: { id: string };
  /** null = the default tenant. */
  tenantId: string | null;
}

export interface CreatedApiToken extends ApiTokenView {
  token: string;
}

export class CreateApiTokenRequest {
  @IsString() @MinLength(1) @MaxLength(100)
  name: string;

  /** null = none, as when omitted. */
  @OptionalOrNull() @IsString() @MaxLength(1000)
  description?: string | null;

  /** ISO-8601 duration; absent = never expires. */
  @Optional() @IsString() @MaxLength(40) @Matches(ISO_DURATION_PATTERN, { message: 'maxAge must be an ISO-8601 duration such as P30D or PT12H' })
  maxAge?: string;

  /** Each use pushes the expiry out by maxAge. */
  @Optional() @IsBoolean()
  extended?: boolean;
}

export class ListApiTokensRequest extends PageQuery {}

export class ApiTokenIdRequest {
  @IsUUID()
  tokenId: string;
}

export class CreateServiceAccountApiTokenRequest extends CreateApiTokenRequest {
  /** The service account. */
  @IsUUID()
  id: string;
}

export class ListServiceAccountApiTokensRequest extends PageQuery {
  @IsUUID()
  id: string;
}

export class ServiceAccountApiTokenIdRequest {
  @IsUUID()
  id: string;

  @IsUUID()
  tokenId: string;
}

/** An admin's request about a user's API tokens: `{t}/users/{id}/api-tokens`, `/users/{id}/api-tokens`. */
export class CreateUserApiTokenRequest extends CreateApiTokenRequest {
  /** The user. */
  @IsUUID()
  id: string;
}

export class ListUserApiTokensRequest extends PageQuery {
  @IsUUID()
  id: string;
}

export class UserApiTokenIdRequest {
  @IsUUID()
  id: string;

  @IsUUID()
  tokenId: string;
}

// ---------------------------------------------------------------------------------------------
// Sessions (a sign-in: one refresh-token family; docs/accounts.md)

/** One live session of a user: where it was last refreshed from and when. */
export interface SessionView {
  /** The refresh-token family (the `sid` of its access tokens). */
  id: string;
  /** The User-Agent header of the sign-in or of the latest refresh (cut at 512 characters). */
  userAgent: string | null;
  /** The client address of the sign-in or of the latest refresh. */
  ip: string | null;
  createdAt: string;
  /** The sign-in or the latest refresh. */
  lastUsedAt: string;
  /** When its refresh token expires unless refreshed. */
  expiresAt: string;
  /** The session of the access token that made this request. */
  current: boolean;
}

/** Sortable: `lastUsedAt` (default, newest first), `createdAt`; `q` matches the device (User-Agent) or address. */
export class ListSessionsRequest extends PageQuery {}

export class SessionIdRequest {
  @IsUUID()
  sessionId: string;
}

export class ListUserSessionsRequest extends PageQuery {
  /** The user. */
  @IsUUID()
  id: string;
}

export class UserSessionIdRequest {
  /** The user. */
  @IsUUID()
  id: string;

  @IsUUID()
  sessionId: string;
}

/** Ending several sessions at once: how many were still live. */
export interface EndedSessions {
  ended: number;
}

// ---------------------------------------------------------------------------------------------
// Credentials the gateway resolves through identity (API tokens, Basic)

export class ResolveApiTokenRequest {
  @IsString() @MinLength(1) @MaxLength(512)
  token: string;
}

export class VerifyBasicRequest {
  @IsString() @MinLength(1) @MaxLength(254)
  username: string;

  @IsString() @MinLength(1) @MaxLength(1024)
  password: string;

  /** The client's address as seen by the gateway, for per-IP throttling. */
  @Optional() @IsString() @MaxLength(64)
  ip?: string;
}

export interface ResolvedCredential {
  type: SubjectType;
  id: string;
  /** API tokens: the token's id and expiry (null = never), so the gateway's cache never outlives it. */
  tokenId?: string;
  expiresAt?: string | null;
}

/** JOSE `typ` of the short-lived tokens the gateway hands to upstream HTTP services (`x-gatehouse-token`). */
export const INTERNAL_TOKEN_TYP = 'gatehouse-internal+jwt';

/** Gateway only: a short-lived token (signed with the current JWKS key) vouching for a verified caller to one upstream. */
export class IssueInternalTokenRequest {
  @IsUUID()
  subjectId: string;

  @IsIn(['USER', 'SERVICE_ACCOUNT'])
  subjectType: SubjectType;

  /** The tenant of the request (null = the default tenant); omitted for an instance-level route. */
  @OptionalOrNull() @IsString() @MaxLength(63)
  tenantId?: string | null;

  /** The upstream's name in the routes file: the token's `aud`. */
  @IsString() @MinLength(1) @MaxLength(200)
  audience: string;
}

export interface InternalToken {
  token: string;
  /** Seconds from now. */
  expiresIn: number;
}

/**
 * Core-NATS broadcast (no queue group) from identity after a commit, before it answers: every gateway
 * refuses the revoked credentials at once instead of waiting for a cache TTL or a token's expiry.
 */
export const IDENTITY_CREDENTIALS_REVOKED_SUBJECT = 'broadcast.identity.credentials-revoked.v1';
export interface CredentialsRevoked {
  /** Access tokens of these sessions (JWT `sid` = refresh-token family) are refused from now on. */
  sessionIds: string[];
  /** Cached API tokens and Basic credentials of these subjects are dropped (disable, delete, password change). */
  subjectIds: string[];
  /** API tokens revoked or deleted. */
  tokenIds: string[];
}

/** One page of the recent revocations, in session id order (a page is a NATS message: 1 MB at most). */
export class RecentRevocationsQuery {
  /** The previous page's `next`. */
  @Optional() @IsUUID()
  after?: string;
}

export interface RecentRevocations {
  /** Sessions revoked within the longest access-token lifetime, with the instant (epoch ms) of revocation. */
  sessions: Array<{ id: string; at: number }>;
  /** More follow: ask again with `after: next`. */
  next?: string;
}

// ---------------------------------------------------------------------------------------------
// Per-tenant user settings

export const EDITOR_KEYMAPS = ['default', 'vim', 'emacs'] as const;
export const THEMES = ['light', 'dark', 'system'] as const;

export class EditorPreferences {
  @Optional() @IsInt() @Min(8) @Max(48)
  fontSize?: number;

  @Optional() @IsInt() @Min(1) @Max(16)
  tabSize?: number;

  @Optional() @IsBoolean()
  wordWrap?: boolean;

  @Optional() @IsIn(EDITOR_KEYMAPS as unknown as string[])
  keymap?: (typeof EDITOR_KEYMAPS)[number];
}

/** Area/Location names and the like (`UTC`, `Etc/GMT+5`); never a UTC offset, which some engines also accept. */
const TIME_ZONE_NAME = /^[A-Za-z]+(?:[/_+-][A-Za-z0-9_+-]+)*$/;

/** A time zone of the IANA database as the runtime's Intl knows it, links (`Asia/Calcutta`) included. */
export function isIanaTimeZone(value: unknown): boolean {
  if (typeof value !== 'string' || !TIME_ZONE_NAME.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export function IsIanaTimeZone(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIanaTimeZone',
      validator: {
        validate: isIanaTimeZone,
        defaultMessage: buildMessage((each) => `${each}$property must be an IANA time zone such as Europe/Paris`, options),
      },
    },
    options,
  );
}

/** A PUT replaces the whole document: null, like omission, leaves a preference unset (as a read shows it). */
export class UserSettingsFields {
  @OptionalOrNull() @IsIn(THEMES as unknown as string[])
  theme?: (typeof THEMES)[number] | null;

  @Optional() @Nested(() => EditorPreferences)
  editor?: EditorPreferences;

  /** IANA time zone, e.g. `Europe/Paris`. */
  @OptionalOrNull() @IsString() @MaxLength(64) @IsIanaTimeZone()
  timezone?: string | null;

  @OptionalOrNull() @IsString() @MaxLength(500) @Matches(/^[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*$/, { message: 'defaultNamespace must be dotted segments' })
  defaultNamespace?: string | null;
}

/** PUT replaces the whole document. */
export class PutUserSettingsRequest extends UserSettingsFields {}

export interface UserSettingsView {
  tenantId: string | null;
  theme: (typeof THEMES)[number] | null;
  editor: EditorPreferences;
  timezone: string | null;
  defaultNamespace: string | null;
  updatedAt: string | null;
}

// ---------------------------------------------------------------------------------------------
/** The RFC 9457 `type` slugs identity answers with, so clients can branch on them. */
export const IDENTITY_PROBLEMS = {
  passwordChangeRequired: 'password-change-required',
  tooManyAttempts: 'too-many-attempts',
  invalidResetToken: 'invalid-reset-token',
  invalidEmailVerificationToken: 'invalid-email-verification-token',
} as const;

export const IdentityRpc = {
  setupStatus: rpc<Record<string, never>, IdentitySetupStatus>('identity.setup.status.v1'),
  /** Creates the first user as Super Admin; 409 once any user exists. */
  createFirstUser: rpc<CreateUserRequest, UserView>('identity.setup.create-first-user.v1'),
  login: rpc<LoginRequest, TokenPair>('identity.sessions.login.v1'),
  refresh: rpc<RefreshRequest, TokenPair>('identity.sessions.refresh.v1'),
  logout: rpc<LogoutRequest, void>('identity.sessions.logout.v1'),
  jwks: rpc<Record<string, never>, Jwks>('identity.keys.jwks.v1'),
  subjectFacts: rpc<SubjectFactsRequest, SubjectFacts>('identity.subjects.facts.v1'),
  createUser: rpc<CreateUserRequest, UserView>('identity.users.create.v1'),
  getUser: rpc<GetUserRequest, UserView>('identity.users.get.v1'),
  findUserByUsername: rpc<FindUserByUsernameRequest, UserView>('identity.users.find-by-username.v1'),
  listUsers: rpc<ListUsersRequest, Page<UserView>>('identity.users.list.v1'),
  me: rpc<Record<string, never>, UserView>('identity.me.get.v1'),
  validatePassword: rpc<ValidatePasswordRequest, PasswordValidation>('identity.passwords.validate.v1'),
  /** Users by id (unknown ids are skipped), for views that join identity data, e.g. a tenant's users. */
  getUsersByIds: rpc<GetUsersByIdsRequest, UserView[]>('identity.users.get-many.v1'),
  /** Users' subject facts by id (unknown ids are skipped): authorization fills in the names its read model lacks. */
  usersFacts: rpc<GetUsersByIdsRequest, SubjectFacts[]>('identity.users.facts-many.v1'),
  /** Exact, case-insensitive email match: how a tenant admin finds an existing user to add. */
  findUserByEmail: rpc<FindUserByEmailRequest, UserView>('identity.users.find-by-email.v1'),
  requestPasswordReset: rpc<RequestPasswordResetRequest, PasswordResetRequestResult>('identity.passwords.request-reset.v1'),

  updateUser: rpc<UpdateUserRequest, UserView>('identity.users.update.v1'),
  deleteUser: rpc<UserIdRequest, void>('identity.users.delete.v1'),
  disableUser: rpc<UserIdRequest, UserView>('identity.users.disable.v1'),
  enableUser: rpc<UserIdRequest, UserView>('identity.users.enable.v1'),
  unlockUser: rpc<UserIdRequest, UserView>('identity.users.unlock.v1'),
  /** Admin-requested reset of one user (the route form of requestPasswordReset). */
  requestUserPasswordReset: rpc<UserIdRequest, PasswordResetRequestResult>('identity.users.request-password-reset.v1'),
  setUserPassword: rpc<SetUserPasswordRequest, void>('identity.users.set-password.v1'),
  updateMe: rpc<UpdateMeRequest, UserView>('identity.me.update.v1'),

  changeOwnPassword: rpc<ChangeOwnPasswordRequest, void>('identity.passwords.change.v1'),
  forgottenPassword: rpc<ForgottenPasswordRequest, void>('identity.passwords.forgotten.v1'),
  resetPassword: rpc<ResetPasswordRequest, void>('identity.passwords.reset.v1'),

  createServiceAccount: rpc<CreateServiceAccountRequest, ServiceAccountView>('identity.service-accounts.create.v1'),
  listServiceAccounts: rpc<ListServiceAccountsRequest, Page<ServiceAccountView>>('identity.service-accounts.list.v1'),
  /** Service accounts per tenant id (tenant searches). */
  countServiceAccounts: rpc<TenantCountsRequest, Record<string, number>>('identity.service-accounts.count.v1'),
  getServiceAccount: rpc<ServiceAccountIdRequest, ServiceAccountView>('identity.service-accounts.get.v1'),
  updateServiceAccount: rpc<UpdateServiceAccountRequest, ServiceAccountView>('identity.service-accounts.update.v1'),
  deleteServiceAccount: rpc<ServiceAccountIdRequest, void>('identity.service-accounts.delete.v1'),

  createMyApiToken: rpc<CreateApiTokenRequest, CreatedApiToken>('identity.api-tokens.create-own.v1'),
  listMyApiTokens: rpc<ListApiTokensRequest, Page<ApiTokenView>>('identity.api-tokens.list-own.v1'),
  deleteMyApiToken: rpc<ApiTokenIdRequest, void>('identity.api-tokens.delete-own.v1'),
  createServiceAccountApiToken: rpc<CreateServiceAccountApiTokenRequest, CreatedApiToken>('identity.api-tokens.create-for-service-account.v1'),
  listServiceAccountApiTokens: rpc<ListServiceAccountApiTokensRequest, Page<ApiTokenView>>('identity.api-tokens.list-for-service-account.v1'),
  deleteServiceAccountApiToken: rpc<ServiceAccountApiTokenIdRequest, void>('identity.api-tokens.delete-for-service-account.v1'),
  /**
   * An admin manages a user's API tokens: the caller must hold everything the user holds (act-for) and,
   * in a tenant, the user must have access there.
   */
  createUserApiToken: rpc<CreateUserApiTokenRequest, CreatedApiToken>('identity.api-tokens.create-for-user.v1'),
  listUserApiTokens: rpc<ListUserApiTokensRequest, Page<ApiTokenView>>('identity.api-tokens.list-for-user.v1'),
  deleteUserApiToken: rpc<UserApiTokenIdRequest, void>('identity.api-tokens.delete-for-user.v1'),
  /**
   * `POST {t}/users/{id}/impersonate`: the same token exchange as the provider's (RFC 8693), for the caller:
   * an access token of the user with an `act` claim naming the caller, good in this tenant only, short-lived,
   * never refreshed (grant guard: authorization.grants.impersonate.v1). Audited (IMPERSONATE).
   */
  impersonateUser: rpc<UserIdRequest, ImpersonationToken>('identity.impersonation.start.v1'),

  /** Starts an email change of the caller (current password required); the new address gets a confirmation link, the old one a notice. */
  changeOwnEmail: rpc<ChangeOwnEmailRequest, EmailVerificationSent>('identity.email.change-own.v1'),
  /** Sends the caller's confirmation link again (the pending change's, else the unverified address's); rate limited. */
  resendEmailVerification: rpc<Record<string, never>, EmailVerificationSent>('identity.email.resend-verification.v1'),
  /** Withdraws the caller's pending email change. */
  cancelEmailChange: rpc<Record<string, never>, UserView>('identity.email.cancel-change.v1'),
  /** Public: the emailed link's token, single use, expiring. */
  verifyEmail: rpc<VerifyEmailRequest, EmailVerificationResult>('identity.email.verify.v1'),
  /** Internal (authorization): an accepted invitation sent to `email` proves the user receives mail there. */
  markEmailVerified: rpc<MarkEmailVerifiedRequest, void>('identity.email.mark-verified.v1'),

  /** Own sessions: list, end one, end every other (the caller's current one stays). */
  listMySessions: rpc<ListSessionsRequest, Page<SessionView>>('identity.sessions.list-own.v1'),
  endMySession: rpc<SessionIdRequest, void>('identity.sessions.end-own.v1'),
  endMyOtherSessions: rpc<Record<string, never>, EndedSessions>('identity.sessions.end-others.v1'),
  /**
   * An admin's view of a user's sessions (an account action): in a tenant, the user must have access
   * there and every tenant the user is in must be within the caller's reach (authorization's tenant
   * boundary); a Super Admin's sessions are for Super Admins only.
   */
  listUserSessions: rpc<ListUserSessionsRequest, Page<SessionView>>('identity.sessions.list-for-user.v1'),
  endUserSession: rpc<UserSessionIdRequest, void>('identity.sessions.end-for-user.v1'),
  endUserSessions: rpc<UserIdRequest, EndedSessions>('identity.sessions.end-all-for-user.v1'),

  /** Gateway only: an API token secret to its subject (401 if unknown, revoked, expired or its owner is disabled). */
  resolveApiToken: rpc<ResolveApiTokenRequest, ResolvedCredential>('identity.credentials.resolve-api-token.v1'),
  /** Gateway only: `Authorization: Basic`, with the same lockout and throttling as login. */
  verifyBasic: rpc<VerifyBasicRequest, ResolvedCredential>('identity.credentials.verify-basic.v1'),
  /** Gateway start-up: revocations still relevant (within the access-token lifetime). */
  recentRevocations: rpc<RecentRevocationsQuery, RecentRevocations>('identity.credentials.recent-revocations.v1'),
  /** Gateway only: the optional signed internal token an upstream can verify with the JWKS. */
  issueInternalToken: rpc<IssueInternalTokenRequest, InternalToken>('identity.tokens.issue-internal.v1'),

  getMySettings: rpc<Record<string, never>, UserSettingsView>('identity.settings.get-own.v1'),
  putMySettings: rpc<PutUserSettingsRequest, UserSettingsView>('identity.settings.put-own.v1'),

  /**
   * Idempotent, internal (tenancy): the tenant's service accounts, API tokens and settings accept no
   * write from the commit on, before the deletion answers. They are removed with `tenant.deleted`.
   */
  retireTenant: rpc<RetireTenantRequest, void>('identity.tenants.retire.v1'),
} as const;

export const IdentityEvents = {
  subjectChanged: event<SubjectFacts>('events.identity.subject.changed.v1'),
} as const;

/** Domain events notification turns into email (see notification's templates). */
export interface PasswordResetRequested {
  userId: string;
  email: string;
  username: string;
  /**
   * The single-use secret of the link, sealed with LINK_TOKEN_ENCRYPTION_KEYS and bound to `userId`
   * (purpose `password-reset`): identity stores only its hash, the outbox and the events stream only this;
   * notification opens it to write the link.
   */
  sealedToken: SealedSecret;
  expiresAt: string;
  /**
   * Why the link was issued: the user's forgotten-password request, or an administrator requiring a
   * new password. Events published before the rename may still carry `FORGOT_PASSWORD` (read it as
   * FORGOTTEN_PASSWORD; notification does).
   */
  reason: 'FORGOTTEN_PASSWORD' | 'ADMIN_REQUEST';
  /** Username of the admin who asked, for ADMIN_REQUEST. */
  requestedBy?: string | null;
}

export interface AccountLocked {
  userId: string;
  email: string;
  username: string;
  lockedUntil: string;
}

export interface UserCreated {
  userId: string;
  email: string;
  username: string;
  firstName: string | null;
}

/**
 * A confirmation link for an address: the account's at creation (`ACCOUNT_CREATED`), a new address of an
 * email change (`EMAIL_CHANGE`, `previousEmail` is told), or one sent again (`RESEND`).
 */
export interface EmailVerificationRequested {
  userId: string;
  username: string;
  /** The address to confirm (the link goes there). */
  email: string;
  /**
   * The single-use secret of the link, sealed with LINK_TOKEN_ENCRYPTION_KEYS and bound to `userId`
   * (purpose `email-verification`): identity stores only its hash, the outbox and the events stream only
   * this; notification opens it to write the link.
   */
  sealedToken: SealedSecret;
  expiresAt: string;
  reason: 'ACCOUNT_CREATED' | 'EMAIL_CHANGE' | 'RESEND';
  /** For EMAIL_CHANGE: the account's current address, told of the request. */
  previousEmail: string | null;
}

/** The account's email changed (a confirmed change, or a Super Admin's): the previous address is told. */
export interface EmailChanged {
  userId: string;
  username: string;
  previousEmail: string;
  email: string;
  /** `CONFIRMED` by the user's link, or `ADMIN` (a Super Admin set it). */
  by: 'CONFIRMED' | 'ADMIN';
}

/** An administrator reset a user's second factors: the user is told (at a verified address only). */
export interface MfaReset {
  userId: string;
  username: string;
  email: string;
  /** Who reset them (a username), when known. */
  resetBy: string | null;
}

export interface ApiTokenExpiring {
  tokenId: string;
  name: string;
  ownerEmail: string;
  expiresAt: string;
}

export const IdentityNotificationEvents = {
  passwordResetRequested: event<PasswordResetRequested>('events.identity.password-reset.requested.v1'),
  accountLocked: event<AccountLocked>('events.identity.account.locked.v1'),
  userCreated: event<UserCreated>('events.identity.user.created.v1'),
  apiTokenExpiring: event<ApiTokenExpiring>('events.identity.api-token.expiring.v1'),
  emailVerificationRequested: event<EmailVerificationRequested>('events.identity.email-verification.requested.v1'),
  emailChanged: event<EmailChanged>('events.identity.email.changed.v1'),
  mfaReset: event<MfaReset>('events.identity.mfa.reset.v1'),
} as const;
