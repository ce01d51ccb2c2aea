export * from './openapi-operations';
export * from './leak-scan';
export * from './tenant-world';
export * from './schema-inputs';
export * from './row-counts';
export * from './secrets-at-rest';
