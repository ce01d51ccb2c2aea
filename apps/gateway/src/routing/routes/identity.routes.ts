import { FactorsRpc, IdentityRpc, OAuthClientsRpc } from '@gatehouse/contracts';
import { RouteDefinition } from '../../request/route-definition';

/**
 * Sessions, keys, passwords, users, profile, service accounts and API tokens (owned by identity).
 * Instance-level user management needs USER at instance level (Super Admin / Instance Admin); identity
 * itself enforces the Super Admin-only rules (email, password, the Super Admin flag, unlock).
 */
export const IDENTITY_ROUTES: RouteDefinition[] = [
  // Sessions
  { method: 'POST', path: '/api/v1/login', summary: 'Sign in with username or email and password', access: 'public', target: IdentityRpc.login },
  { method: 'POST', path: '/api/v1/login/mfa', summary: 'Second step of a sign-in: the mfaToken of the mfa-required problem and a TOTP or recovery code', access: 'public', target: FactorsRpc.completeLogin },
  { method: 'POST', path: '/api/v1/login/passkey/options', summary: 'Options (a stored, single-use challenge) to sign in with a passkey alone', access: 'public', target: FactorsRpc.passkeyLoginOptions },
  { method: 'POST', path: '/api/v1/login/passkey', summary: 'Sign in with a passkey alone (discoverable credential, user verification required)', access: 'public', target: FactorsRpc.passkeyLogin },
  { method: 'POST', path: '/api/v1/token/refresh', summary: 'Rotate a refresh token', access: 'public', target: IdentityRpc.refresh },
  { method: 'POST', path: '/api/v1/logout', summary: 'End the session of a refresh token', access: 'public', target: IdentityRpc.logout, status: 204 },
  // Browser sessions (the console): the refresh token in an HttpOnly cookie, never in a body (session/)
  { method: 'POST', path: '/api/v1/session', summary: 'Sign a browser in: the access token in the body, the refresh token in an HttpOnly cookie', access: 'public', target: IdentityRpc.login, browserSession: 'sign-in' },
  { method: 'POST', path: '/api/v1/session/mfa', summary: 'Second step of a browser sign-in (mfaToken and a TOTP or recovery code): the access token in the body, the refresh token in an HttpOnly cookie', access: 'public', target: FactorsRpc.completeLogin, browserSession: 'sign-in' },
  { method: 'POST', path: '/api/v1/session/passkey', summary: 'Sign a browser in with a passkey alone (options from /api/v1/login/passkey/options): the access token in the body, the refresh token in an HttpOnly cookie', access: 'public', target: FactorsRpc.passkeyLogin, browserSession: 'sign-in' },
  { method: 'POST', path: '/api/v1/session/refresh', summary: "Rotate the browser session's refresh token (cookie) for a new access token", access: 'public', target: IdentityRpc.refresh, browserSession: 'refresh' },
  { method: 'DELETE', path: '/api/v1/session', summary: 'End the browser session (its access tokens are refused from now on) and clear its cookie', access: 'public', target: IdentityRpc.logout, status: 204, browserSession: 'sign-out' },
  // Discovery and the JWKS are the OpenID Connect provider's (oidc.routes.ts).

  // Passwords
  { method: 'POST', path: '/api/v1/validate-password', summary: 'Check a password against the policy', access: 'public', target: IdentityRpc.validatePassword },
  { method: 'POST', path: '/api/v1/forgotten-password', summary: 'Email a reset link (same answer for unknown emails)', access: 'public', target: IdentityRpc.forgottenPassword, status: 204 },
  { method: 'POST', path: '/api/v1/verify-email', summary: "Use an email confirmation link's token: verifies the address, or applies a pending email change", access: 'public', target: IdentityRpc.verifyEmail },
  { method: 'POST', path: '/api/v1/reset-password', summary: 'Set a new password with a reset link token', access: 'public', target: IdentityRpc.resetPassword, status: 204 },

  // Profile
  { method: 'GET', path: '/api/v1/me', summary: 'The signed-in user', access: 'authenticated', target: IdentityRpc.me, enrolment: true },
  { method: 'PATCH', path: '/api/v1/me', summary: 'Change own names', access: 'authenticated', target: IdentityRpc.updateMe },
  { method: 'POST', path: '/api/v1/me/email', summary: 'Change own email (current password required): applied once the new address confirms it; the current one is told', access: 'authenticated', target: IdentityRpc.changeOwnEmail, status: 202 },
  { method: 'DELETE', path: '/api/v1/me/email/pending', summary: 'Withdraw own pending email change', access: 'authenticated', target: IdentityRpc.cancelEmailChange },
  { method: 'POST', path: '/api/v1/me/email/verification', summary: 'Send the confirmation link again (the pending change, else the unverified address); rate limited', access: 'authenticated', target: IdentityRpc.resendEmailVerification, status: 202 },
  { method: 'PUT', path: '/api/v1/me/password', summary: 'Change own password', access: 'authenticated', target: IdentityRpc.changeOwnPassword, status: 204, stepUp: true },
  { method: 'GET', path: '/api/v1/me/sessions', summary: 'Own live sessions (device, address, created, last used, current)', access: 'authenticated', target: IdentityRpc.listMySessions },
  { method: 'DELETE', path: '/api/v1/me/sessions', summary: 'End every own session but the current one', access: 'authenticated', target: IdentityRpc.endMyOtherSessions },
  { method: 'DELETE', path: '/api/v1/me/sessions/:sessionId', summary: 'End one own session (its access tokens are refused from the next request on)', access: 'authenticated', target: IdentityRpc.endMySession, status: 204 },
  { method: 'GET', path: '/api/v1/me/api-tokens', summary: 'Own API tokens (never the secrets)', access: 'authenticated', target: IdentityRpc.listMyApiTokens },
  { method: 'POST', path: '/api/v1/me/api-tokens', summary: 'Create an API token (the secret is shown once)', access: 'authenticated', target: IdentityRpc.createMyApiToken, status: 201, grants: 'credential' },
  { method: 'DELETE', path: '/api/v1/me/api-tokens/:tokenId', summary: 'Revoke an own API token', access: 'authenticated', target: IdentityRpc.deleteMyApiToken },
  // Own second factors (factors/): TOTP, recovery codes
  // Step-up: a fresh second factor for this session (a token of its own, then one factor); answers a new access token.
  { method: 'POST', path: '/api/v1/me/mfa/step-up/start', summary: 'Step-up, first step: an mfaToken, your factors and passkey options', access: 'authenticated', target: FactorsRpc.startStepUp },
  { method: 'POST', path: '/api/v1/me/mfa/step-up', summary: "Step-up: the start's mfaToken and a TOTP code, recovery code or passkey assertion; answers an access token of this session with auth_time now", access: 'authenticated', target: FactorsRpc.stepUp },
  { method: 'GET', path: '/api/v1/me/mfa', summary: 'Own second factors (never their secrets)', access: 'authenticated', target: FactorsRpc.listMine, enrolment: true },
  { method: 'POST', path: '/api/v1/me/mfa/totp', summary: 'Start setting up an authenticator app: the secret, its otpauth URI and QR code (shown once)', access: 'authenticated', target: FactorsRpc.enrolTotp, status: 201, enrolment: true, stepUp: true },
  { method: 'POST', path: '/api/v1/me/mfa/totp/confirm', summary: 'Confirm the authenticator app with a current code (the first factor answers the recovery codes, shown once)', access: 'authenticated', target: FactorsRpc.confirmTotp, enrolment: true, stepUp: true },
  { method: 'DELETE', path: '/api/v1/me/mfa/totp', summary: 'Remove the authenticator app', access: 'authenticated', target: FactorsRpc.removeTotp, status: 204, stepUp: true },
  { method: 'POST', path: '/api/v1/me/mfa/passkeys/options', summary: 'Options (a stored, single-use challenge) to register a passkey', access: 'authenticated', target: FactorsRpc.passkeyRegistrationOptions, enrolment: true, stepUp: true },
  { method: 'POST', path: '/api/v1/me/mfa/passkeys', summary: 'Register a passkey (the first factor answers the recovery codes, shown once)', access: 'authenticated', target: FactorsRpc.registerPasskey, status: 201, enrolment: true, stepUp: true },
  { method: 'PATCH', path: '/api/v1/me/mfa/passkeys/:id', summary: 'Rename a passkey', access: 'authenticated', target: FactorsRpc.renamePasskey, stepUp: true },
  { method: 'DELETE', path: '/api/v1/me/mfa/passkeys/:id', summary: 'Remove a passkey', access: 'authenticated', target: FactorsRpc.removePasskey, status: 204, stepUp: true },
  { method: 'POST', path: '/api/v1/me/mfa/recovery-codes', summary: 'New recovery codes (shown once); the previous ones stop working', access: 'authenticated', target: FactorsRpc.regenerateRecoveryCodes, stepUp: true },
  // Own data only; identity keeps it per user and tenant, whether or not the user can access that tenant.
  { method: 'GET', path: '/api/v1/:tenant/settings/me', summary: 'Own settings in a tenant', access: 'authenticated', target: IdentityRpc.getMySettings },
  { method: 'PUT', path: '/api/v1/:tenant/settings/me', summary: 'Replace own settings in a tenant', access: 'authenticated', target: IdentityRpc.putMySettings },

  // Users (instance level)
  { method: 'GET', path: '/api/v1/users', summary: 'Search users of the instance', access: { permission: 'USER' }, target: IdentityRpc.listUsers },
  { method: 'POST', path: '/api/v1/users', summary: 'Create a user', access: { permission: 'USER' }, target: IdentityRpc.createUser, status: 201, grants: 'super-admin' },
  { method: 'GET', path: '/api/v1/users/:id', summary: 'Read a user', access: { permission: 'USER' }, target: IdentityRpc.getUser },
  { method: 'PATCH', path: '/api/v1/users/:id', summary: 'Update names; email and the Super Admin flag need a Super Admin', access: { permission: 'USER' }, target: IdentityRpc.updateUser, grants: 'super-admin' },
  { method: 'DELETE', path: '/api/v1/users/:id', summary: 'Delete a user (ends sessions and API tokens)', access: { permission: 'USER' }, target: IdentityRpc.deleteUser },
  { method: 'POST', path: '/api/v1/users/:id/disable', summary: 'Disable a user (ends sessions and API tokens)', access: { permission: 'USER', action: 'UPDATE' }, target: IdentityRpc.disableUser },
  { method: 'POST', path: '/api/v1/users/:id/enable', summary: 'Enable a disabled user', access: { permission: 'USER', action: 'UPDATE' }, target: IdentityRpc.enableUser },
  { method: 'POST', path: '/api/v1/users/:id/unlock', summary: 'Unlock a locked account (Super Admin)', access: { permission: 'USER', action: 'UPDATE' }, target: IdentityRpc.unlockUser },
  { method: 'POST', path: '/api/v1/users/:id/password-reset', summary: 'Require a new password at next sign-in and email a link', access: { permission: 'USER', action: 'UPDATE' }, target: IdentityRpc.requestUserPasswordReset, grants: 'account' },
  { method: 'PUT', path: '/api/v1/users/:id/password', summary: "Set a user's password (Super Admin)", access: { permission: 'USER', action: 'UPDATE' }, target: IdentityRpc.setUserPassword, status: 204, grants: 'credential' },
  // An admin manages a user's API tokens: act-for (the caller holds all the user holds); in a tenant, a user there.
  { method: 'GET', path: '/api/v1/users/:id/api-tokens', summary: "A user's API tokens (never the secrets)", access: { permission: 'USER', action: 'READ' }, target: IdentityRpc.listUserApiTokens },
  { method: 'POST', path: '/api/v1/users/:id/api-tokens', summary: 'Create an API token for a user (shown once)', access: { permission: 'USER', action: 'UPDATE' }, target: IdentityRpc.createUserApiToken, status: 201, grants: 'credential' },
  { method: 'DELETE', path: '/api/v1/users/:id/api-tokens/:tokenId', summary: "Revoke a user's API token", access: { permission: 'USER', action: 'UPDATE' }, target: IdentityRpc.deleteUserApiToken },
  { method: 'GET', path: '/api/v1/:tenant/users/:id/api-tokens', summary: "API tokens of a user of the tenant (never the secrets)", access: { permission: 'USER', action: 'READ' }, target: IdentityRpc.listUserApiTokens },
  { method: 'POST', path: '/api/v1/:tenant/users/:id/api-tokens', summary: 'Create an API token for a user of the tenant (shown once)', access: { permission: 'USER', action: 'UPDATE' }, target: IdentityRpc.createUserApiToken, status: 201, grants: 'credential' },
  // Impersonation: the provider's token exchange (RFC 8693) for the caller; grant guard: IMPERSONATE and all the user holds there.
  { method: 'POST', path: '/api/v1/:tenant/users/:id/impersonate', summary: 'Act as a user of the tenant: a short-lived access token of the user naming the caller as actor (act claim)', access: { permission: 'IMPERSONATE', action: 'CREATE' }, target: IdentityRpc.impersonateUser, grants: 'credential' },
  { method: 'DELETE', path: '/api/v1/:tenant/users/:id/api-tokens/:tokenId', summary: "Revoke an API token of a user of the tenant", access: { permission: 'USER', action: 'UPDATE' }, target: IdentityRpc.deleteUserApiToken },
  // An admin sees and ends a user's sessions: an account action within the tenant boundary (identity asks
  // authorization); seeing them (devices, addresses) needs the same USER:UPDATE as ending them.
  { method: 'GET', path: '/api/v1/users/:id/sessions', summary: "A user's live sessions", access: { permission: 'USER', action: 'UPDATE' }, target: IdentityRpc.listUserSessions },
  { method: 'DELETE', path: '/api/v1/users/:id/sessions', summary: "End every session of a user", access: { permission: 'USER', action: 'UPDATE' }, target: IdentityRpc.endUserSessions, grants: 'account' },
  { method: 'DELETE', path: '/api/v1/users/:id/sessions/:sessionId', summary: "End one session of a user", access: { permission: 'USER', action: 'UPDATE' }, target: IdentityRpc.endUserSession, status: 204, grants: 'account' },
  { method: 'GET', path: '/api/v1/:tenant/users/:id/sessions', summary: 'Live sessions of a user of the tenant (every tenant the user is in within your reach)', access: { permission: 'USER', action: 'UPDATE' }, target: IdentityRpc.listUserSessions },
  { method: 'DELETE', path: '/api/v1/:tenant/users/:id/sessions', summary: 'End every session of a user of the tenant (tenant boundary)', access: { permission: 'USER', action: 'UPDATE' }, target: IdentityRpc.endUserSessions, grants: 'account' },
  { method: 'DELETE', path: '/api/v1/:tenant/users/:id/sessions/:sessionId', summary: 'End one session of a user of the tenant (tenant boundary)', access: { permission: 'USER', action: 'UPDATE' }, target: IdentityRpc.endUserSession, status: 204, grants: 'account' },
  // MFA policy of a tenant (its override, else the instance's MFA_POLICY); set by its Admin, an Instance Admin or a Super Admin (identity checks).
  { method: 'GET', path: '/api/v1/:tenant/mfa-policy', summary: "The tenant's MFA policy: optional, required, or required for admins (its own, else the instance's)", access: { permission: 'USER', action: 'READ' }, target: FactorsRpc.getMfaPolicy },
  { method: 'PUT', path: '/api/v1/:tenant/mfa-policy', summary: "Set the tenant's MFA policy (null: the instance's); its Admin, an Instance Admin or a Super Admin", access: { permission: 'USER', action: 'UPDATE' }, target: FactorsRpc.setMfaPolicy },
  // Admin recovery: reset a user's second factors (TOTP, passkeys, recovery codes), within the same tenant
  // boundary (identity asks authorization, RESET_FACTORS); a Super Admin's by a Super Admin only; the user is emailed.
  { method: 'POST', path: '/api/v1/users/:id/mfa-reset', summary: "Reset a user's second factors (authenticator app, passkeys, recovery codes); the user is emailed", access: { permission: 'USER', action: 'UPDATE' }, target: FactorsRpc.resetUserFactors, grants: 'account' },
  { method: 'POST', path: '/api/v1/:tenant/users/:id/mfa-reset', summary: "Reset the second factors of a user of the tenant (tenant boundary); the user is emailed", access: { permission: 'USER', action: 'UPDATE' }, target: FactorsRpc.resetUserFactors, grants: 'account' },

  // Service accounts and their API tokens (tenant-scoped)
  { method: 'GET', path: '/api/v1/:tenant/service-accounts', summary: 'Search service accounts', access: { permission: 'SERVICE_ACCOUNT' }, target: IdentityRpc.listServiceAccounts },
  { method: 'POST', path: '/api/v1/:tenant/service-accounts', summary: 'Create a service account', access: { permission: 'SERVICE_ACCOUNT' }, target: IdentityRpc.createServiceAccount, status: 201 },
  { method: 'GET', path: '/api/v1/:tenant/service-accounts/:id', summary: 'Read a service account', access: { permission: 'SERVICE_ACCOUNT' }, target: IdentityRpc.getServiceAccount },
  { method: 'PATCH', path: '/api/v1/:tenant/service-accounts/:id', summary: 'Update a service account', access: { permission: 'SERVICE_ACCOUNT' }, target: IdentityRpc.updateServiceAccount },
  { method: 'DELETE', path: '/api/v1/:tenant/service-accounts/:id', summary: 'Delete a service account and its API tokens', access: { permission: 'SERVICE_ACCOUNT' }, target: IdentityRpc.deleteServiceAccount },
  { method: 'GET', path: '/api/v1/:tenant/service-accounts/:id/api-tokens', summary: "A service account's API tokens", access: { permission: 'SERVICE_ACCOUNT', action: 'READ' }, target: IdentityRpc.listServiceAccountApiTokens },
  { method: 'POST', path: '/api/v1/:tenant/service-accounts/:id/api-tokens', summary: 'Create an API token for a service account (shown once)', access: { permission: 'SERVICE_ACCOUNT', action: 'UPDATE' }, target: IdentityRpc.createServiceAccountApiToken, status: 201, grants: 'credential' },
  { method: 'DELETE', path: '/api/v1/:tenant/service-accounts/:id/api-tokens/:tokenId', summary: "Revoke a service account's API token", access: { permission: 'SERVICE_ACCOUNT', action: 'UPDATE' }, target: IdentityRpc.deleteServiceAccountApiToken },

  // OAuth clients (tenant-scoped applications of the OIDC provider): managed with SERVICE_ACCOUNT, the
  // catalogue's permission for applications. Creating one or rotating its secret acts for its owner.
  { method: 'GET', path: '/api/v1/:tenant/oauth-clients', summary: 'Search OAuth clients', access: { permission: 'SERVICE_ACCOUNT' }, target: OAuthClientsRpc.list },
  { method: 'POST', path: '/api/v1/:tenant/oauth-clients', summary: 'Register an OAuth client (a confidential client\'s secret is shown once)', access: { permission: 'SERVICE_ACCOUNT' }, target: OAuthClientsRpc.create, status: 201, grants: 'credential' },
  { method: 'GET', path: '/api/v1/:tenant/oauth-clients/:id', summary: 'Read an OAuth client (never its secret)', access: { permission: 'SERVICE_ACCOUNT' }, target: OAuthClientsRpc.get },
  { method: 'PATCH', path: '/api/v1/:tenant/oauth-clients/:id', summary: 'Update an OAuth client (name, redirect URIs, grant types, scopes, first party)', access: { permission: 'SERVICE_ACCOUNT' }, target: OAuthClientsRpc.update },
  { method: 'DELETE', path: '/api/v1/:tenant/oauth-clients/:id', summary: 'Delete an OAuth client', access: { permission: 'SERVICE_ACCOUNT' }, target: OAuthClientsRpc.delete },
  { method: 'POST', path: '/api/v1/:tenant/oauth-clients/:id/secret', summary: "Rotate a confidential client's secret (the new one is shown once; the old one stops working)", access: { permission: 'SERVICE_ACCOUNT', action: 'UPDATE' }, target: OAuthClientsRpc.rotateSecret, grants: 'credential' },
];
