import { DatabaseServiceEnv, GatehouseConfigModule } from '@gatehouse/config';
import { DatabaseOptions } from '@gatehouse/database';
import { AuditRecorder, DURABLE_EVENTS_OPTIONS, EventConsumers, Outbox, PostgresIdempotencyLedger } from '@gatehouse/durable-events';
import { NatsClient, RpcClient } from '@gatehouse/messaging';
import { createServiceDatabase, FakeEventConsumers, FakeNats, FakeRpc, ServiceDatabase } from '@gatehouse/testing';
import { DynamicModule, Global, INestApplicationContext, Logger, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';

/** A service as its app.module has it: what a unit spec wires. */
export interface ServiceUnderTest<E> {
  /** The service's name: its Postgres schema and the source of its events. */
  name: string;
  envClass: Type<E>;
  /** Its tables, as app.module hands them to ownedSchema. */
  schema: Pick<DatabaseOptions, 'entities' | 'migrations'>;
  /** Its bounded contexts, as app.module imports them. */
  contexts: Array<Type<unknown> | DynamicModule>;
  /** Settings over the env class's defaults (DATABASE_URL is the test database's). */
  env?: Partial<E>;
}

export interface ServiceWorld<E> {
  db: ServiceDatabase;
  /** The other services' replies: answer them with `rpc.on`. */
  rpc: FakeRpc;
  /** Core-NATS broadcasts, recorded. */
  nats: FakeNats;
  /** The durable consumers the contexts registered; `deliver` hands them an event. */
  consumers: FakeEventConsumers;
  /** The service's config; a spec may change a value for a test (the services read it on each call). */
  env: E;
  app: INestApplicationContext;
  get<T>(type: Type<T>): T;
  /** The data of the outbox events on `subject`, oldest first (the relay never runs: NATS is a fake). */
  outboxEvents<T>(subject: string): Promise<T[]>;
  close(): Promise<void>;
}

/** MessagingModule and DurableEventsModule as a service has them, over fakes of NATS: the real outbox, audit recorder and idempotency record. */
@Global()
@Module({})
class FakeMessagingModule {
  static register(service: string, rpc: FakeRpc, nats: FakeNats, consumers: FakeEventConsumers): DynamicModule {
    const providers = [
      { provide: NatsClient, useValue: nats.client() },
      { provide: RpcClient, useValue: rpc.client() },
      { provide: EventConsumers, useValue: consumers },
      { provide: DURABLE_EVENTS_OPTIONS, useValue: { service, schema: service, outboxRetentionHours: 1 } },
      Outbox,
      AuditRecorder,
      PostgresIdempotencyLedger,
    ];
    return { module: FakeMessagingModule, providers, exports: providers.map((p) => ('provide' in p ? p.provide : p)) };
  }
}

@Module({})
class ServiceUnitModule {
  static register(config: object, service: ServiceUnderTest<object>, db: ServiceDatabase, rpc: FakeRpc, nats: FakeNats, consumers: FakeEventConsumers): DynamicModule {
    return {
      module: ServiceUnitModule,
      imports: [
        GatehouseConfigModule.forRoot(service.envClass, config),
        TypeOrmModule.forRootAsync({ useFactory: () => ({ type: 'postgres' }), dataSourceFactory: async () => db.dataSource }),
        FakeMessagingModule.register(service.name, rpc, nats, consumers),
        ...service.contexts,
      ],
    };
  }
}

/**
 * A service's contexts as the service wires them, on a migrated database of their own (real Postgres);
 * other services' replies come from `rpc` (a FakeRpc the spec answers), broadcasts are recorded by `nats`,
 * events are delivered by `consumers`, and the outbox keeps its rows (NATS is never ready) for
 * `outboxEvents` to read.
 */
export async function openServiceWorld<E extends DatabaseServiceEnv>(service: ServiceUnderTest<E>): Promise<ServiceWorld<E>> {
  Logger.overrideLogger(['fatal']);
  const db = await createServiceDatabase({ schema: service.name, ...service.schema });
  const config = Object.assign(new service.envClass(), { DATABASE_URL: db.database.url }, service.env);
  const [rpc, nats, consumers] = [new FakeRpc(), new FakeNats(), new FakeEventConsumers()];
  try {
    const app = await NestFactory.createApplicationContext(
      ServiceUnitModule.register(config, service, db, rpc, nats, consumers),
      { logger: ['fatal'] },
    );
    return {
      db,
      rpc,
      nats,
      consumers,
      env: config,
      app,
      get: (type) => app.get(type),
      outboxEvents: async <T>(subject: string) =>
        ((await db.dataSource.query(`SELECT envelope FROM "${service.name}".outbox WHERE subject = $1 ORDER BY seq`, [subject])) as Array<{
          envelope: { data: T };
        }>).map((r) => r.envelope.data),
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
