import { DynamicModule, Global, Module } from '@nestjs/common';
import { AuditRecorder } from './audit-recorder';
import { DURABLE_EVENTS_OPTIONS, DurableEventsOptions } from './durable-events.options';
import { EventConsumers } from './event-consumers';
import { EventRetention } from './event-retention';
import { Outbox } from './outbox';
import { PostgresIdempotencyLedger } from './idempotency-ledger';
import { IDEMPOTENCY_LEDGER } from '@gatehouse/messaging';

/**
 * The Postgres-backed half of messaging, for services with a database: the transactional outbox,
 * durable event consumers (processed_events), the audit recorder and their retention. Needs
 * MessagingModule (NATS) and the service's DataSource. Kept apart from @gatehouse/messaging so that
 * processes without a database (the gateway) never load TypeORM.
 */
@Global()
@Module({})
export class DurableEventsModule {
  static forRoot(options: DurableEventsOptions): DynamicModule {
    const providers = [Outbox, EventConsumers, AuditRecorder, EventRetention, PostgresIdempotencyLedger];
    const ledger = { provide: IDEMPOTENCY_LEDGER, useExisting: PostgresIdempotencyLedger };
    return {
      module: DurableEventsModule,
      providers: [{ provide: DURABLE_EVENTS_OPTIONS, useValue: options }, ...providers, ledger],
      exports: [...providers, ledger],
    };
  }
}
