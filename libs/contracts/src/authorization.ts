import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsEmail, IsIn, IsObject, IsString, IsUUID, Matches, MaxLength,
  MinLength,
} from 'class-validator';
import { Nested, Optional, OptionalOrNull } from './input-rules';
import { ACTIONS, Action, Permission, PermissionGrid, PERMISSIONS, Scope } from './permissions';
import { event, SealedSecret } from './events';
import { PasswordResetRequestResult, SubjectFacts, UsernameField, UserView } from './identity';
import type { RetireTenantRequest, TenantCountsRequest } from './tenant-lifecycle';
import { Page, PageQuery } from './pagination';
import { rpc, SubjectType } from './rpc';

export const NAMESPACE_PATTERN = /^[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*$/;

export class SubjectRef {
  @IsIn(['USER', 'SERVICE_ACCOUNT'])
  type: SubjectType;

  @IsUUID()
  id: string;
}

/** The question of a check: a permission and action, optionally at one namespace (asked for the caller itself). */
export class SelfCheck {
  @IsIn(PERMISSIONS as unknown as string[])
  permission: Permission;

  @IsIn(ACTIONS as unknown as string[])
  action: Action;

  @Optional() @IsString() @MaxLength(500) @Matches(NAMESPACE_PATTERN, { message: 'namespace must be dotted segments' })
  namespace?: string;
}

/** The same question asked about a subject, in a tenant or at instance level. */
export class CheckRequest extends SelfCheck {
  @Nested(() => SubjectRef)
  subject: SubjectRef;

  @IsIn(['TENANT', 'INSTANCE'])
  scope: Scope;

  /** Tenant of a TENANT-scoped check; null = the default tenant. */
  @OptionalOrNull() @IsString() @MaxLength(63)
  tenantId?: string | null;
}

/** Machine-readable deny codes the gateway maps to a status (tenant-not-found → 404). */
export const DECISION_TENANT_NOT_FOUND = 'tenant-not-found';

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
  @IsArray() @ArrayMaxSize(1000) @Nested(() => CheckRequest, { each: true })
  checks: CheckRequest[];
}

export class ProvisionTenantRequest {
  @IsString() @MaxLength(63)
  tenantId: string;

  /** User who gets the tenant's Admin role. */
  @Optional() @Nested(() => SubjectRef)
  admin?: SubjectRef;
}

export class GrantDefaultTenantAdminRequest {
  @Nested(() => SubjectRef)
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
  /** What may this subject do in this tenant (or at instance level), optionally at one namespace. */
  subjectPermissions: rpc<SubjectPermissionsRequest, Page<EffectivePermission>>('authorization.subjects.permissions.v1'),
  /** Which bindings (direct or through groups) grant a check, or why none does. */
  explain: rpc<CheckRequest, Explanation>('authorization.check.explain.v1'),
  /** Decisions for the signed-in caller (UIs hide what the user may not do). */
  checkSelf: rpc<SelfCheckRequest, Decision[]>('authorization.check.self.v1'),
  /** Explain one decision for the signed-in caller (`POST /{tenant}/acls/explain`). */
  explainSelf: rpc<SelfCheck, Explanation>('authorization.check.explain-self.v1'),
  /** `GET /{tenant}/users/{id}/permissions`: a subject's effective permissions in the tenant with origins. */
  userPermissions: rpc<UserPermissionsRequest, Page<EffectivePermission>>('authorization.users.permissions.v1'),

  /**
   * Identity calls this after committing a change of a subject's flags (Super Admin, disabled) and before
   * answering, so the very next request is decided on the new facts; the durable
   * `identity.subject.changed` event stays the path that never loses a change.
   */
  applySubjectFacts: rpc<SubjectFacts, void>('authorization.subjects.apply-facts.v1'),

  catalogue: rpc<Record<string, never>, PermissionCatalogue>('authorization.catalogue.permissions.v1'),
  templates: rpc<Record<string, never>, RoleTemplate[]>('authorization.catalogue.templates.v1'),

  listRoles: rpc<ListRolesRequest, Page<RoleView>>('authorization.roles.list.v1'),
  getRole: rpc<IdRequest, RoleView>('authorization.roles.get.v1'),
  createRole: rpc<CreateRoleRequest, RoleView>('authorization.roles.create.v1'),
  updateRole: rpc<UpdateRoleRequest, RoleView>('authorization.roles.update.v1'),
  deleteRole: rpc<IdRequest, void>('authorization.roles.delete.v1'),

  listGroups: rpc<ListGroupsRequest, Page<GroupView>>('authorization.groups.list.v1'),
  getGroup: rpc<IdRequest, GroupView>('authorization.groups.get.v1'),
  createGroup: rpc<CreateGroupRequest, GroupView>('authorization.groups.create.v1'),
  updateGroup: rpc<UpdateGroupRequest, GroupView>('authorization.groups.update.v1'),
  deleteGroup: rpc<IdRequest, void>('authorization.groups.delete.v1'),
  listGroupMembers: rpc<ListGroupMembersRequest, Page<GroupMemberView>>('authorization.groups.members.list.v1'),
  addGroupMember: rpc<AddGroupMemberRequest, GroupMemberView>('authorization.groups.members.add.v1'),
  removeGroupMember: rpc<GroupMemberRequest, void>('authorization.groups.members.remove.v1'),
  listUserGroups: rpc<ListUserGroupsRequest, Page<GroupView>>('authorization.users.groups.list.v1'),
  addUserToGroup: rpc<UserGroupRequest, GroupMemberView>('authorization.users.groups.add.v1'),
  removeUserFromGroup: rpc<UserGroupRequest, void>('authorization.users.groups.remove.v1'),
  /** Admin-requested password reset of every user of the group (identity's requestPasswordReset). */
  requestGroupPasswordReset: rpc<IdRequest, PasswordResetRequestResult>('authorization.groups.password-reset.v1'),

  searchBindings: rpc<SearchBindingsRequest, Page<BindingView>>('authorization.bindings.search.v1'),
  getBinding: rpc<IdRequest, BindingView>('authorization.bindings.get.v1'),
  createBinding: rpc<CreateBindingRequest, BindingView>('authorization.bindings.create.v1'),
  createBindings: rpc<BulkCreateBindingsRequest, BindingView[]>('authorization.bindings.create-many.v1'),
  deleteBinding: rpc<IdRequest, void>('authorization.bindings.delete.v1'),

  listTenantAccess: rpc<PageQuery, Page<TenantAccessEntry>>('authorization.tenant-access.list.v1'),
  findTenantUser: rpc<FindTenantUserRequest, TenantUserCandidate>('authorization.tenant-access.find.v1'),
  addTenantAccess: rpc<AddTenantAccessRequest, TenantAccessEntry>('authorization.tenant-access.add.v1'),
  removeTenantAccess: rpc<TenantAccessUserRequest, void>('authorization.tenant-access.remove.v1'),
  /**
   * `GET /me/tenants`: the live tenants the caller can reach, for the console's switcher: where it has a
   * binding or a group membership; every one for a Super Admin or a holder of TENANT at instance level.
   */
  reachableTenants: rpc<Record<string, never>, { results: ReachableTenant[] }>('authorization.tenant-access.reachable.v1'),
  /** Users with access and groups, per tenant id (tenant searches). */
  countTenantMembers: rpc<TenantCountsRequest, Record<string, { users: number; usersCapped?: true; groups: number }>>('authorization.tenant-access.count.v1'),
  /**
   * sync-access: each listed user without access in the default tenant joins it (gets its default role).
   * Idempotent; internal (tenancy) only.
   */
  joinDefaultTenant: rpc<JoinDefaultTenantRequest, JoinDefaultTenantResult>('authorization.tenant-access.join-default.v1'),

  listInvitations: rpc<ListInvitationsRequest, Page<InvitationView>>('authorization.invitations.list.v1'),
  getInvitation: rpc<IdRequest, InvitationView>('authorization.invitations.get.v1'),
  createInvitation: rpc<CreateInvitationRequest, InvitationView>('authorization.invitations.create.v1'),
  deleteInvitation: rpc<IdRequest, void>('authorization.invitations.delete.v1'),
  acceptInvitation: rpc<AcceptInvitationRequest, AcceptedInvitation>('authorization.invitations.accept.v1'),

  /** Admin-requested mandatory password reset of one user of the tenant (tenant boundary: docs/access-model.md). */
  requestTenantUserPasswordReset: rpc<IdRequest, PasswordResetRequestResult>('authorization.tenant-access.password-reset.v1'),

  /**
   * The grant guard's credential rule, asked by identity before it mints or resets a credential for
   * another subject: the caller must hold everything that subject holds. Answers nothing, or a 403 problem.
   */
  assertMayActFor: rpc<ActForRequest, void>('authorization.grants.act-for.v1'),
  /**
   * The tenant boundary of account actions, asked by identity before an admin sees or ends another
   * user's sessions or resets their second factors: in a tenant (the envelope's), the user must have access there (404 otherwise); every
   * tenant the user is in must be within the caller's reach (USER:UPDATE), else 403 `tenant-boundary`.
   */
  assertAccountWithinReach: rpc<AccountReachRequest, void>('authorization.grants.account-reach.v1'),
  /**
   * The grant guard's impersonation rule, asked by identity before it issues an impersonation token in
   * the envelope's tenant: the caller holds IMPERSONATE:CREATE there and everything the user holds there
   * (and at instance level); the user has access to the tenant (404 otherwise), is not the caller and is
   * not a Super Admin unless the caller is one. Answers nothing, or a 403 problem naming its rule.
   */
  assertMayImpersonate: rpc<ImpersonateRequest, void>('authorization.grants.impersonate.v1'),

  /** Idempotent: creates a tenant's managed roles and the Admin binding. */
  provisionTenant: rpc<ProvisionTenantRequest, ProvisionResult>('authorization.tenants.provision.v1'),
  /** Idempotent: managed roles of the default tenant plus an Admin binding there. */
  provisionDefaultTenant: rpc<GrantDefaultTenantAdminRequest, ProvisionResult>(
    'authorization.tenants.provision-default.v1',
  ),
  /**
   * Idempotent, internal (tenancy): the tenant stops being live, committed and broadcast before this
   * answers, so no instance accepts a write there afterwards. Its data goes with `tenant.deleted`.
   */
  retireTenant: rpc<RetireTenantRequest, void>('authorization.tenants.retire.v1'),
  /**
   * Nothing if the subject may keep its own data (settings) in the tenant: it has a binding or a group
   * membership there, or is a Super Admin and the tenant is live. 404 problem for a tenant that does not
   * exist, 403 with `rule: 'not-a-member'` otherwise.
   */
  requireTenantMember: rpc<TenantMemberRequest, void>('authorization.tenant-access.require-member.v1'),
  /**
   * Internal (identity's OpenID Connect provider): the names of the subject's roles in the tenant (bound
   * directly or through a group) and of its groups there, for the `roles` and `groups` claims.
   */
  tenantClaims: rpc<TenantMemberRequest, SubjectTenantClaims>('authorization.tenant-access.claims.v1'),
  /**
   * Internal (identity's MFA policies): the tenants the user is in (a binding or a group membership there),
   * whether they hold the managed Admin role in each, and whether they hold Instance Admin.
   */
  mfaSubjectFacts: rpc<MfaSubjectFactsRequest, MfaSubjectFacts>('authorization.tenant-access.mfa-facts.v1'),
  /**
   * The grant guard's audit-feed rule, asked by notification before a webhook subscription is created,
   * retargeted or enabled, and before each delivery for the subscription's owner: a standing feed of an
   * audit trail needs AUDITLOG:READ in the envelope's tenant, or the Super Admin flag at instance level
   * (undefined tenant). `subject` is judged when an internal service asks (the owner); otherwise the caller.
   * Answers nothing, or a 403 problem naming its rule.
   */
  assertMayFollowAudit: rpc<AuditFeedRequest, void>('authorization.grants.audit-feed.v1'),
  /**
   * Internal (notification): who to tell about a tenant's webhook trouble: the users holding the managed Admin
   * role in the envelope's tenant (directly or through a group); at instance level, the Super Admins.
   */
  administrators: rpc<Record<string, never>, { userIds: string[] }>('authorization.tenant-access.administrators.v1'),
} as const;

export class AuditFeedRequest {
  /** Set by an internal caller only (the subscription's owner); a user or service account is judged itself. */
  @Optional() @Nested(() => SubjectRef)
  subject?: SubjectRef;
}

export class MfaSubjectFactsRequest {
  @IsUUID()
  userId: string;
}

export interface MfaSubjectFacts {
  /** Every tenant the user is in (null = the default tenant), with whether they are Admin there. */
  tenants: Array<{ tenantId: string | null; admin: boolean }>;
  instanceAdmin: boolean;
}

export interface SubjectTenantClaims {
  /** Role names, sorted, each once (tenant-wide or namespace-limited bindings alike). */
  roles: string[];
  /** Group names, sorted. */
  groups: string[];
}

export class TenantMemberRequest {
  @Nested(() => SubjectRef)
  subject: SubjectRef;

  /** null = the default tenant. */
  @OptionalOrNull() @IsString() @MaxLength(63)
  tenantId?: string | null;
}

/** The `rule` of a 403 from `requireTenantMember`. */
export const NOT_A_MEMBER_RULE = 'not-a-member';

/** Core-NATS broadcast (no queue group): every authorization instance and gateway drops cached grants. */
export const AUTHORIZATION_INVALIDATE_SUBJECT = 'broadcast.authorization.invalidate.v1';
export interface InvalidateMessage {
  /** Subject ids whose grants changed; empty = everything. */
  subjectIds: string[];
  /** Tenants created (live) or deleted: every instance applies the change to its live-tenant set. */
  tenants?: Array<{ tenantId: string | null; live: boolean }>;
}

/** An invitation to a tenant was created; notification emails the link. */
export interface InvitationCreated {
  invitationId: string;
  tenantId: string | null;
  email: string;
  /**
   * The single-use secret of the acceptance link, sealed with LINK_TOKEN_ENCRYPTION_KEYS and bound to
   * `invitationId` (purpose `invitation`): authorization stores only its hash, the outbox and the events
   * stream only this; notification opens it to write the link.
   */
  sealedToken: SealedSecret;
  expiresAt: string;
  invitedBy: string | null;
}

export const AuthorizationNotificationEvents = {
  invitationCreated: event<InvitationCreated>('events.authorization.invitation.created.v1'),
} as const;

// ---------------------------------------------------------------------------------------------------
// Catalogue

export interface PermissionCatalogue {
  /** `namespaced`: a binding limited to namespaces may carry it (the scope rule); else only tenant-wide bindings grant it. */
  permissions: Array<{ name: Permission; level: Scope; namespaced: boolean; description: string }>;
  actions: Action[];
}

export interface RoleTemplate {
  name: string;
  description: string;
  scope: Scope;
  permissions: PermissionGrid;
}

export class IdRequest {
  @IsUUID()
  id: string;
}

// Roles ---------------------------------------------------------------------------------------------

export interface RoleView {
  id: string;
  tenantId: string | null;
  scope: Scope;
  name: string;
  description: string | null;
  permissions: PermissionGrid;
  managed: boolean;
  isDefault: boolean;
  createdAt: string;
  updatedAt: string;
}

export class ListRolesRequest extends PageQuery {}

/** The name and description a role or a group is created with. */
class NameAndDescription {
  @IsString() @MinLength(1) @MaxLength(100)
  name: string;

  /** null = none, as when omitted. */
  @OptionalOrNull() @IsString() @MaxLength(1000)
  description?: string | null;
}

/** A change of a role's or group's name or description: what is omitted stays. */
class NameAndDescriptionChange {
  @IsUUID()
  id: string;

  @Optional() @IsString() @MinLength(1) @MaxLength(100)
  name?: string;

  /** null clears it. */
  @OptionalOrNull() @IsString() @MaxLength(1000)
  description?: string | null;
}

export class CreateRoleRequest extends NameAndDescription {
  /** `{ FLOW: ['READ', 'UPDATE'], ... }`; checked against the catalogue (tenant permissions only). */
  @IsObject()
  permissions: Record<string, string[]>;

  @Optional() @IsBoolean()
  isDefault?: boolean;
}

export class UpdateRoleRequest extends NameAndDescriptionChange {
  @Optional() @IsObject()
  permissions?: Record<string, string[]>;

  @Optional() @IsBoolean()
  isDefault?: boolean;
}

// Groups --------------------------------------------------------------------------------------------

export type MemberType = SubjectType;

export interface GroupView {
  id: string;
  tenantId: string | null;
  name: string;
  description: string | null;
  memberCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface GroupMemberView {
  groupId: string;
  memberType: MemberType;
  memberId: string;
  /** Identity's view of a user member (null for service accounts and unknown users). */
  user: Pick<UserView, 'id' | 'username' | 'email' | 'firstName' | 'lastName'> | null;
  createdAt: string;
}

export class ListGroupsRequest extends PageQuery {}

export class CreateGroupRequest extends NameAndDescription {}

export class UpdateGroupRequest extends NameAndDescriptionChange {}

export class ListGroupMembersRequest extends PageQuery {
  @IsUUID()
  id: string;
}

export class AddGroupMemberRequest {
  /** The group. */
  @IsUUID()
  id: string;

  @IsIn(['USER', 'SERVICE_ACCOUNT'])
  memberType: MemberType;

  @IsUUID()
  memberId: string;
}

export class GroupMemberRequest {
  @IsUUID()
  id: string;

  @IsUUID()
  memberId: string;
}

export class ListUserGroupsRequest extends PageQuery {
  /** A user or service account id. */
  @IsUUID()
  userId: string;
}

export class UserGroupRequest {
  @IsUUID()
  userId: string;

  @IsUUID()
  groupId: string;
}

/** IDENTITY_LINK: an account at an identity provider that signs in as the user (docs/federation.md). */
export const CREDENTIAL_KINDS = ['API_TOKEN', 'PASSWORD', 'OAUTH_CLIENT', 'IDENTITY_LINK'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export class ImpersonateRequest {
  @IsUUID()
  userId: string;
}

/**
 * Asked in a tenant (the envelope's), the subject must have access there (404 otherwise): a tenant's Admin acts
 * for its own users only. `subjectInTenant: false` when the tenant only says where the request was made (whose
 * audit trail records a refusal) and the subject need not be in it: a tenant's service account, an OAuth
 * client's owner, a user its SCIM integration provisions, an account its identity provider links.
 */
class GuardedInTenant {
  @Optional() @IsBoolean()
  subjectInTenant?: boolean;
}

export class ActForRequest extends GuardedInTenant {
  @IsUUID()
  subjectId: string;

  @IsIn(CREDENTIAL_KINDS as unknown as string[])
  credential: CredentialKind;
}

/** Account actions on another user that the tenant boundary limits (docs/access-model.md). */
export const ACCOUNT_ACTIONS = ['LIST_SESSIONS', 'END_SESSIONS', 'RESET_FACTORS', 'PROVISION', 'AUTHENTICATION'] as const;
export type AccountAction = (typeof ACCOUNT_ACTIONS)[number];

export class AccountReachRequest extends GuardedInTenant {
  @IsUUID()
  subjectId: string;

  @IsIn(ACCOUNT_ACTIONS as unknown as string[])
  action: AccountAction;
}

// Bindings ------------------------------------------------------------------------------------------

export type BindingSubject = SubjectType | 'GROUP';

export interface BindingView {
  id: string;
  scope: Scope;
  tenantId: string | null;
  roleId: string;
  roleName: string;
  subjectType: BindingSubject;
  subjectId: string;
  /** null = tenant-wide. */
  namespaces: string[] | null;
  createdAt: string;
}

/** A role, tenant-wide or limited to namespaces: what a binding, an invitation or a new tenant member is given. */
export class RoleGrant {
  @IsUUID()
  roleId: string;

  /** Omitted or null = tenant-wide; else dotted namespace prefixes (`a.b` covers `a.b` and `a.b.*`). */
  @OptionalOrNull() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100)
  @IsString({ each: true }) @MaxLength(500, { each: true })
  @Matches(NAMESPACE_PATTERN, { each: true, message: 'each namespace must be dotted segments of letters, digits, _ and -' })
  namespaces?: string[] | null;
}

/** A role granted to a subject. */
export class CreateBindingRequest extends RoleGrant {
  @IsIn(['USER', 'SERVICE_ACCOUNT', 'GROUP'])
  subjectType: BindingSubject;

  @IsUUID()
  subjectId: string;
}

export class BulkCreateBindingsRequest {
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(500) @Nested(() => CreateBindingRequest, { each: true })
  bindings: CreateBindingRequest[];
}

export class SearchBindingsRequest extends PageQuery {
  @Optional() @IsUUID()
  subjectId?: string;

  @Optional() @IsIn(['USER', 'SERVICE_ACCOUNT', 'GROUP'])
  subjectType?: BindingSubject;

  @Optional() @IsUUID()
  roleId?: string;

  /** Bindings that cover this namespace (tenant-wide ones included). */
  @Optional() @IsString() @MaxLength(500) @Matches(NAMESPACE_PATTERN, { message: 'namespace must be dotted segments' })
  namespace?: string;
}

// Decisions -----------------------------------------------------------------------------------------

export interface GrantOrigin {
  bindingId: string;
  roleId: string;
  roleName: string;
  /** Set when the binding is the group's and the subject a member. */
  groupId: string | null;
  groupName: string | null;
  scope: Scope;
  namespaces: string[] | null;
}

export interface EffectivePermission {
  permission: Permission;
  action: Action;
  /** null = every namespace; else the namespace prefixes. */
  namespaces: string[] | null;
  /** `binding`, `group`, `super-admin` or `instance-admin`. */
  via: Array<'binding' | 'group' | 'super-admin' | 'instance-admin'>;
  origins: GrantOrigin[];
}

export interface Explanation extends Decision {
  /** Every binding that grants the check (empty when denied or granted by a flag). */
  grants: GrantOrigin[];
  subject: { id: string; type: SubjectType; superAdmin: boolean; disabled: boolean } | null;
  tenantLive: boolean | null;
  /** For a deny: bindings that grant the permission and action elsewhere (other namespaces). */
  nearMisses: GrantOrigin[];
}

export class SubjectPermissionsRequest extends PageQuery {
  @Nested(() => SubjectRef)
  subject: SubjectRef;

  @IsIn(['TENANT', 'INSTANCE'])
  scope: Scope;

  @OptionalOrNull() @IsString() @MaxLength(63)
  tenantId?: string | null;

  /** Only what applies at this namespace. */
  @Optional() @IsString() @MaxLength(500) @Matches(NAMESPACE_PATTERN, { message: 'namespace must be dotted segments' })
  namespace?: string;
}

export class UserPermissionsRequest extends PageQuery {
  /** User or service account id. */
  @IsUUID()
  id: string;

  @Optional() @IsString() @MaxLength(500) @Matches(NAMESPACE_PATTERN, { message: 'namespace must be dotted segments' })
  namespace?: string;
}

export class SelfCheckRequest {
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(500) @Nested(() => SelfCheck, { each: true })
  checks: SelfCheck[];
}

// Tenant access -------------------------------------------------------------------------------------

export interface TenantAccessEntry {
  subjectType: SubjectType;
  subjectId: string;
  user: Pick<UserView, 'id' | 'username' | 'email' | 'emailVerified' | 'firstName' | 'lastName' | 'status'> | null;
  groups: Array<{ id: string; name: string }>;
  bindings: number;
}

/** A tenant the signed-in subject can reach (`GET /me/tenants`): `id` null = the default tenant. */
export interface ReachableTenant {
  id: string | null;
  /** How: `access` (a binding or a group membership there) or `instance` (Super Admin, or TENANT at instance level). */
  via: 'access' | 'instance';
}

export interface TenantUserCandidate {
  id: string;
  username: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  /** Already has access to this tenant. */
  member: boolean;
}

export class FindTenantUserRequest {
  @IsEmail() @MaxLength(254)
  email: string;
}

/** Access to the tenant for a person, by email: roles (each optionally limited to namespaces) and groups. */
class AccessForEmail {
  @IsEmail() @MaxLength(254)
  email: string;

  @Optional() @IsArray() @ArrayMaxSize(50) @Nested(() => RoleGrant, { each: true })
  roles?: RoleGrant[];

  @Optional() @IsArray() @ArrayMaxSize(50) @IsUUID('all', { each: true })
  groupIds?: string[];
}

/** Gives that access now to the existing user whose email is exactly `email`. */
export class AddTenantAccessRequest extends AccessForEmail {}

export class JoinDefaultTenantRequest {
  @IsArray() @ArrayMaxSize(1000) @IsUUID('all', { each: true })
  userIds: string[];
}

export interface JoinDefaultTenantResult {
  /** Name of the default tenant's default role, or null when none is marked (nobody can be granted). */
  defaultRole: string | null;
  granted: string[];
}

export class TenantAccessUserRequest {
  @IsUUID()
  userId: string;
}

// Invitations ---------------------------------------------------------------------------------------

export const INVITATION_STATUSES = ['PENDING', 'ACCEPTED', 'EXPIRED'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export interface InvitationView {
  id: string;
  tenantId: string | null;
  email: string;
  roles: Array<{ roleId: string; namespaces: string[] | null }>;
  groupIds: string[];
  status: InvitationStatus;
  expiresAt: string;
  invitedBy: string | null;
  acceptedBy: string | null;
  acceptedAt: string | null;
  createdAt: string;
  /** The acceptance link: only in the answer to its creation (only the token's hash is stored). */
  link?: string;
}

/** Invites `email` (with an account or not): accepting the invitation gives the access. */
export class CreateInvitationRequest extends AccessForEmail {}

export class ListInvitationsRequest extends PageQuery {
  @Optional() @IsIn(INVITATION_STATUSES as unknown as string[])
  status?: InvitationStatus;
}

export class AcceptInvitationRequest {
  @IsString() @MinLength(20) @MaxLength(200)
  token: string;

  /** For a person without an account yet: the account to create (the email is the invitation's). */
  @Optional() @IsString() @MinLength(1) @MaxLength(254) @Matches(/^[^\s:]+$/, { message: 'username must not contain spaces or colons' })
  username?: UsernameField['username'];

  @Optional() @IsString() @MaxLength(1024)
  password?: string;

  @Optional() @IsString() @MaxLength(100)
  firstName?: string;

  @Optional() @IsString() @MaxLength(100)
  lastName?: string;
}

export interface AcceptedInvitation {
  tenantId: string | null;
  userId: string;
  /** True when the account was created by this acceptance. */
  created: boolean;
}
