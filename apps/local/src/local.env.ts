import { DEFAULT_LOCAL_DATA_DIR } from '@gatehouse/contracts';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

/**
 * Variables of local mode's launcher itself. Every service variable of docs/configuration.md applies
 * too; local mode only changes some defaults (HTTP_HOST, LOG_LEVEL, MAIL_DIR) and always uses its own
 * database and transport (DATABASE_URL and NATS_* are not read).
 */
export class LocalEnv {
  /** Where the embedded database, the message store and the emails are kept across restarts; the operator socket is there too. */
  @IsString()
  GATEHOUSE_DATA_DIR = DEFAULT_LOCAL_DATA_DIR;

  /** Port of the embedded Postgres; a free port when unset. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(65535)
  LOCAL_POSTGRES_PORT?: number;
}
