import { IsIn, IsObject, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { Nested, Optional, OptionalOrNull } from './input-rules';
import { rpc } from './rpc';
import type { TokenPair, UserIdRequest } from './identity';

// ---------------------------------------------------------------------------------------------
// Second factors (identity's `factors/` context): TOTP, recovery codes, and the second step of a sign-in

/** The factors a user can present at the second step of a sign-in. */
export const SECOND_FACTOR_KINDS = ['totp', 'recovery-code', 'passkey'] as const;
export type SecondFactorKind = (typeof SECOND_FACTOR_KINDS)[number];

/**
 * Authentication methods references (RFC 8176) carried by access tokens as `amr`: `pwd` (password),
 * `otp` (a TOTP or a recovery code), `hwk` / `swk` (a passkey bound to one device / synced), `user`
 * (the authenticator verified the user), `mfa` (more than one factor); and Gatehouse's `fed`: signed in through an
 * upstream identity provider (docs/federation.md), with `mfa` when that provider asserted a second factor.
 */
export type AuthenticationMethod = 'pwd' | 'otp' | 'hwk' | 'swk' | 'user' | 'mfa' | 'fed';

/** `acr` of an access token: `mfa` once a second factor (or a user-verifying passkey) was presented, else `pwd`. */
export type AuthenticationContext = 'pwd' | 'mfa';

/** Recovery codes issued at once; each works once. */
export const RECOVERY_CODE_COUNT = 10;

/** The RFC 9457 `type` slugs of the factors' problems, so clients can branch on them. */
export const MFA_PROBLEMS = {
  /** First step of a sign-in passed; the second factor is required: the problem carries `mfaToken` and `factors`. */
  mfaRequired: 'mfa-required',
  /** The second factor was wrong (the `field` member names it); the sign-in may be retried with the same token. */
  invalidSecondFactor: 'invalid-second-factor',
  /** The mfa token is unknown, used, expired or spent its attempts: sign in again. */
  invalidMfaToken: 'invalid-mfa-token',
  /** `Authorization: Basic` for a user with a second factor: use an API token. */
  basicRefusedForMfa: 'basic-auth-refused-mfa',
  /**
   * An MFA policy requires this user to set up a second factor: their session is good for the enrolment
   * routes only (`GET /me`, `/me/mfa` enrolment) until they have one; Basic and the OIDC sign-in refuse them.
   */
  enrolmentRequired: 'mfa-enrolment-required',
  /**
   * A sensitive action (docs/mfa.md, step-up) needs a second factor presented within the last
   * STEP_UP_MAX_AGE_SECONDS: step up (`POST /api/v1/me/mfa/step-up/start`, then `/step-up`) and retry.
   */
  stepUpRequired: 'step-up-required',
} as const;

/** A step-up's answer: an access token of the same session whose `auth_time` is now. */
export interface StepUpResult {
  tokenType: 'Bearer';
  accessToken: string;
  expiresIn: number;
}

/**
 * Who must have a second factor (docs/mfa.md): nobody (`optional`), everybody (`required`), or anyone
 * holding an admin permission (`required-for-admins`: Admin of a tenant, Instance Admin, Super Admin).
 */
export const MFA_POLICIES = ['optional', 'required', 'required-for-admins'] as const;
export type MfaPolicy = (typeof MFA_POLICIES)[number];

/** A tenant's MFA policy: its own override, else the instance's default (MFA_POLICY). */
export interface MfaPolicyView {
  policy: MfaPolicy;
  source: 'tenant' | 'instance';
  tenantPolicy: MfaPolicy | null;
  instanceDefault: MfaPolicy;
}

export class SetMfaPolicyRequest {
  /** The tenant's policy; null goes back to the instance's default. */
  @OptionalOrNull() @IsIn(MFA_POLICIES as unknown as string[])
  policy: MfaPolicy | null;
}

/** Members of the `mfa-required` problem. */
export interface MfaRequired {
  /** Single-use, short-lived; posted back with the second factor. */
  mfaToken: string;
  /** Seconds from now. */
  expiresIn: number;
  /** What this user can present. */
  factors: SecondFactorKind[];
  /** With `passkey` among the factors: the options of `navigator.credentials.get()` (its challenge is this step's). */
  passkeyOptions?: Record<string, unknown>;
}

export interface TotpFactorView {
  /** false while an enrolment awaits its confirmation code. */
  confirmed: boolean;
  createdAt: string;
  confirmedAt: string | null;
  lastUsedAt: string | null;
}

export interface RecoveryCodesView {
  /** Codes not used yet. */
  remaining: number;
  createdAt: string;
}

export interface PasskeyView {
  id: string;
  name: string;
  /** `multiDevice`: synced between devices (amr `swk`); `singleDevice`: bound to one authenticator (`hwk`). */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

/** A user's second factors (never their secrets). */
export interface MfaFactorsView {
  /** Whether the user has a confirmed second factor (sign-ins ask for it). */
  enabled: boolean;
  totp: TotpFactorView | null;
  passkeys: PasskeyView[];
  recoveryCodes: RecoveryCodesView | null;
}

/** What `navigator.credentials.create()` / `.get()` take (WebAuthn JSON options), with the challenge kept server-side. */
export interface PasskeyOptions {
  options: Record<string, unknown>;
}

export interface RegisteredPasskey extends PasskeyView {
  /** Present when this is the user's first second factor: the recovery codes, shown once. */
  recoveryCodes?: string[];
}

/** The only answer that carries the TOTP secret: shown at enrolment, never again. */
export interface TotpEnrolment {
  /** Base32, for manual entry in an authenticator app. */
  secret: string;
  /** `otpauth://totp/...` (RFC 6238 parameters: SHA1, 6 digits, 30 s). */
  otpauthUri: string;
  /** The URI as a QR code: a `data:image/png;base64,...` URL. */
  qrCode: string;
}

/** Recovery codes in clear: shown once (at the first confirmed factor, or when regenerated). */
export interface RecoveryCodes {
  codes: string[];
}

export interface TotpConfirmation {
  /** Present when this is the user's first second factor: the recovery codes, shown once. */
  recoveryCodes?: string[];
}

const TOTP_CODE = /^\d{6}$/;


export class ConfirmTotpRequest {
  /** The 6-digit code the authenticator app shows now. */
  @IsString() @Matches(TOTP_CODE, { message: 'code must be the 6 digits the authenticator app shows' })
  code: string;
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const B64URL_MESSAGE = 'must be base64url';

/** WebAuthn's `AuthenticatorAttestationResponse` / `AuthenticatorAssertionResponse` in JSON (base64url fields). */
export class WebAuthnResponseFields {
  @IsString() @MinLength(1) @MaxLength(4096) @Matches(B64URL, { message: `clientDataJSON ${B64URL_MESSAGE}` })
  clientDataJSON: string;

  /** Registration only. */
  @Optional() @IsString() @MinLength(1) @MaxLength(16384) @Matches(B64URL, { message: `attestationObject ${B64URL_MESSAGE}` })
  attestationObject?: string;

  @Optional() @IsString() @MinLength(1) @MaxLength(4096) @Matches(B64URL, { message: `authenticatorData ${B64URL_MESSAGE}` })
  authenticatorData?: string;

  /** Authentication only. */
  @Optional() @IsString() @MinLength(1) @MaxLength(1024) @Matches(B64URL, { message: `signature ${B64URL_MESSAGE}` })
  signature?: string;

  /** Authentication only: the user handle of a discoverable credential. */
  @Optional() @IsString() @MaxLength(1024) @Matches(B64URL, { message: `userHandle ${B64URL_MESSAGE}` })
  userHandle?: string;

  /** Registration: `getTransports()`. */
  @Optional() @IsString({ each: true }) @MaxLength(32, { each: true })
  transports?: string[];

  /** Registration: `getPublicKey()` (the library reads the key from the attestation). */
  @Optional() @IsString() @MaxLength(4096) @Matches(B64URL, { message: `publicKey ${B64URL_MESSAGE}` })
  publicKey?: string;

  /** Registration: `getPublicKeyAlgorithm()` (COSE). */
  @Optional() @IsIn([-7, -8, -257])
  publicKeyAlgorithm?: number;
}

/** A `PublicKeyCredential` as JSON (what @simplewebauthn/browser's startRegistration / startAuthentication return). */
export class WebAuthnCredential {
  @IsString() @MinLength(1) @MaxLength(1024) @Matches(B64URL, { message: `id ${B64URL_MESSAGE}` })
  id: string;

  @IsString() @MinLength(1) @MaxLength(1024) @Matches(B64URL, { message: `rawId ${B64URL_MESSAGE}` })
  rawId: string;

  @IsIn(['public-key'])
  type: 'public-key';

  @Nested(() => WebAuthnResponseFields)
  response: WebAuthnResponseFields;

  /** `getClientExtensionResults()`: passed to the library as it is. */
  @Optional() @IsObject()
  clientExtensionResults?: Record<string, unknown>;

  @Optional() @IsIn(['platform', 'cross-platform'])
  authenticatorAttachment?: 'platform' | 'cross-platform';
}

export class RegisterPasskeyRequest {
  /** A name to tell it from the others ("YubiKey", "Laptop"). */
  @IsString() @MinLength(1) @MaxLength(100)
  name: string;

  @Nested(() => WebAuthnCredential)
  credential: WebAuthnCredential;
}

export class RenamePasskeyRequest {
  @IsUUID()
  id: string;

  @IsString() @MinLength(1) @MaxLength(100)
  name: string;
}

export class PasskeyIdRequest {
  @IsUUID()
  id: string;
}

/** Signing in with a passkey alone (a discoverable credential): the assertion of the options' challenge. */
export class PasskeyLoginRequest {
  @Nested(() => WebAuthnCredential)
  credential: WebAuthnCredential;
}

/** The second step of a sign-in: the first step's `mfaToken` and exactly one factor. */
export class CompleteMfaLoginRequest {
  @IsString() @MinLength(1) @MaxLength(512)
  mfaToken: string;

  /** A TOTP code. */
  @Optional() @IsString() @Matches(TOTP_CODE, { message: 'code must be the 6 digits the authenticator app shows' })
  code?: string;

  /** One of the recovery codes (dashes and spaces are ignored). */
  @Optional() @IsString() @MinLength(1) @MaxLength(64)
  recoveryCode?: string;

  /** A passkey's assertion of the challenge in the problem's `passkeyOptions`. */
  @Optional() @Nested(() => WebAuthnCredential)
  passkey?: WebAuthnCredential;
}

/** What an administrator's reset of a user's second factors removed, and whether the user was emailed. */
export interface MfaResetResult {
  userId: string;
  removed: { totp: boolean; passkeys: number; recoveryCodes: number };
  /** Whether an email told the user (only to a verified address). */
  notified: boolean;
}

export const FactorsRpc = {
  /** The caller's own factors. */
  listMine: rpc<Record<string, never>, MfaFactorsView>('identity.factors.list-own.v1'),
  /** Starts (or restarts) a TOTP enrolment: a new secret, unconfirmed until `confirmTotp`. */
  enrolTotp: rpc<Record<string, never>, TotpEnrolment>('identity.factors.totp.enrol.v1'),
  confirmTotp: rpc<ConfirmTotpRequest, TotpConfirmation>('identity.factors.totp.confirm.v1'),
  removeTotp: rpc<Record<string, never>, void>('identity.factors.totp.remove.v1'),
  /** A new set of recovery codes; the previous set stops working. */
  regenerateRecoveryCodes: rpc<Record<string, never>, RecoveryCodes>('identity.factors.recovery-codes.regenerate.v1'),
  /** Registration options for a new passkey of the caller (a resident key; attestation `none`). */
  passkeyRegistrationOptions: rpc<Record<string, never>, PasskeyOptions>('identity.factors.passkeys.registration-options.v1'),
  registerPasskey: rpc<RegisterPasskeyRequest, RegisteredPasskey>('identity.factors.passkeys.register.v1'),
  renamePasskey: rpc<RenamePasskeyRequest, PasskeyView>('identity.factors.passkeys.rename.v1'),
  removePasskey: rpc<PasskeyIdRequest, void>('identity.factors.passkeys.remove.v1'),
  /** Options to sign in with a passkey alone (no user named: a discoverable credential answers). */
  passkeyLoginOptions: rpc<Record<string, never>, PasskeyOptions>('identity.sessions.passkey-options.v1'),
  /** Sign in with a passkey alone (user verification required); `/api/v1/login/passkey`, `/api/v1/session/passkey`. */
  passkeyLogin: rpc<PasskeyLoginRequest, TokenPair>('identity.sessions.passkey-login.v1'),
  /**
   * An administrator resets a user's second factors (TOTP, passkeys, recovery codes): within authorization's
   * tenant boundary (`RESET_FACTORS`), a Super Admin's by a Super Admin only; audited, the user emailed.
   */
  resetUserFactors: rpc<UserIdRequest, MfaResetResult>('identity.factors.reset-user.v1'),
  /** Step-up, first step: a second step for the signed-in user (mfaToken, factors, passkey options). */
  startStepUp: rpc<Record<string, never>, MfaRequired>('identity.sessions.step-up.start.v1'),
  /** Step-up, second step: one factor with the step's mfaToken; a new access token of the session. */
  stepUp: rpc<CompleteMfaLoginRequest, StepUpResult>('identity.sessions.step-up.v1'),
  /** The envelope's tenant's MFA policy (its override, else the instance default). */
  getMfaPolicy: rpc<Record<string, never>, MfaPolicyView>('identity.factors.policy.get.v1'),
  /** Sets (or clears, null) the envelope's tenant's MFA policy: its Admin, or a holder of TENANT. */
  setMfaPolicy: rpc<SetMfaPolicyRequest, MfaPolicyView>('identity.factors.policy.set.v1'),
  /** The second step of `/api/v1/login` and `/api/v1/session`. */
  completeLogin: rpc<CompleteMfaLoginRequest, TokenPair>('identity.sessions.login-second-factor.v1'),
} as const;
