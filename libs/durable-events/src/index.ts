export * from './outbox';
export * from './outbox.migration';
export * from './event-retention';
export * from './event-consumers';
export * from './audit-recorder';
export * from './durable-events.module';
export * from './durable-events.options';
export * from './owned-schema';
