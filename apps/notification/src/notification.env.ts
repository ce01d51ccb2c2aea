import { DatabaseServiceEnv, IsEncryptionKeys, parseBoolean } from '@gatehouse/config';
import { Transform, Type } from 'class-transformer';
import { NetworkList } from '@gatehouse/service-runtime';
import {
  IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength, Validate, ValidateIf,
  ValidationArguments, ValidatorConstraint, ValidatorConstraintInterface,
} from 'class-validator';

/** Lease margin over the SMTP deadline: time to close the socket and record the outcome. */
export const LEASE_MARGIN_MS = 5000;

@ValidatorConstraint({ name: 'leaseOutlastsSmtpTimeout' })
class LeaseOutlastsSmtpTimeout implements ValidatorConstraintInterface {
  validate(value: number, args: ValidationArguments): boolean {
    return value >= (args.object as NotificationEnv).SMTP_TIMEOUT_MS + LEASE_MARGIN_MS;
  }

  defaultMessage(): string {
    return `must be at least SMTP_TIMEOUT_MS + ${LEASE_MARGIN_MS}, or a slow send could be retried while still in flight`;
  }
}

/** Lease margin over the webhook request deadline: time to record the outcome. */
export const WEBHOOK_LEASE_MARGIN_MS = 1000;

@ValidatorConstraint({ name: 'webhookLeaseOutlastsTimeout' })
class WebhookLeaseOutlastsTimeout implements ValidatorConstraintInterface {
  validate(value: number, args: ValidationArguments): boolean {
    return value >= (args.object as NotificationEnv).WEBHOOK_TIMEOUT_MS + WEBHOOK_LEASE_MARGIN_MS;
  }

  defaultMessage(): string {
    return `must be at least WEBHOOK_TIMEOUT_MS + ${WEBHOOK_LEASE_MARGIN_MS}, or a slow delivery could be sent again while still in flight`;
  }
}

export class NotificationEnv extends DatabaseServiceEnv {
  @Type(() => Number) @IsInt() @Min(1) @Max(65535)
  HEALTH_PORT = 8084;

  /** SMTP server; unset = write each message as an .eml file to MAIL_DIR instead. */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(253)
  SMTP_HOST?: string;

  @Type(() => Number) @IsInt() @Min(1) @Max(65535)
  SMTP_PORT = 587;

  /** Implicit TLS from the first byte (usually port 465). */
  @Transform(parseBoolean) @IsBoolean()
  SMTP_SECURE = false;

  /** Without SMTP_SECURE: `auto` upgrades when the server offers STARTTLS, `required` refuses to send in clear, `never` stays in clear. */
  @IsIn(['auto', 'required', 'never'])
  SMTP_STARTTLS: 'auto' | 'required' | 'never' = 'auto';

  /** Verify the server's TLS certificate (turn off only for a self-signed development server). */
  @Transform(parseBoolean) @IsBoolean()
  SMTP_TLS_REJECT_UNAUTHORIZED = true;

  @ValidateIf((env: NotificationEnv) => env.SMTP_USER !== undefined || env.SMTP_PASSWORD !== undefined)
  @IsString({ message: 'is required when SMTP_PASSWORD is set' }) @MinLength(1)
  SMTP_USER?: string;

  @ValidateIf((env: NotificationEnv) => env.SMTP_USER !== undefined || env.SMTP_PASSWORD !== undefined)
  @IsString({ message: 'is required when SMTP_USER is set' }) @MinLength(1)
  SMTP_PASSWORD?: string;

  /** Deadline of one send (connect, TLS, auth and data), ms. */
  @Type(() => Number) @IsInt() @Min(1000) @Max(600000)
  SMTP_TIMEOUT_MS = 30000;

  /** `Name <address>` or a bare address. */
  @IsString() @MaxLength(320)
  @Matches(/^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, { message: 'must be an address or "Name <address>"' })
  MAIL_FROM = 'Gatehouse <no-reply@localhost>';

  /** Public URL of the gateway / console, used to build the links in emails. */
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  PUBLIC_BASE_URL = 'http://localhost:8080';

  /** Folder of the .eml files written when SMTP_HOST is unset. */
  @IsString() @MinLength(1)
  MAIL_DIR = './.data/mail';

  /** Attempts before a delivery is given up (status DEAD). */
  @Type(() => Number) @IsInt() @Min(1) @Max(100)
  DELIVERY_MAX_ATTEMPTS = 30;

  /** Wait after the first failed attempt; doubles per attempt up to DELIVERY_RETRY_MAX_MS. */
  @Type(() => Number) @IsInt() @Min(100) @Max(86400000)
  DELIVERY_RETRY_BASE_MS = 10000;

  @Type(() => Number) @IsInt() @Min(100) @Max(86400000)
  DELIVERY_RETRY_MAX_MS = 3600000;

  /** How long a worker owns a delivery it is sending; after a crash it is retried once the lease expires. */
  @Type(() => Number) @IsInt() @Min(1000) @Max(3600000) @Validate(LeaseOutlastsSmtpTimeout)
  DELIVERY_LEASE_MS = 120000;

  /** How often each instance looks for due deliveries (new events also wake it at once). */
  @Type(() => Number) @IsInt() @Min(50) @Max(60000)
  DELIVERY_POLL_MS = 1000;

  /** Emails one instance sends at the same time (also the SMTP connection pool size). */
  @Type(() => Number) @IsInt() @Min(1) @Max(50)
  DELIVERY_CONCURRENCY = 4;

  /**
   * Days a finished entry of the delivery logs (an email SENT or DEAD, a webhook delivery SUCCEEDED or DEAD)
   * is kept after its last change; an hourly job deletes older ones. Queued, sending and failing ones stay.
   */
  @Type(() => Number) @IsInt() @Min(1) @Max(3650)
  DELIVERY_LOG_RETENTION_DAYS = 30;

  /**
   * Keys opening the secrets of emailed links (password reset, email confirmation, invitation) that
   * identity and authorization seal in their events (LinkTokenSealer): the same value as theirs; also
   * seals a secret queued for sending. Empty: the public development key (warned at start-up).
   */
  @IsEncryptionKeys()
  LINK_TOKEN_ENCRYPTION_KEYS = '';

  /** Keys sealing webhook signing secrets at rest: `id:base64 of 32 bytes`, comma-separated, the first seals. Empty: a public development key. */
  @IsString()
  WEBHOOK_ENCRYPTION_KEYS = '';

  /** Development only: accept http:// webhook URLs on a loopback host (localhost, 127.0.0.0/8, ::1), and deliver to loopback. */
  @Transform(parseBoolean) @IsBoolean()
  WEBHOOK_ALLOW_HTTP_LOOPBACK = false;

  /** Networks webhooks may reach although private, loopback, link-local or reserved (comma-separated CIDRs); empty: none. */
  @IsString() @Validate(NetworkList)
  WEBHOOK_ALLOWED_NETWORKS = '';

  /** PEM file of extra certificate authorities trusted for webhook receivers (added to Node's bundled roots). */
  @IsOptional() @IsString() @MinLength(1)
  WEBHOOK_CA_FILE?: string;

  /** Deadline of one delivery attempt (connect, TLS, request and the answer's status), ms. */
  @Type(() => Number) @IsInt() @Min(500) @Max(120000)
  WEBHOOK_TIMEOUT_MS = 15000;

  /** Attempts of one delivery before it is given up (DEAD, redeliverable on demand). */
  @Type(() => Number) @IsInt() @Min(1) @Max(100)
  WEBHOOK_MAX_ATTEMPTS = 15;

  /** Wait after a delivery's first failed attempt; doubles per attempt up to WEBHOOK_RETRY_MAX_MS (±20% jitter). */
  @Type(() => Number) @IsInt() @Min(100) @Max(86400000)
  WEBHOOK_RETRY_BASE_MS = 10000;

  @Type(() => Number) @IsInt() @Min(100) @Max(86400000)
  WEBHOOK_RETRY_MAX_MS = 3600000;

  /** Failed attempts in a row after which a subscription is disabled and the tenant's Admins are emailed. */
  @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  WEBHOOK_DISABLE_AFTER_FAILURES = 10;

  /** Deliveries one instance sends at the same time (one per subscription at most: they go in order). */
  @Type(() => Number) @IsInt() @Min(1) @Max(100)
  WEBHOOK_CONCURRENCY = 8;

  /** How often each instance looks for due deliveries (new events also wake it at once). */
  @Type(() => Number) @IsInt() @Min(50) @Max(60000)
  WEBHOOK_POLL_MS = 1000;

  /** How long a worker owns a delivery it is sending; after a crash it is sent again once the lease expires. */
  @Type(() => Number) @IsInt() @Min(1000) @Max(3600000) @Validate(WebhookLeaseOutlastsTimeout)
  WEBHOOK_LEASE_MS = 30000;
}
