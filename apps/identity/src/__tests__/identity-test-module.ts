import { Caller, CreateUserRequest, Problem, UserView } from '@gatehouse/contracts';
import { GatehouseConfigModule } from '@gatehouse/config';
import { AuditRecorder, DURABLE_EVENTS_OPTIONS, EventConsumers, Outbox } from '@gatehouse/durable-events';
import { ProblemException } from '@gatehouse/errors';
import { NatsClient, RpcClient } from '@gatehouse/messaging';
import { createServiceDatabase, FakeEventConsumers, FakeNats, FakeRpc, ServiceDatabase } from '@gatehouse/testing';
import { DynamicModule, Global, INestApplicationContext, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiTokenEntity } from '../api-tokens/api-token.entity';
import { ApiTokensModule } from '../api-tokens/api-tokens.module';
import { IdentityEnv } from '../identity.env';
import { KeysModule } from '../keys/keys.module';
import { SigningKeyEntity } from '../keys/signing-key.entity';
import { IDENTITY_MIGRATIONS } from '../migrations';
import { PasswordFlowsModule } from '../password-flows/password-flows.module';
import { PasswordsModule } from '../passwords/passwords.module';
import { RevocationModule } from '../revocation/revocation.module';
import { ServiceAccountEntity } from '../service-accounts/service-account.entity';
import { ServiceAccountsModule } from '../service-accounts/service-accounts.module';
import { RefreshTokenEntity } from '../sessions/refresh-token.entity';
import { SessionsModule } from '../sessions/sessions.module';
import { UserSettingsModule } from '../settings/user-settings.module';
import { SetupModule } from '../setup/setup.module';
import { TenantCleanupModule } from '../tenant-cleanup/tenant-cleanup.service';
import { UserEntity } from '../users/user.entity';
import { UsersModule } from '../users/users.module';
import { UsersService } from '../users/users.service';

const SCHEMA = 'identity';

/** MessagingModule and DurableEventsModule as the service has them, over fakes of NATS: the real outbox and audit recorder. */
@Global()
@Module({})
class FakeMessagingModule {
  static register(rpc: FakeRpc, nats: FakeNats, consumers: FakeEventConsumers): DynamicModule {
    const providers = [
      { provide: NatsClient, useValue: nats.client() },
      { provide: RpcClient, useValue: rpc.client() },
      { provide: EventConsumers, useValue: consumers },
      { provide: DURABLE_EVENTS_OPTIONS, useValue: { service: SCHEMA, schema: SCHEMA, outboxRetentionHours: 1 } },
      Outbox,
      AuditRecorder,
    ];
    return { module: FakeMessagingModule, providers, exports: providers.map((p) => ('provide' in p ? p.provide : p)) };
  }
}

@Module({})
class IdentityUnitModule {
  static register(config: IdentityEnv, db: ServiceDatabase, rpc: FakeRpc, nats: FakeNats, consumers: FakeEventConsumers): DynamicModule {
    return {
      module: IdentityUnitModule,
      imports: [
        GatehouseConfigModule.forRoot(IdentityEnv, config),
        TypeOrmModule.forRootAsync({ useFactory: () => ({ type: 'postgres' }), dataSourceFactory: async () => db.dataSource }),
        FakeMessagingModule.register(rpc, nats, consumers),
        PasswordsModule,
        KeysModule,
        UsersModule,
        SessionsModule,
        SetupModule,
        RevocationModule,
        PasswordFlowsModule,
        ServiceAccountsModule,
        ApiTokensModule,
        UserSettingsModule,
        TenantCleanupModule,
      ],
    };
  }
}

export interface IdentityWorld {
  db: ServiceDatabase;
  rpc: FakeRpc;
  nats: FakeNats;
  consumers: FakeEventConsumers;
  /** The service's config; a spec may change a value for a test (the services read it on each call). */
  env: IdentityEnv;
  app: INestApplicationContext;
  get<T>(type: new (...args: never[]) => T): T;
  /** The data of the outbox events on `subject`, oldest first (the relay never runs: NATS is a fake). */
  outboxEvents<T>(subject: string): Promise<T[]>;
  /** A user created through UsersService (by an internal caller), with a unique username. */
  createUser(overrides?: Partial<CreateUserRequest>): Promise<UserView & { email: string; password: string; caller: Caller }>;
  close(): Promise<void>;
}

export const GOOD_PASSWORD = 'Correct-Horse-42';
let users = 0;

/**
 * Identity's contexts as the service wires them, on a migrated database of their own; other services'
 * replies come from `rpc` (a FakeRpc the spec answers), broadcasts are recorded by `nats`, and the
 * outbox keeps its rows for `outboxEvents` to read.
 */
export async function openIdentity(env: Partial<IdentityEnv> = {}): Promise<IdentityWorld> {
  Logger.overrideLogger(['fatal']);
  const db = await createServiceDatabase({
    schema: SCHEMA,
    entities: [UserEntity, RefreshTokenEntity, SigningKeyEntity, ServiceAccountEntity, ApiTokenEntity],
    migrations: IDENTITY_MIGRATIONS,
  });
  const config = Object.assign(new IdentityEnv(), { DATABASE_URL: db.database.url, FORGOTTEN_PASSWORD_MIN_RESPONSE_MS: 0 }, env);
  const [rpc, nats, consumers] = [new FakeRpc(), new FakeNats(), new FakeEventConsumers()];
  try {
    const app = await NestFactory.createApplicationContext(IdentityUnitModule.register(config, db, rpc, nats, consumers), { logger: ['fatal'] });
    const internal: Caller = { type: 'SERVICE', id: 'tenancy', via: 'internal' };
    return {
      db,
      rpc,
      nats,
      consumers,
      env: config,
      app,
      get: (type) => app.get(type),
      outboxEvents: async <T>(subject: string) =>
        ((await db.dataSource.query(`SELECT envelope FROM identity.outbox WHERE subject = $1 ORDER BY seq`, [subject])) as Array<{
          envelope: { data: T };
        }>).map((r) => r.envelope.data),
      createUser: async (overrides = {}) => {
        const username = `user${++users}-${Date.now().toString(36)}@example.com`;
        const password = overrides.password ?? GOOD_PASSWORD;
        const view = await app.get(UsersService).create({ username, password, ...overrides }, internal);
        return { ...view, email: view.email ?? '', password, caller: { type: 'USER', id: view.id, via: 'jwt' } as Caller };
      },
      close: async () => {
        await app.close();
        await db.drop();
      },
    };
  } catch (error) {
    await db.drop();
    throw error;
  }
}

/** The problem a promise rejects with, for deny paths (fails the test if it resolves or throws something else). */
export async function problemOf(promise: Promise<unknown>): Promise<Problem & { errors?: Array<{ field: string; message: string }>; retryAfter?: number }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProblemException) return error.problem as never;
    throw error;
  }
  throw new Error('expected a problem, got a success');
}
