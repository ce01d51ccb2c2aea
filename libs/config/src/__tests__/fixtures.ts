import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { DatabaseServiceEnv, IsEncryptionKeys } from '../base-env';
import { parseBoolean } from '../validate-env';

export class IdentityEnvForTest extends DatabaseServiceEnv {
  @Type(() => Number) @IsInt() @Min(1) @Max(65535)
  HEALTH_PORT = 9000;

  @Transform(parseBoolean) @IsBoolean()
  FEATURE_ON = false;

  @IsEncryptionKeys()
  SEALING_KEYS = '';
}
