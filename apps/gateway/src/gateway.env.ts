import { BaseServiceEnv, parseBoolean } from '@gatehouse/config';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

const ROUTE_TIMEOUT_ENTRY = String.raw`\s*(GET|POST|PUT|PATCH|DELETE)\s+/[^\s,=]*=\d{2,6}\s*`;
const ROUTE_TIMEOUTS_SYNTAX = new RegExp(`^(${ROUTE_TIMEOUT_ENTRY}(,${ROUTE_TIMEOUT_ENTRY})*)?$`);

export class GatewayEnv extends BaseServiceEnv {
  /** The only public port of Gatehouse (API, health). */
  @Type(() => Number) @IsInt() @Min(1) @Max(65535)
  PORT = 8080;

  /** Must equal identity's JWT_ISSUER. */
  @IsString() @MinLength(1)
  JWT_ISSUER = 'http://localhost:8080';

  @IsString() @MinLength(1)
  JWT_AUDIENCE = 'gatehouse';

  /** Largest accepted request body (NATS carries it, so it stays below the server's max_payload). */
  @Type(() => Number) @IsInt() @Min(1024) @Max(6 * 1024 * 1024)
  BODY_LIMIT_BYTES = 1024 * 1024;

  /** Requests per minute per client IP (before authentication); 0 = unlimited. */
  @Type(() => Number) @IsInt() @Min(0)
  RATE_LIMIT_PER_IP_PER_MINUTE = 6000;

  /** Requests per minute per authenticated subject; 0 = unlimited. */
  @Type(() => Number) @IsInt() @Min(0)
  RATE_LIMIT_PER_SUBJECT_PER_MINUTE = 3000;

  /**
   * Origins allowed by CORS, comma-separated (`*` for any); empty = no CORS headers. The browser-session
   * endpoints accept an Origin listed here (not through `*`) besides the gateway's own host.
   */
  @IsString()
  CORS_ORIGINS = '';

  /**
   * Mark the browser-session cookie `Secure` (named `__Secure-gatehouse-session`). Browsers keep Secure
   * cookies on https and on http://localhost or 127.0.0.1; set false only for a console served over plain
   * http from another host (the cookie is then `gatehouse-session`).
   */
  @Transform(parseBoolean) @IsBoolean()
  SESSION_COOKIE_SECURE = true;

  /**
   * The ingresses (nginx, Caddy, Traefik, Envoy) whose `X-Forwarded-For` names the client on the
   * forward-auth endpoints (docs/forward-auth.md): comma-separated addresses and CIDR blocks; empty trusts
   * none. The client's address keys the per-IP rate limit and Basic sign-in throttling.
   */
  @IsString() @Matches(/^[\s\da-fA-F.:/,]*$/, { message: 'FORWARD_AUTH_TRUSTED_PROXIES must be comma-separated IP addresses or CIDR blocks' })
  FORWARD_AUTH_TRUSTED_PROXIES = '127.0.0.0/8,::1';

  /**
   * Per-route deadlines for the built-in routes, overriding RPC_TIMEOUT_MS (SCIM routes: 30000):
   * comma-separated `METHOD /path=ms` with the route's path as the route table declares it, e.g.
   * `GET /api/v1/:tenant/users=10000,POST /api/v1/tenants=20000`. The deadline travels with the request,
   * so the service stops work the client no longer waits for.
   */
  @IsString() @Matches(ROUTE_TIMEOUTS_SYNTAX, { message: 'GATEWAY_ROUTE_TIMEOUTS must be comma-separated `METHOD /path=milliseconds` entries' })
  GATEWAY_ROUTE_TIMEOUTS = '';

  /** YAML/JSON file declaring upstream HTTP services behind the gateway (see docs/gateway-routes.md). */
  @IsOptional() @IsString()
  GATEWAY_ROUTES_FILE?: string;

  /** Serve Prometheus metrics at /metrics. */
  @Transform(parseBoolean) @IsBoolean()
  METRICS_ENABLED = true;

  /** Minimum seconds between two JWKS reloads triggered by an unknown `kid`. */
  @Type(() => Number) @IsInt() @Min(0) @Max(3600)
  JWKS_REFRESH_COOLDOWN_SECONDS = 10;

  /**
   * Safety net only: the sessions identity revoked recently are re-read this often (0: never), for a
   * revocation whose broadcast was lost with the identity instance that committed it.
   */
  @Type(() => Number) @IsInt() @Min(0) @Max(3600)
  REVOCATIONS_RELOAD_SECONDS = 30;

  /** Seconds a resolved API token or Basic credential is reused without asking identity (revocations still apply at once). */
  @Type(() => Number) @IsInt() @Min(0) @Max(300)
  CREDENTIAL_CACHE_SECONDS = 15;

  /**
   * On SIGTERM, milliseconds during which /health/ready answers 503 while requests are still served,
   * before the server stops accepting connections (behind a load balancer or a Kubernetes Service: a
   * few seconds, less than the termination grace period).
   */
  @Type(() => Number) @IsInt() @Min(0) @Max(120_000)
  SHUTDOWN_DELAY_MS = 0;

  /**
   * Milliseconds a cached authorization decision is reused (0 disables the cache). A safety net only:
   * the invalidation broadcast drops cached decisions at once.
   */
  @Type(() => Number) @IsInt() @Min(0) @Max(60_000)
  GATEWAY_DECISION_CACHE_TTL_MS = 3000;

  /** Upper bound of identity's ACCESS_TOKEN_TTL_SECONDS: how long a revoked session is remembered. */
  @Type(() => Number) @IsInt() @Min(30) @Max(24 * 3600)
  ACCESS_TOKEN_MAX_TTL_SECONDS = 3600;

  /**
   * Step-up (docs/mfa.md): how recent the last second factor of a session must be for a sensitive action
   * (credentials, impersonation, granting Admin or Instance Admin, one's own password or factors, deleting a
   * tenant); older, the gateway answers 401 `step-up-required`. Users without a second factor are not asked.
   */
  @Type(() => Number) @IsInt() @Min(30) @Max(24 * 3600)
  STEP_UP_MAX_AGE_SECONDS = 600;
}
