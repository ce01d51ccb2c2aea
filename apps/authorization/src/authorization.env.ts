import { DatabaseServiceEnv, IsEncryptionKeys } from '@gatehouse/config';
import { Type } from 'class-transformer';
import { IsInt, IsUrl, Max, Min } from 'class-validator';

export class AuthorizationEnv extends DatabaseServiceEnv {
  @Type(() => Number) @IsInt() @Min(1) @Max(65535)
  HEALTH_PORT = 8083;

  /** Safety net only: compiled grants are dropped by invalidation broadcasts as soon as they change. */
  @Type(() => Number) @IsInt() @Min(1) @Max(3600)
  GRANTS_CACHE_TTL_SECONDS = 300;

  @Type(() => Number) @IsInt() @Min(100)
  GRANTS_CACHE_MAX_SUBJECTS = 200_000;

  /**
   * Safety net only: the live tenants are re-read this often (0: never), for a change whose broadcast was
   * lost with the instance that committed it. Changes otherwise apply at once.
   */
  @Type(() => Number) @IsInt() @Min(0) @Max(3600)
  LIVE_TENANTS_RELOAD_SECONDS = 60;

  /**
   * At most this many ACCESS_REFUSED audit entries per actor and tenant per minute, per instance: past it, the
   * refusals of the minute are counted and recorded as one entry (`details.suppressed`) when the minute ends.
   */
  @Type(() => Number) @IsInt() @Min(1) @Max(100_000)
  ACCESS_REFUSED_AUDIT_PER_MINUTE = 30;

  /** How long an invitation link stays valid (7 days by default). */
  @Type(() => Number) @IsInt() @Min(1) @Max(24 * 90)
  INVITATION_TTL_HOURS = 168;

  /** Page of the UI that accepts an invitation; the link is `<base>?token=<secret>`. */
  @IsUrl({ require_tld: false, require_protocol: true })
  INVITATION_LINK_BASE = 'http://localhost:8080/ui/invitations/accept';

  /**
   * Keys sealing the secret of an invitation's link in its event (outbox, events stream) until
   * notification opens it (LinkTokenSealer): the same value as identity's and notification's. Empty: the
   * public development key (warned at start-up).
   */
  @IsEncryptionKeys()
  LINK_TOKEN_ENCRYPTION_KEYS = '';
}
