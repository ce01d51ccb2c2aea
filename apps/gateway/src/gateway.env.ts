import { BaseServiceEnv } from '@gatehouse/config';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';

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

  /** Minimum seconds between two JWKS reloads triggered by an unknown `kid`. */
  @Type(() => Number) @IsInt() @Min(0) @Max(3600)
  JWKS_REFRESH_COOLDOWN_SECONDS = 10;
}
