import { DatabaseServiceEnv, IsEncryptionKeys, parseBoolean } from '@gatehouse/config';
import { NetworkList } from '@gatehouse/service-runtime';
import { Transform, Type } from 'class-transformer';
import { MFA_POLICIES, MfaPolicy } from '@gatehouse/contracts';
import { IsBoolean, IsIn, IsInt, IsString, Matches, Max, MaxLength, Min, MinLength, Validate } from 'class-validator';

export class IdentityEnv extends DatabaseServiceEnv {
  @Type(() => Number) @IsInt() @Min(1) @Max(65535)
  HEALTH_PORT = 8081;

  /** `iss` of every token; the public URL of the gateway. */
  @IsString() @MinLength(1)
  JWT_ISSUER = 'http://localhost:8080';

  @IsString() @MinLength(1)
  JWT_AUDIENCE = 'gatehouse';

  @Type(() => Number) @IsInt() @Min(30) @Max(3600)
  ACCESS_TOKEN_TTL_SECONDS = 300;

  @Type(() => Number) @IsInt() @Min(300) @Max(90 * 24 * 3600)
  REFRESH_TOKEN_TTL_SECONDS = 14 * 24 * 3600;

  /**
   * Step-up (docs/mfa.md), as the gateway's variable of the same name: identity applies it itself where the
   * gateway does not see the action, the token endpoint's impersonation (token exchange). Set both alike.
   */
  @Type(() => Number) @IsInt() @Min(30) @Max(24 * 3600)
  STEP_UP_MAX_AGE_SECONDS = 600;

  /** A signing key is used for this long, then a new one takes over; old keys stay published until their tokens expire. */
  @Type(() => Number) @IsInt() @Min(3600)
  SIGNING_KEY_ROTATION_SECONDS = 30 * 24 * 3600;

  @Type(() => Number) @IsInt() @Min(8) @Max(128)
  PASSWORD_MIN_LENGTH = 8;

  /** Failed sign-ins (login or Basic) within LOGIN_FAILURE_WINDOW_SECONDS that lock an account. */
  @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  LOGIN_MAX_FAILURES = 10;

  @Type(() => Number) @IsInt() @Min(1) @Max(24 * 3600)
  LOGIN_FAILURE_WINDOW_SECONDS = 300;

  /** How long a locked account stays locked (unless a Super Admin unlocks it or a reset completes). */
  @Type(() => Number) @IsInt() @Min(1) @Max(7 * 24 * 3600)
  LOGIN_LOCK_SECONDS = 1800;

  /** Failed sign-ins from one IP address within the window after which that address is throttled (429). */
  @Type(() => Number) @IsInt() @Min(1) @Max(1_000_000)
  LOGIN_IP_MAX_FAILURES = 100;

  /** Lifetime of a forgotten-password link. */
  @Type(() => Number) @IsInt() @Min(60) @Max(7 * 24 * 3600)
  PASSWORD_RESET_TOKEN_TTL_SECONDS = 1800;

  /** Lifetime of the link of an admin-requested mandatory reset (the user may read the email later). */
  @Type(() => Number) @IsInt() @Min(60) @Max(30 * 24 * 3600)
  ADMIN_PASSWORD_RESET_TOKEN_TTL_SECONDS = 24 * 3600;

  /** forgotten-password answers no sooner than this, whether or not the account exists. */
  @Type(() => Number) @IsInt() @Min(0) @Max(5000)
  FORGOTTEN_PASSWORD_MIN_RESPONSE_MS = 250;

  /** Lifetime of an email confirmation link (a new account's address, or the new address of a change). */
  @Type(() => Number) @IsInt() @Min(300) @Max(30 * 24 * 3600)
  EMAIL_VERIFICATION_TOKEN_TTL_SECONDS = 24 * 3600;

  /** A user can have a confirmation link sent again at most once per this many seconds. */
  @Type(() => Number) @IsInt() @Min(0) @Max(24 * 3600)
  EMAIL_VERIFICATION_RESEND_INTERVAL_SECONDS = 60;

  /**
   * Keys sealing the secrets of the reset and confirmation links in their events (outbox, events stream)
   * until notification opens them (LinkTokenSealer): the same value as authorization's and notification's.
   * Empty: the public development key (warned at start-up).
   */
  @IsEncryptionKeys()
  LINK_TOKEN_ENCRYPTION_KEYS = '';

  /**
   * Keys that encrypt TOTP secrets at rest (AES-256-GCM): comma-separated `id:base64` entries, each key
   * 32 bytes. The first encrypts; all decrypt. Rotation: put the new key first and keep the old ones; a
   * secret is re-encrypted with the first key whenever it is used. Empty: a built-in development key
   * (warned at start-up; never for production).
   */
  @IsEncryptionKeys()
  MFA_ENCRYPTION_KEYS = '';

  /** The issuer authenticator apps show next to a TOTP code (`otpauth://` issuer). */
  @IsString() @MinLength(1) @MaxLength(100)
  MFA_TOTP_ISSUER = 'Gatehouse';

  /**
   * The instance's MFA policy (docs/mfa.md), which a tenant may override: `optional`, `required` (everybody)
   * or `required-for-admins` (Admin of a tenant, Instance Admin, Super Admin).
   */
  @IsIn(MFA_POLICIES as unknown as string[])
  MFA_POLICY: MfaPolicy = 'optional';

  /** Lifetime of the second step of a sign-in (the `mfaToken`) and of WebAuthn challenges. */
  @Type(() => Number) @IsInt() @Min(30) @Max(3600)
  MFA_CHALLENGE_TTL_SECONDS = 300;

  /** Wrong second factors one `mfaToken` accepts before it is void (each also counts towards the lockout). */
  @Type(() => Number) @IsInt() @Min(1) @Max(20)
  MFA_CHALLENGE_MAX_ATTEMPTS = 5;

  /** WebAuthn relying party id (a domain, no scheme or port). Empty: the host name of JWT_ISSUER. */
  @IsString() @MaxLength(253) @Matches(/^$|^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, { message: 'WEBAUTHN_RP_ID must be a domain name such as gatehouse.example.com' })
  WEBAUTHN_RP_ID = '';

  /** The name authenticators show for this relying party. */
  @IsString() @MinLength(1) @MaxLength(100)
  WEBAUTHN_RP_NAME = 'Gatehouse';

  /** Origins passkey ceremonies may come from, comma-separated (`https://gatehouse.example.com`). Empty: the origin of JWT_ISSUER. */
  @IsString() @MaxLength(4000) @Matches(/^$|^https?:\/\/[^\s,/]+(,https?:\/\/[^\s,/]+)*$/, { message: 'WEBAUTHN_ORIGINS must be comma-separated origins such as https://gatehouse.example.com' })
  WEBAUTHN_ORIGINS = '';

  /**
   * Keys that encrypt identity providers' secrets at rest (an LDAP bind password, an OIDC client secret;
   * docs/federation.md): comma-separated `id:base64` entries of 32-byte keys, the first encrypts, all decrypt.
   * Empty: a built-in development key (warned at start-up; never for production).
   */
  @IsEncryptionKeys()
  FEDERATION_ENCRYPTION_KEYS = '';

  /** Networks identity providers may be reached on although private, loopback, link-local or reserved (comma-separated CIDRs); empty: none. */
  @IsString() @Validate(NetworkList)
  FEDERATION_ALLOWED_NETWORKS = '';

  /** Development and tests only: identity providers on a loopback host (and `ldap://`, `http://` to it without TLS). */
  @Transform(parseBoolean) @IsBoolean()
  FEDERATION_ALLOW_LOOPBACK = false;
}
