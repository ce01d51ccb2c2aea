import { DatabaseServiceEnv } from '@gatehouse/config';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export class AuthorizationEnv extends DatabaseServiceEnv {
  @Type(() => Number) @IsInt() @Min(1) @Max(65535)
  HEALTH_PORT = 8083;

  /** Safety net only: compiled grants are dropped by invalidation broadcasts as soon as they change. */
  @Type(() => Number) @IsInt() @Min(1) @Max(3600)
  GRANTS_CACHE_TTL_SECONDS = 300;

  @Type(() => Number) @IsInt() @Min(100)
  GRANTS_CACHE_MAX_SUBJECTS = 200_000;
}
