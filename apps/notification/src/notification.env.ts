import { DatabaseServiceEnv } from '@gatehouse/config';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export class NotificationEnv extends DatabaseServiceEnv {
  @Type(() => Number) @IsInt() @Min(1) @Max(65535)
  HEALTH_PORT = 8084;
}
