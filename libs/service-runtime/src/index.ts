export * from './health.module';
export * from './health.controller';
export * from './bootstrap';
export * from './trace-context.interceptor';
export * from './schema-introspection';
export * from './idempotency.interceptor';
export * from './database-unavailable.interceptor';
export * from './draining-nats-server';
