import { GatehouseConfigModule } from '@gatehouse/config';
import { AuditRecorder, DURABLE_EVENTS_OPTIONS, EventConsumers, Outbox } from '@gatehouse/durable-events';
import { NatsClient, RpcClient } from '@gatehouse/messaging';
import { createServiceDatabase, FakeEventConsumers, FakeNats, FakeRpc, ServiceDatabase } from '@gatehouse/testing';
import { DynamicModule, Global, INestApplicationContext, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TENANCY_CONTEXTS, TENANCY_SCHEMA } from '../app.module';
import { TenancyEnv } from '../tenancy.env';

const SCHEMA = 'tenancy';

/** MessagingModule and DurableEventsModule as the service has them, over fakes of NATS: the real outbox and audit recorder. */
@Global()
@Module({})
class FakeMessagingModule {
  static register(rpc: FakeRpc, nats: FakeNats, consumers: FakeEventConsumers): DynamicModule {
    const providers = [
      { provide: NatsClient, useValue: nats.client() },
      { provide: RpcClient, useValue: rpc.client() },
      { provide: EventConsumers, useValue: consumers },
      { provide: DURABLE_EVENTS_OPTIONS, useValue: { service: 'tenancy', schema: SCHEMA, outboxRetentionHours: 1 } },
      Outbox,
      AuditRecorder,
    ];
    return { module: FakeMessagingModule, providers, exports: providers.map((p) => ('provide' in p ? p.provide : p)) };
  }
}

export interface TenancyWorld {
  db: ServiceDatabase;
  rpc: FakeRpc;
  nats: FakeNats;
  consumers: FakeEventConsumers;
  env: TenancyEnv;
  app: INestApplicationContext;
  /** The data of the outbox events on `subject`, oldest first (the relay never runs: NATS is a fake). */
  outboxEvents<T>(subject: string): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * Tenancy's contexts as the service wires them, on a migrated database of their own; the other services'
 * replies come from `rpc` (a FakeRpc the spec answers), events are delivered by `consumers`, and the outbox
 * keeps its rows (NATS is never ready) for `outboxEvents` to read.
 */
export async function openTenancy(env: Partial<TenancyEnv> = {}): Promise<TenancyWorld> {
  Logger.overrideLogger(['fatal']);
  const db = await createServiceDatabase({ schema: SCHEMA, ...TENANCY_SCHEMA });
  const config = Object.assign(new TenancyEnv(), { DATABASE_URL: db.database.url }, env);
  const rpc = new FakeRpc();
  const nats = new FakeNats();
  const consumers = new FakeEventConsumers();
  try {
    const app = await NestFactory.createApplicationContext(TenancyUnitModule.register(config, db, rpc, nats, consumers), { logger: ['fatal'] });
    return {
      db,
      rpc,
      nats,
      consumers,
      env: config,
      app,
      outboxEvents: async <T>(subject: string) =>
        ((await db.dataSource.query(`SELECT envelope FROM tenancy.outbox WHERE subject = $1 ORDER BY seq`, [subject])) as Array<{
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

@Module({})
class TenancyUnitModule {
  static register(config: TenancyEnv, db: ServiceDatabase, rpc: FakeRpc, nats: FakeNats, consumers: FakeEventConsumers): DynamicModule {
    return {
      module: TenancyUnitModule,
      imports: [
        GatehouseConfigModule.forRoot(TenancyEnv, config),
        TypeOrmModule.forRootAsync({ useFactory: () => ({ type: 'postgres' }), dataSourceFactory: async () => db.dataSource }),
        FakeMessagingModule.register(rpc, nats, consumers),
        ...TENANCY_CONTEXTS,
      ],
    };
  }
}
