export * from './validate-env';
export * from './base-env';
export * from './config.module';
