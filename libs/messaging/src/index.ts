export * from './nats-connection';
export * from './messaging-transport';
export * from './rpc-client';
export * from './handlers';
export * from './jetstream';
export * from './messaging.options';
export * from './messaging.module';
export * from './idempotency';
