export * from './rpc';
export * from './problem';
export * from './events';
export * from './pagination';
export * from './permissions';
export * from './identity';
export * from './tenancy';
export * from './authorization';
