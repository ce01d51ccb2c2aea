import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** Variables every Gatehouse service reads. */
export class BaseServiceEnv {
  /** NATS server(s), comma-separated. */
  @IsString() @Matches(/^(nats|tls|wss?):\/\/[^,\s]+(,(nats|tls|wss?):\/\/[^,\s]+)*$/, {
    message: 'must be one or more nats:// URLs separated by commas',
  })
  NATS_URL = 'nats://127.0.0.1:4222';

  @IsOptional() @IsString()
  NATS_USER?: string;

  @IsOptional() @IsString()
  NATS_PASSWORD?: string;

  /**
   * Replicas of the JetStream stream and key-value bucket this service creates when missing: 3 on a
   * 3-node NATS cluster (each survives the loss of a node), 1 on a single server.
   */
  @Type(() => Number) @IsInt() @Min(1) @Max(5)
  JETSTREAM_REPLICAS = 1;

  /** Milliseconds a request-reply call waits for an answer. */
  @Type(() => Number) @IsInt() @Min(100) @Max(120000)
  RPC_TIMEOUT_MS = 5000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Interface the health (or, for the gateway, public) HTTP port binds to. */
  @IsString()
  HTTP_HOST = '0.0.0.0';
}

/** Variables of a service that owns a Postgres schema. */
export class DatabaseServiceEnv extends BaseServiceEnv {
  @IsString() @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// connection URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/gatehouse';

  @Type(() => Number) @IsInt() @Min(1) @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** Hours a published outbox event is kept before the hourly prune deletes it. */
  @Type(() => Number) @IsInt() @Min(1) @Max(8760)
  OUTBOX_RETENTION_HOURS = 168;
}

const ENCRYPTION_KEYS = /^$|^[A-Za-z0-9_.-]{1,32}:[A-Za-z0-9+/_-]{43}=?(,[A-Za-z0-9_.-]{1,32}:[A-Za-z0-9+/_-]{43}=?)*$/;

/**
 * A keys variable of SecretSealer (@gatehouse/database): comma-separated `id:base64` entries of 32-byte
 * keys, or empty (the public development key). A bad one stops start-up naming the variable.
 */
export function IsEncryptionKeys(): PropertyDecorator {
  return (target, property) => {
    IsString()(target, property);
    MaxLength(10_000)(target, property);
    Matches(ENCRYPTION_KEYS, {
      message: ({ property: name }) => `${name} must be comma-separated id:base64 entries of 32-byte keys (e.g. k1:$(openssl rand -base64 32))`,
    })(target, property);
  };
}
