export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

export interface MessagingOptions {
  /** Service name: NATS queue group, outbox `source`, consumer name prefix. */
  service: string;
  /** Postgres schema holding the outbox and processed_events tables (services with a database). */
  schema?: string;
  /** Hours a published outbox row is kept (DatabaseServiceEnv.OUTBOX_RETENTION_HOURS). */
  outboxRetentionHours?: number;
}
