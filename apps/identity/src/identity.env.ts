import { DatabaseServiceEnv } from '@gatehouse/config';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';

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

  /** A signing key is used for this long, then a new one takes over; old keys stay published until their tokens expire. */
  @Type(() => Number) @IsInt() @Min(3600)
  SIGNING_KEY_ROTATION_SECONDS = 30 * 24 * 3600;

  @Type(() => Number) @IsInt() @Min(8) @Max(128)
  PASSWORD_MIN_LENGTH = 8;
}
