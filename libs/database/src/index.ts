export * from './snake-naming.strategy';
export * from './database.module';
export * from './stored-secrets';
export * from './tenant-write-guard';
export * from './like-pattern';
export * from './secret-sealer';
export * from './entity-page';
export * from './keyset';
