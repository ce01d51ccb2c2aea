export const DURABLE_EVENTS_OPTIONS = Symbol('DURABLE_EVENTS_OPTIONS');

export interface DurableEventsOptions {
  /** Service name: the outbox events' `source`, the durable consumers' name prefix. */
  service: string;
  /** Postgres schema holding the service's outbox and processed_events tables. */
  schema: string;
  /** Hours a published outbox row is kept (DatabaseServiceEnv.OUTBOX_RETENTION_HOURS). */
  outboxRetentionHours: number;
}
