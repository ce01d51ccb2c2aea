import {
  ArrayMaxSize, IsArray, IsBoolean, IsEmail, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength,
} from 'class-validator';
import { event } from './events';
import { PageQuery, Page } from './pagination';
import { rpc, SubjectType } from './rpc';

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
  authMethod: 'PASSWORD';
  createdAt: string;
  updatedAt: string;
}

/** What authorization needs about a subject on every decision (its read model is fed by events). */
export interface SubjectFacts {
  id: string;
  type: SubjectType;
  superAdmin: boolean;
  disabled: boolean;
  /** Monotonic per subject; a projection applies a fact only if it is newer. */
  version: number;
}

export class UsernameField {
  @IsString() @MinLength(1) @MaxLength(254)
  @Matches(/^[^\s:]+$/, { message: 'username must not contain spaces or colons' })
  username: string;
}

export class CreateUserRequest extends UsernameField {
  /** Required unless the username itself is an email address. */
  @IsOptional() @IsEmail() @MaxLength(254)
  email?: string;

  @IsString() @MaxLength(1024)
  password: string;

  @IsOptional() @IsString() @MaxLength(100)
  firstName?: string;

  @IsOptional() @IsString() @MaxLength(100)
  lastName?: string;

  @IsOptional() @IsBoolean()
  superAdmin?: boolean;
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
  @IsOptional() @IsString() @MaxLength(512)
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
  userCount: number;
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
  /** Exact, case-insensitive email match: how a tenant admin finds an existing user to add. */
  findUserByEmail: rpc<FindUserByEmailRequest, UserView>('identity.users.find-by-email.v1'),
  requestPasswordReset: rpc<RequestPasswordResetRequest, PasswordResetRequestResult>('identity.passwords.request-reset.v1'),
} as const;

export const IdentityEvents = {
  subjectChanged: event<SubjectFacts>('events.identity.subject.changed.v1'),
} as const;

/** Domain events notification turns into email (see notification's templates). */
export interface PasswordResetRequested {
  userId: string;
  email: string;
  username: string;
  /** The single-use secret of the link (only its hash is stored by identity). */
  token: string;
  expiresAt: string;
  reason: 'FORGOT_PASSWORD' | 'ADMIN_REQUEST';
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
} as const;
