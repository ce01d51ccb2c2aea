import { DatabaseServiceEnv, parseBoolean } from '@gatehouse/config';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';

export class TenancyEnv extends DatabaseServiceEnv {
  @Type(() => Number) @IsInt() @Min(1) @Max(65535)
  HEALTH_PORT = 8082;

  /** Off: everything lives in the default tenant and creating tenants is refused. */
  @Transform(parseBoolean) @IsBoolean()
  MULTI_TENANCY_ENABLED = false;

  /** With multi-tenancy on: keep the default (null-id) tenant reachable. Turning it off hides its data, never deletes it. */
  @Transform(parseBoolean) @IsBoolean()
  DEFAULT_TENANT_ENABLED = true;
}
