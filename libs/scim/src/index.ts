export * from './scim-protocol';
export * from './scim-error';
export * from './scim-filter';
export * from './scim-query';
export * from './scim-patch';
