export * from './ports';
export * from './test-database';
export * from './nats-server';
export * from './system';
export * from './api';
export * from './fixtures';
export * from './upstream-echo';
