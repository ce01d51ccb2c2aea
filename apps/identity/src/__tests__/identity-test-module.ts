import { Caller, CreateUserRequest, UserView } from '@gatehouse/contracts';
import { GatehouseConfigModule } from '@gatehouse/config';
import { AuditRecorder, DURABLE_EVENTS_OPTIONS, EventConsumers, Outbox } from '@gatehouse/durable-events';
import { NatsClient, RpcClient } from '@gatehouse/messaging';
import { createServiceDatabase, FakeEventConsumers, FakeNats, FakeRpc, ServiceDatabase } from '@gatehouse/testing';
import { DynamicModule, Global, INestApplicationContext, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityEnv } from '../identity.env';
import { IDENTITY_CONTEXTS, IDENTITY_SCHEMA } from '../app.module';
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
        ...IDENTITY_CONTEXTS,
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
  const db = await createServiceDatabase({ schema: SCHEMA, ...IDENTITY_SCHEMA });
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
        const view = await app.get(UsersService).create(internal, { username, password, ...overrides });
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

